"""Error reports (SENTRY_DSN) reach a loopback stand-in for the error
service: the deployer's test event, and errors raised in a view and in a
consumer of a real uvicorn, with nothing private in them."""

import gzip
import http.server
import subprocess
import sys
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from .conftest import ROOT, free_port, server_environment, start_chat_server
from .sockets import Tab, http_post, open_tab

# Once: the trigger is SQLite's, and the rest does not depend on the database.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_run("sqlite")]

BODY = "the body nobody else may read"
PASSWORD = "a password in the form"
CSRF = "c" * 32


class ErrorService:
    """Sentry's ingest as far as the SDK needs: envelopes, each answered 200."""

    def __init__(self):
        self.envelopes = []
        received = self.envelopes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/api/1/envelope/":
                    received.append(body.decode(errors="replace"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def dsn(self):
        return f"http://publickey@127.0.0.1:{self.server.server_port}/1"

    def wait_for(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for envelope in self.envelopes:
                if text in envelope:
                    return envelope
            time.sleep(0.05)
        pytest.fail(f"no envelope with {text!r} among {len(self.envelopes)}")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def error_service():
    service = ErrorService()
    yield service
    service.stop()


def check_error_reporting(dsn):
    return subprocess.run(
        [sys.executable, "manage.py", "check_error_reporting"],
        cwd=ROOT,
        # The commit, as Heroku's build gives it.
        env={**server_environment(), "SENTRY_DSN": dsn, "SOURCE_VERSION": "c0ffee1"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_deployers_check_sends_a_test_event(error_service):
    done = check_error_reporting(error_service.dsn)
    assert done.returncode == 0, done.stderr
    assert "accepted (HTTP 200)" in done.stdout
    event = error_service.wait_for("check_error_reporting: a test event")
    assert '"release":"c0ffee1"' in event.replace(" ", "")


def test_the_check_says_when_nothing_answers():
    done = check_error_reporting(f"http://publickey@127.0.0.1:{free_port()}/1")
    assert done.returncode != 0
    assert "did not answer" in done.stderr


@pytest.fixture
def messages_refused():
    """The database refuses every new message, as a failing disk would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER refuse_messages BEFORE INSERT ON rooms_message "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_messages")


async def test_errors_in_a_view_and_a_consumer_are_reported_without_secrets(
    error_service, django_db_blocker, general, alice, messages_refused
):
    server = await sync_to_async(start_chat_server)(
        "error-reports", django_db_blocker, SENTRY_DSN=error_service.dsn
    )
    try:
        form = {"message": BODY, "password": PASSWORD}
        answer = await sync_to_async(http_post)(
            server, "/rooms/general/messages/", form, CSRF, alice.session_id
        )
        assert answer.status == 500
        from_view = await sync_to_async(error_service.wait_for)(
            "/rooms/{slug}/messages/"
        )
        assert "refused by the test" in from_view

        async with open_tab(server, person=alice) as ws:
            tab = Tab(ws)
            await tab.expect("alice joined")
            await tab.send(action="send", message=BODY)
            from_consumer = await sync_to_async(error_service.wait_for)('"asgi"')
        assert "refused by the test" in from_consumer
    finally:
        await sync_to_async(server.stop)()
    for envelope in error_service.envelopes:
        for secret in (BODY, PASSWORD, alice.session_id, CSRF):
            assert secret not in envelope
