# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell pyenv which python3.12 2>/dev/null || command -v python3.12 || echo python3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint format browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py serve -- --host $(HOST) --port $(PORT) --reload

# Chromium for the browser tests, from Debian's packages (Playwright cannot
# download its own browsers here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# The suite runs twice: on SQLite, and on the Postgres of this machine kind.
# Off CI a missing Postgres only skips the second run.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

test: $(VENV)/.installed browser lint
	$(PY) -m pytest
	@if $(PY) -c "import psycopg; psycopg.connect('$(POSTGRES_URL)').close()" 2>/dev/null; then \
		echo "--- again on Postgres ($(POSTGRES_URL))"; \
		DATABASE_URL=$(POSTGRES_URL) $(PY) -m pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "Postgres is not reachable at $(POSTGRES_URL), and CI=true" >&2; exit 1; \
	else \
		echo "--- skipped the Postgres run: nothing at $(POSTGRES_URL)"; \
	fi

$(VENV)/.bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[bench]"
	touch $@

# The figures of the README's "Speed" section, from one run (a few minutes).
# Pins itself and its servers to one core each; leaves bench/results/*.
bench: $(VENV)/.bench
	$(PY) -m bench

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test-db.sqlite3*
