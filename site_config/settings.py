"""Settings for the chat, read from the environment (see README, "Deploy").

Longer than most modules: Django reads its settings from one module, and
each setting here says why it has its value.
"""

import os
import urllib.parse
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def env_rate(name, default):
    """Return "count/seconds" from the environment as (count, seconds)."""
    count, seconds = os.environ.get(name, default).split("/")
    return int(count), float(seconds)


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY, or DEBUG=1 for local development.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if not DEBUG:
    # HTTPS only. Behind a PaaS router X-Forwarded-Proto is trusted
    # (site_config/proxies.py), so the redirect cannot loop.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Checked and scraped by the platform on its private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    # Where the redirect goes, when not to the same host on port 443.
    SECURE_SSL_HOST = os.environ.get("SECURE_SSL_HOST") or None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "site_config",
    "accounts",
    "rooms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After static files: every request it counts has a route.
    "site_config.metrics.count_requests",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.languages.PersonsLanguage",
    "site_config.logs.LogContext",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "site_config.urls"
ASGI_APPLICATION = "site_config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default; DATABASE_URL (e.g. postgres://…) for anything shared.
# Under ASGI persistent connections are off (but see SQLite below);
# Postgres uses psycopg's pool.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Opening a SQLite file costs more than most queries here, and a file
    # has no server-side connection limit: keep one open per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write
    # lock up front, so concurrent writers wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's default is 4 connections, fewer than the threads that query
    # at once: the event loop's pool (cores + 4) and one per HTTP request.
    # site_config/lifespan.py logs the pool's figures at shutdown.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "pool", {"min_size": 4, "max_size": 16}
    )

# Enforced on every response. Scripts run only with the page's nonce: htmx
# re-creates every <script> a swap brings in, and such a copy has none, so
# nothing sent over the socket can run. No 'unsafe-eval' either, so hx-on
# and js: values (htmx compiles them with Function) are off; the behaviour
# lives in static/js. No inline styles: per-viewer rules come from
# /viewer.css. 'self' in connect-src covers the room's ws(s):// socket.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.NONCE],
    # The nonce is for the admin's one <style> block.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # The web app manifest (/manifest.webmanifest): installing the chat.
    "manifest-src": [CSP.SELF],
    # The service worker of push notifications (/service-worker.js).
    "worker-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# In-memory by default: one process only (the serve command enforces it).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The pub/sub layer: group_send is one PUBLISH, whatever the room's size.
    # redis-py 8 raises when its pool runs dry instead of waiting, so size
    # it on purpose. rediss:// URLs use TLS (add ?ssl_cert_reqs=none for a
    # provider's self-signed certificate).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "site_config.channel_layers.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": int(
                            os.environ.get("REDIS_MAX_CONNECTIONS", 50)
                        ),
                    }
                ],
                "prefix": os.environ.get("REDIS_PREFIX", "chat"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "site_config.channel_layers.InMemoryChannelLayer"}
    }

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "rooms:lobby"
LOGOUT_REDIRECT_URL = "rooms:lobby"

# English and Spanish: the browser's Accept-Language picks one, a person's
# choice under Profile overrides it (accounts.languages). Translations live
# in locale/ (docs/translating.md).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Attachments: on disk under MEDIA_ROOT, or in an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set (a PaaS wipes its disk on every deploy).
# Never served from MEDIA_URL: rooms.web.message_views.attachment checks who may read
# them first, then streams them (disk) or redirects to a signed URL (S3).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    # Credentials and the region come from boto3's usual AWS_* variables.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    # Images are shown from the signed URLs the chat redirects to.
    ATTACHMENTS_ORIGIN = os.environ.get(
        "AWS_S3_ENDPOINT_URL", f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    )
    SECURE_CSP["img-src"] = [CSP.SELF, ATTACHMENTS_ORIGIN]

# Per file; the files of one message; files one person may post per
# seconds ("30/60").
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
MAX_ATTACHMENTS = int(os.environ.get("MAX_ATTACHMENTS", 10))
UPLOAD_RATE_LIMIT = tuple(
    int(part) for part in os.environ.get("UPLOAD_RATE_LIMIT", "30/60").split("/")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "site_config.websocket.connections": {
            "level": os.environ.get("WEBSOCKET_LOG_LEVEL", "WARNING")
        },
    },
}
# LOG_FORMAT=json: one JSON object a line on stdout, for a log platform
# (site_config/logs.py; uvicorn's lines too, by site_config/logging.json).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT == "json":
    LOGGING["formatters"] = {"json": {"()": "site_config.logs.JsonFormatter"}}
    LOGGING["handlers"]["console"] |= {
        "formatter": "json",
        "stream": "ext://sys.stdout",
    }
    # Django's own handler for its loggers writes text under DEBUG, and
    # uvicorn's when it is run without `manage.py serve`: through ours.
    for name in ("django", "uvicorn", "uvicorn.error", "uvicorn.access"):
        LOGGING["loggers"][name] = {"handlers": [], "propagate": True}

# Presence: a socket refreshes its row every HEARTBEAT; a row not refreshed
# for TTL is a ghost of a dead process; a closed socket counts for GRACE.
PRESENCE_HEARTBEAT_SECONDS = float(os.environ.get("PRESENCE_HEARTBEAT_SECONDS", 15))
PRESENCE_TTL_SECONDS = float(os.environ.get("PRESENCE_TTL_SECONDS", 45))
PRESENCE_GRACE_SECONDS = float(os.environ.get("PRESENCE_GRACE_SECONDS", 15))

# A hidden tab's socket is closed; it asks this often for its title's count.
UNREAD_POLL_SECONDS = float(os.environ.get("UNREAD_POLL_SECONDS", 10))

# How many messages one person may post in how many seconds ("10/10").
MESSAGE_RATE_LIMIT = tuple(
    int(part) for part in os.environ.get("MESSAGE_RATE_LIMIT", "10/10").split("/")
)

# Failed sign-ins one address may make, on one account or on all, per
# seconds ("10/180"); more are refused until the oldest falls out of the window.
SIGN_IN_ATTEMPT_LIMIT = tuple(
    int(part) for part in os.environ.get("SIGN_IN_ATTEMPT_LIMIT", "10/180").split("/")
)
# Failed sign-ins on one account from every address per seconds ("100/3600"):
# past that, each attempt on it waits SIGN_IN_SLOWDOWN_SECONDS first. A delay,
# not a refusal, so nobody can lock a person out of their own account.
SIGN_IN_ACCOUNT_LIMIT = tuple(
    int(part) for part in os.environ.get("SIGN_IN_ACCOUNT_LIMIT", "100/3600").split("/")
)
SIGN_IN_SLOWDOWN_SECONDS = float(os.environ.get("SIGN_IN_SLOWDOWN_SECONDS", 5))

# Who may sign up until an administrator chooses on the people page: "open"
# (anyone) or "invitation" (only with the join link or an invitation).
SIGNUP_MODE = os.environ.get("SIGNUP_MODE", "open")
if SIGNUP_MODE not in ("open", "invitation"):
    raise ImproperlyConfigured('SIGNUP_MODE must be "open" or "invitation"')
# Wrong join links one address may try per seconds ("20/900").
JOIN_ATTEMPT_LIMIT = tuple(
    int(part) for part in os.environ.get("JOIN_ATTEMPT_LIMIT", "20/900").split("/")
)

# Rooms one person may create per seconds ("5/3600").
ROOM_CREATION_LIMIT = tuple(
    int(part) for part in os.environ.get("ROOM_CREATION_LIMIT", "5/3600").split("/")
)

# What one person may do that leaves no row to count, as count/seconds
# in each web process (accounts/limits.py): edits and deletions,
# reactions, typing reports (the composer sends one every 2 s), avatar
# changes and links sent to confirm an email address.
EDIT_RATE_LIMIT = env_rate("EDIT_RATE_LIMIT", "10/10")
REACTION_RATE_LIMIT = env_rate("REACTION_RATE_LIMIT", "20/10")
TYPING_RATE_LIMIT = env_rate("TYPING_RATE_LIMIT", "1/1.5")
AVATAR_RATE_LIMIT = env_rate("AVATAR_RATE_LIMIT", "5/600")
EMAIL_CONFIRMATION_RATE_LIMIT = env_rate("EMAIL_CONFIRMATION_RATE_LIMIT", "3/3600")
# Posts per incoming webhook per seconds: Slack's one a second, in bursts.
INCOMING_WEBHOOK_RATE_LIMIT = env_rate("INCOMING_WEBHOOK_RATE_LIMIT", "5/5")
# Downloads of one's own messages and files: each reads them all.
OWN_EXPORT_RATE_LIMIT = env_rate("OWN_EXPORT_RATE_LIMIT", "3/3600")
# Sockets open at once in each web process from one session (its tabs)
# and from one address (behind a router without PROXY_COUNT, everyone's).
SOCKETS_PER_SESSION = int(os.environ.get("SOCKETS_PER_SESSION", 20))
SOCKETS_PER_ADDRESS = int(os.environ.get("SOCKETS_PER_ADDRESS", 500))

# How many proxies in front append to X-Forwarded-For (1 behind a PaaS
# router): the address they saw is what limits and bans count. With 0 no
# header decides it: the connection's own address counts.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))

# A socket whose sends cannot go out for this long is dropped (it stopped
# reading); it reconnects and catches up once it reads again.
WEBSOCKET_SEND_TIMEOUT_SECONDS = float(
    os.environ.get("WEBSOCKET_SEND_TIMEOUT_SECONDS", 10)
)

# Email: the notifications of mentions and direct messages someone missed.
# EMAIL_URL (smtp://user:password@host:25, smtp+tls:// for STARTTLS on
# 587, smtps:// for TLS on 465), or Django's usual EMAIL_HOST and friends;
# under DEBUG without either, emails are printed to the console.
SMTP = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    _email = urllib.parse.urlsplit(EMAIL_URL)
    _options = {
        "host": _email.hostname or "localhost",
        "port": _email.port or {"smtp+tls": 587, "smtps": 465}.get(_email.scheme, 25),
        "username": urllib.parse.unquote(_email.username or ""),
        "password": urllib.parse.unquote(_email.password or ""),
        "use_tls": _email.scheme == "smtp+tls",
        "use_ssl": _email.scheme == "smtps",
    }
    MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": {**_options, "timeout": 10}}}
elif os.environ.get("EMAIL_HOST"):
    _options = {
        "host": os.environ["EMAIL_HOST"],
        "port": int(os.environ.get("EMAIL_PORT", 25)),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "use_ssl": env_bool("EMAIL_USE_SSL"),
    }
    MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": {**_options, "timeout": 10}}}
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    # Nothing here sends email without a configured server (NOTIFY_EMAIL_AFTER
    # below is off); Django's own default keeps its checks content.
    MAILERS = {"default": {"BACKEND": SMTP}}
EMAIL_CONFIGURED = bool(EMAIL_URL or os.environ.get("EMAIL_HOST") or DEBUG)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chat@localhost")

# Links in emails: the site's address as people reach it.
SITE_URL = os.environ.get("SITE_URL") or next(
    iter(CSRF_TRUSTED_ORIGINS), "http://127.0.0.1:8000"
)

# A mention or direct message still unread this long is emailed (one email
# per person per this long); off without a way to send email.
NOTIFY_EMAIL_AFTER = (
    timedelta(seconds=float(os.environ.get("NOTIFY_EMAIL_AFTER", 15 * 60)))
    if EMAIL_CONFIGURED
    else None
)
NOTIFY_SWEEP_SECONDS = float(os.environ.get("NOTIFY_SWEEP_SECONDS", 60))

# Web Push: a browser a person turned notifications on in hears of a
# mention or a direct message while no tab of theirs shows that room.
# Off without keys; make them once with `python manage.py vapid_keys`.
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:admin@localhost")
PUSH_SWEEP_SECONDS = float(os.environ.get("PUSH_SWEEP_SECONDS", 1))
# Push services are on the public internet: a subscription naming a
# private or loopback address is refused (tests set this).
PUSH_ALLOW_PRIVATE = env_bool("PUSH_ALLOW_PRIVATE")

# Bots' webhooks (rooms/sweeps/webhooks.py): how often one web process looks for
# mentions of bots and direct messages to them, how long a bot has to
# answer, and whether webhooks may be on private and loopback addresses
# (tests only: otherwise anyone who can make a bot reaches the private net).
WEBHOOK_SWEEP_SECONDS = float(os.environ.get("WEBHOOK_SWEEP_SECONDS", 1))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 7))
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE")
# A push or webhook call that failed on the network, timed out or met a 5xx
# is tried again after this, then twice as long each time (at most 10
# minutes), for an hour (rooms/sweeps/deliveries.py).
DELIVERY_RETRY_SECONDS = float(os.environ.get("DELIVERY_RETRY_SECONDS", 10))

# Link previews (rooms/sweeps/previews.py): after a message with links is
# stored, one web process reads each linked page's head (at most 3 links a
# message) and shows its title, description and picture under it. Off with
# LINK_PREVIEWS=off. Pages must be https on the public internet, unless
# LINK_PREVIEW_ALLOW_PRIVATE (tests only, as for webhooks). A site is
# asked at most LINK_PREVIEW_SITE_RATE_LIMIT times per process.
LINK_PREVIEWS = env_bool("LINK_PREVIEWS", True)
LINK_PREVIEW_ALLOW_PRIVATE = env_bool("LINK_PREVIEW_ALLOW_PRIVATE")
LINK_PREVIEW_SWEEP_SECONDS = float(os.environ.get("LINK_PREVIEW_SWEEP_SECONDS", 1))
LINK_PREVIEW_TIMEOUT_SECONDS = float(os.environ.get("LINK_PREVIEW_TIMEOUT_SECONDS", 5))
LINK_PREVIEW_SITE_RATE_LIMIT = env_rate("LINK_PREVIEW_SITE_RATE_LIMIT", "60/60")

# /metrics (site_config/metrics.py): Prometheus's text format, for
# requests bearing this token; without it there is no such page.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Error reports (site_config/errors.py) to Sentry or a service speaking
# its protocol, when set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from site_config import errors

    errors.start(SENTRY_DSN)
