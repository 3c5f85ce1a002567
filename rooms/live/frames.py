"""A broadcast's text, framed once for every socket it goes to.

The fan-out, catch-up and sidebar build these; the server's websocket
protocol (site_config/websocket.py) writes the frame as it is.
"""

from websockets.frames import Frame, Opcode


class PreparedText:
    """A text message, framed once for all the sockets it goes to.

    As websocket.send's "prepared", beside its "text": WebSocketProtocol
    writes the frame as it is, built for the first socket that encodes as
    this one does; any other server sends the text. Frames here depend only
    on the socket's compression window (see PER_MESSAGE_DEFLATE in
    site_config/websocket.py), so a broadcast costs each socket one write.
    gorilla/websocket's PreparedMessage, which Centrifugo broadcasts with,
    works the same way.
    """

    __slots__ = ("text", "_frames")

    def __init__(self, text):
        self.text = text
        self._frames = {}

    def frame(self, extensions):
        window = tuple(extension.local_max_window_bits for extension in extensions)
        frame = self._frames.get(window)
        if frame is None:
            # Another socket's compressor would have its own history.
            assert all(extension.local_no_context_takeover for extension in extensions)
            text = Frame(Opcode.TEXT, self.text.encode())
            frame = self._frames[window] = text.serialize(
                mask=False, extensions=extensions
            )
        return frame
