"""Open a picture someone sent, within what decoding it may cost.

A few kilobytes can unpack to gigabytes: a GIF of many large frames, a PNG
of 7000×7000 pixels. Pillow reads a picture's size and frames from its
header without decoding a pixel, so a picture past MAX_PIXELS, all its
frames counted, is refused before anything is loaded. What is decoded then
waits for room in the process's budget (DECODING_BUDGET pixels at once):
large pictures take turns, a small one never waits behind them. Attachments
and avatars alike: here, so both a person's avatar and the rooms'
attachments decode in one place.
"""

import io
import threading
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

# Larger than any camera's photo, in all of a picture's frames together.
MAX_PIXELS = 50_000_000
# Pixels decoded at once in one process: two of the largest pictures.
DECODING_BUDGET = 2 * MAX_PIXELS
# Pillow's own check, per frame, as a last guard; twice it is an error.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class NotAPicture(Exception):
    """Bytes that no decoder here can read as a picture."""


class TooLarge(Exception):
    """A picture whose frames hold more than MAX_PIXELS."""


def open_picture(data):
    """Return data (bytes, or a file open for reading, which Pillow reads
    only as it needs) as a Pillow Image with only its header read."""
    try:
        return Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
    except Image.DecompressionBombError:
        raise TooLarge from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise NotAPicture from None


def pixels_of(image, frames=1):
    """Return the pixels decoding frames of image takes; TooLarge past
    MAX_PIXELS. frames=None counts every frame the header lists."""
    if frames is None:
        try:
            frames = getattr(image, "n_frames", 1)
        except (OSError, SyntaxError, ValueError, EOFError):
            raise NotAPicture from None
    pixels = image.width * image.height * frames
    if pixels > MAX_PIXELS:
        raise TooLarge
    return pixels


class PixelBudget:
    """Pixels being decoded in this process, kept within a budget."""

    def __init__(self, pixels):
        self.pixels = pixels
        self.in_use = 0
        self.changed = threading.Condition()

    @contextmanager
    def decoding(self, cost):
        """Hold room for decoding cost pixels while the block runs."""
        with self.changed:
            # Alone, any picture may go: it passed MAX_PIXELS.
            self.changed.wait_for(
                lambda: self.in_use == 0 or self.in_use + cost <= self.pixels
            )
            self.in_use += cost
        try:
            yield
        finally:
            with self.changed:
                self.in_use -= cost
                self.changed.notify_all()


budget = PixelBudget(DECODING_BUDGET)
