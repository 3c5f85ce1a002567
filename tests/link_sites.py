"""A web site on loopback for link previews: each path answers as a test
says (a page, a picture, silence, 100 MB), and the site counts what it
was asked and what it sent."""

import contextlib
import http.server
import threading
import time
from collections import Counter

from bench.servers import free_port

from .files import picture

MB = 1024 * 1024


def page(title="", description="", image="", head_extra="", body="<p>Hi</p>"):
    """Return a page's HTML with these Open Graph tags (skipped if empty)."""
    tags = [
        f'<meta property="og:{name}" content="{value}">'
        for name, value in (("title", title), ("description", description))
        if value
    ]
    if image:
        tags.append(f'<meta property="og:image" content="{image}">')
    head = "".join(tags) + head_extra
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


class Site:
    def __init__(self):
        self.answers = {}
        self.hits = Counter()
        self.sent = Counter()
        self.closing = threading.Event()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                site.hits[self.path] += 1
                answer = site.answers.get(self.path)
                if answer is None:
                    self.send_error(404)
                    return
                # The reader hangs up once it has read enough.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    answer(self)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    # What a path answers.

    def serve(self, path, body, content_type="text/html; charset=utf-8", **headers):
        data = body.encode() if isinstance(body, str) else body

        def answer(handler):
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                handler.send_header(name.replace("_", "-"), value)
            handler.end_headers()
            handler.wfile.write(data)
            self.sent[path] += len(data)

        self.answers[path] = answer

    def serve_picture(self, path, data=None):
        self.serve(path, data or picture((800, 600)), "image/png")

    def redirect(self, path, location):
        def answer(handler):
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.answers[path] = answer

    def never_answer(self, path):
        """Take the request, then say nothing until the site closes."""
        self.answers[path] = lambda handler: self.closing.wait(60)

    def drip(self, path, every=0.5):
        """Start a page, then send a byte now and then, for a minute."""

        def answer(handler):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(10 * MB))
            handler.end_headers()
            handler.wfile.write(b"<html><head><title>")
            for _ in range(120):
                if self.closing.wait(every):
                    return
                handler.wfile.write(b"a")
                handler.wfile.flush()

        self.answers[path] = answer

    def endless_head(self, path, size=100 * MB):
        """Send size bytes of a head that never ends, as fast as read."""
        chunk = b'<meta name="filler" content="' + b"x" * 65_000 + b'">'

        def answer(handler):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(size))
            handler.end_headers()
            handler.wfile.write(b"<html><head>")
            while self.sent[path] < size and not self.closing.is_set():
                handler.wfile.write(chunk)
                self.sent[path] += len(chunk)

        self.answers[path] = answer


def wait_for(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("not within the time")
