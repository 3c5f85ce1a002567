"""Let an HTTP view run to its end when the client hangs up mid-request.

Django cancels a request when the client disconnects. A sync view (and
sync middleware) cannot be cancelled: it keeps running in the request's
thread while asgiref unwinds, and the request's cleanup, which returns the
thread's database connection to the pool, may then run before the view's
queries. That connection is never returned: enough aborted page loads and
the pool runs dry (tests/test_pool.py). Our views are short, so the
disconnect is held back until the response has started, when the view and
the middleware have finished; a long download still stops at once.
"""

import asyncio


class HoldDisconnectUntilResponse:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body_read = False
        response_started = asyncio.Event()

        async def receive_after_response_start():
            nonlocal body_read
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body"):
                body_read = True
            elif message["type"] == "http.disconnect" and body_read:
                # A hang-up during the upload still aborts before any view runs.
                await response_started.wait()
            return message

        async def send_noting_start(message):
            if message["type"] == "http.response.start":
                response_started.set()
            await send(message)

        await self.app(scope, receive_after_response_start, send_noting_start)
