"""Log lines as JSON (LOG_FORMAT=json), with the request, person and room
each line is about.

uvicorn's processes load the formatter from site_config/logging.json
(`manage.py serve` passes it), before Django is set up: this module
imports nothing of Django's.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

# Set by RequestId for each request and socket, then by LogContext or the
# consumer once it knows who and where: read by every log line made
# while it runs (uvicorn's access line included, written from the
# app's own send). person holds a socket's user id, or a request: a line
# names its person once something has read who they are, and never reads
# it itself. Never the lazy user: asgiref's isinstance() on each
# variable, at every thread hop, would read it from the event loop.
request_id = contextvars.ContextVar("request_id", default=None)
person = contextvars.ContextVar("person", default=None)
room = contextvars.ContextVar("room", default=None)

# A router's id is kept if it looks like one; anything else is replaced,
# so a client cannot write into the logs.
ROUTER_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestId:
    """ASGI middleware: each request and socket gets the router's
    X-Request-ID, or a new id, echoed in the HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        value = given if ROUTER_ID.fullmatch(given) else uuid.uuid4().hex
        request_id.set(value)
        if scope["type"] == "websocket":
            # The server's own send, untouched: the fan-out writes frames
            # with it directly (site_config/websocket.py).
            return await self.app(scope, receive, send)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = [
                    *message.get("headers", ()),
                    (b"x-request-id", value.encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_id)


class LogContext:
    """Django middleware: the person and room of a request, for its log
    lines (the room once its view is found)."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        person.set(request)
        return self.get_response(request)

    # Async: a sync one would cost every request a trip to Django's thread.
    async def process_view(self, request, view, args, kwargs):
        if "slug" in kwargs:
            room.set(kwargs["slug"])


def name_socket(sender, **kwargs):
    """Receive the rooms' socket_identified: the socket's later lines name
    its person and room."""
    if "person" in kwargs:
        person.set(kwargs["person"])
    if "room" in kwargs:
        room.set(kwargs["room"])


def known_person():
    value = person.get()
    if value is None or isinstance(value, int):
        return value
    # A request's lazy user, read by now or not (then its _wrapped is empty).
    user = getattr(value.__dict__.get("user"), "_wrapped", None)
    return getattr(user, "pk", None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the
    request id, person and room where known."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = {
            "request_id": request_id.get(),
            "person": known_person(),
            "room": room.get(),
        }
        line |= {name: value for name, value in context.items() if value is not None}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
