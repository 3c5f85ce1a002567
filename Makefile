# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell pyenv which python3.12 2>/dev/null || command -v python3.12 || echo python3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test messages bench bench-search bench-import sizing rehearsal proxy prometheus soak lint format browser lock audit outdated clean screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Exactly the locked versions, each file checked against its hash; the
# project itself goes on top without touching them.
$(VENV)/.installed: requirements-test.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The lock files, from pyproject.toml: requirements.txt to deploy,
# requirements-test.txt for the tests, requirements-bench.txt for make bench. `make lock LOCK_ARGS=--upgrade`
# moves unpinned dependencies to their newest releases.
TOOLS := .venv-tools
PIP_COMPILE = $(TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)

$(TOOLS)/.installed:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet pip-tools==7.6.2 pip-audit==2.10.1
	touch $@

lock: $(TOOLS)/.installed
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra test --output-file requirements-test.txt pyproject.toml
	$(PIP_COMPILE) --extra test --extra bench --output-file requirements-bench.txt pyproject.toml

# Known vulnerabilities in the locked versions, from the package index's advisory data.
# --strict fails when a package could not be checked, rather than pass.
audit: $(TOOLS)/.installed
	$(TOOLS)/bin/pip-audit --strict --require-hashes --disable-pip \
		--requirement requirements.txt --requirement requirements-test.txt

# Locked packages with a newer release: what works where audit cannot.
outdated: $(VENV)/.installed
	$(PY) -m pip list --outdated

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py serve -- --host $(HOST) --port $(PORT) --reload

# nginx and openssl for the deploy rehearsal's TLS proxy, from Debian's packages.
proxy:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx && command -v openssl >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl >/dev/null)

# Prometheus, which scrapes the rehearsal's processes, from Debian's packages.
prometheus:
	@command -v prometheus >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null)

# Deploy a clean clone of HEAD as a platform would (Procfile, two web
# processes, Postgres, Redis, DEBUG off) behind nginx terminating TLS, and
# use it in Chromium, restarting each process in turn, Prometheus scraping
# both (tests/rehearsal.py; about 45 s).
rehearsal: $(VENV)/.installed browser proxy prometheus
	$(PY) -m tests.rehearsal

# The three engines of the browser tests, from Debian's packages (Playwright
# cannot download its own browsers here): Chromium; Firefox ESR, driven over
# WebDriver BiDi (tests/engines.py); WebKitGTK's WebKitWebDriver, under Xvfb.
# With them the fonts webkit2gtk-driver pulls in (Noto Mono, Droid fallback,
# URW base35), which change Chromium's rendering too, and the emoji font every
# person's browser has (the reactions): the screenshots are taken with all.
# Also GNU gettext, with which tests/test_translations.py checks the catalogues.
BROWSER_PACKAGES := chromium firefox-esr webkit2gtk-driver xvfb \
	fonts-noto-color-emoji fonts-noto-mono fonts-droid-fallback fonts-urw-base35 gettext
browser:
	@dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null)

# The suite runs twice, on SQLite and on the Postgres of this machine kind,
# side by side (tests/run); off CI a missing Postgres only skips its run.
test: $(VENV)/.installed browser proxy prometheus lint
	PY=$(PY) tests/run --durations=15

$(VENV)/.bench: requirements-bench.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-bench.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The figures of the README's "Speed" section, from one run (a few minutes).
# Pins itself and its servers to one core each; leaves bench/results/*.
# BENCH_ARGS="--quick --kinds ours,bare": CPU per delivery only, in a minute.
bench: $(VENV)/.bench
	$(PY) -m bench $(BENCH_ARGS)

# Search at a million messages on Postgres (about 2 minutes): a throwaway
# database `bench_search` beside DATABASE_URL's, seeded with COPY.
BENCH_SEARCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
bench-search: $(VENV)/.bench
	DATABASE_URL=$(BENCH_SEARCH_DATABASE_URL) $(PY) -m bench.search $(BENCH_ARGS)

# A Slack export of a million messages through import_slack (about 5
# minutes): messages per second and peak memory, on a throwaway database
# `bench_import` beside DATABASE_URL's; BENCH_ARGS="--sqlite" for SQLite.
bench-import: $(VENV)/.bench
	DATABASE_URL=$(BENCH_SEARCH_DATABASE_URL) $(PY) -m bench.slack_import $(BENCH_ARGS)

# How many processes, and what Redis and Postgres, a workspace of 1,000,
# 10,000 and 100,000 people needs, from the newest bench/results/*.json
# (docs/scaling.md): arithmetic on measured figures, in a second.
sizing: $(VENV)/.installed
	$(PY) -m bench.sizing $(BENCH_ARGS)

# A bounded soak (docs/soak.md): a few minutes of a crowd's life with a
# restart in the middle. SOAK_ARGS="--people 500 --seconds 600" to vary it.
soak: $(VENV)/.installed
	$(PY) -m bench.soak $(SOAK_ARGS)

# Take the approved pictures of the gallery and a live room again
# (tests/e2e/screenshots/); commit them with the change that moved them.
screenshots: $(VENV)/.installed browser
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/e2e/test_screenshots.py tests/e2e/test_screenshots_dark.py

# The Spanish catalogue (docs/translating.md): gathers every marked string
# into locale/es/LC_MESSAGES/django.po, keeping its translations, and
# compiles it to django.mo (committed: a platform's build needs no gettext).
# The manifest and the service worker are templates too (templates/).
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages --locale es --no-location --no-obsolete \
		--extension html,txt,py,js,webmanifest \
		--ignore 'tests/*' --ignore 'bench/*' --ignore 'staticfiles/*' --ignore 'static/*' --ignore 'media/*'
	msgfmt --check --output-file locale/es/LC_MESSAGES/django.mo locale/es/LC_MESSAGES/django.po

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles db.sqlite3 test-db.sqlite3*
