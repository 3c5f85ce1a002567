"""Files people attach, made here: pictures with and without a camera's
metadata, an animation, a PDF, and files that would run if opened in place."""

import io
import os

from PIL import Image

# EXIF tags: the GPS block, the orientation, the camera's make.
GPS_INFO, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F
ROTATED_90 = 6  # the picture must turn 90° clockwise to stand upright


def picture(size=(40, 30), format="PNG", colour="teal"):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format)
    return out.getvalue()


def camera_photo(size=(4000, 3000), noisy=False):
    """A JPEG as a phone takes it: GPS position, make, and turned on its side.

    Noisy, it is as large as a photo of that size: noise hardly compresses.
    """
    if noisy:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, "orange")
    exif = image.getexif()
    exif[MAKE] = "PhoneCo"
    exif[ORIENTATION] = ROTATED_90
    exif.get_ifd(GPS_INFO).update(
        {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=92)
    return out.getvalue()


def animation(size=(64, 48), frames=3):
    colours = ["red", "green", "blue", "yellow"]
    images = [Image.new("RGB", size, colours[n]) for n in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1">'
    b"<script>window.__pwned=1</script></svg>"
)
HTML = b"<!doctype html><script>window.__pwned=1</script><p>hello</p>"


def opened(data):
    """Return data as an opened image, for its format, size and metadata."""
    return Image.open(io.BytesIO(data))


def with_metadata(format, frames=1):
    """A picture carrying EXIF (a GPS position), XMP and a comment."""
    images = [Image.new("RGB", (60, 40), colour) for colour in ("red", "blue")[:frames]]
    exif = images[0].getexif()
    exif[MAKE] = "PhoneCo"
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (52.0, 22.0, 1.0)})
    out = io.BytesIO()
    options = {"exif": exif, "xmp": b"<x:xmpmeta>PhoneCo</x:xmpmeta>"}
    if format == "JPEG":
        options["comment"] = b"PhoneCo"
    if frames > 1:
        options.update(save_all=True, append_images=images[1:])
    images[0].save(out, format, **options)
    return out.getvalue()


def gif_bomb(size=(5000, 5000), frames=16):
    """A GIF of a few hundred bytes whose frames each draw a size canvas.

    Each frame is one pixel, but a decoder composes every frame onto the
    whole logical screen: frames × width × height pixels to decode.
    """
    width, height = size
    screen = b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little")
    screen += b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"  # two colours
    # One pixel of colour 0 in LZW of 3-bit codes: clear (4), 0, end (5).
    frame = b"\x2c" + bytes(4) + b"\x01\x00\x01\x00\x00" + b"\x02\x02\x44\x01\x00"
    return screen + frame * frames + b"\x3b"
