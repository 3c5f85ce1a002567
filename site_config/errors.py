"""Error reports to Sentry (or any service that speaks its protocol), when
SENTRY_DSN is set: exceptions in views (the Django integration), in
consumers (asgi.py wraps the sockets in the ASGI integration), and every
line logged as an error, the background sweeps' included.

What people write and what opens their accounts never leaves: no local
variables, no request body, cookies, query string or URL (the route,
Sentry's transaction, says which view), only harmless headers, and
breadcrumbs without their data.
"""

import os

import sentry_sdk
from sentry_sdk.transport import HttpTransport

from site_config import logs

# The commit being run, from the first of these a platform sets
# (SENTRY_RELEASE to choose): Heroku's and Scalingo's build, Render's,
# Railway's, and a plain GIT_COMMIT for the rest.
RELEASE_VARIABLES = (
    "SENTRY_RELEASE",
    "SOURCE_VERSION",
    "RENDER_GIT_COMMIT",
    "RAILWAY_GIT_COMMIT_SHA",
    "GIT_COMMIT",
)

KEPT_HEADERS = {
    "accept",
    "accept-language",
    "content-length",
    "content-type",
    "host",
    "user-agent",
    "x-request-id",
}


def release():
    return next(
        (os.environ[name] for name in RELEASE_VARIABLES if os.environ.get(name)), None
    )


def start(dsn):
    sentry_sdk.init(
        dsn=dsn,
        release=release(),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,
        before_breadcrumb=scrub_breadcrumb,
        transport=ReportingTransport,
    )


def scrub(event, hint):
    request = event.get("request")
    if request:
        headers = request.get("headers") or {}
        event["request"] = {
            "method": request.get("method"),
            "headers": {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS},
        }
    if request_id := logs.request_id.get():
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def scrub_breadcrumb(crumb, hint):
    # Access lines name paths, some of which hold a key (/hooks/<secret>/).
    if crumb.get("category", "").startswith(("uvicorn", "django.request")):
        return None
    # A query's parameters, a request's URL: the message says enough.
    crumb.pop("data", None)
    return crumb


class ReportingTransport(HttpTransport):
    """Sentry's transport, remembering the status of its last answer
    (None: no answer), for check_error_reporting."""

    last_status = None

    def _handle_response(self, response, envelope):
        self.last_status = response.status
        super()._handle_response(response, envelope)
