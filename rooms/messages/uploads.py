"""Turn an uploaded file into what is stored.

The type comes from the bytes, never from the name or the browser. Images
(PNG, JPEG, GIF, WebP) are proved by decoding them, turned upright and
re-encoded without their metadata (a camera's GPS position never leaves
the server), and get a thumbnail that fits THUMBNAIL_SIZE. Every other file
is stored as it came, and only ever served as a download. Nothing is read
whole into memory: Pillow reads what it needs of the file, and any other
file goes to storage in chunks.
"""

import io
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from PIL import ImageOps

from accounts import pictures

IMAGE_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
THUMBNAIL_SIZE = (1200, 800)
# Shown at most this size in the log: a thumbnail has twice the pixels a
# side, sharp on a high-density screen.
DISPLAY_SIZE = (600, 400)
# Leaves room in a 255-byte file name for what a download adds, e.g. " (1)".
MAX_NAME_BYTES = 200
# What a picture's frames need to be drawn; the rest of what Pillow read
# (EXIF, XMP, comments, profiles) is left behind.
DRAWING_INFO = ("transparency", "duration", "loop", "background", "disposal")


@dataclass
class Upload:
    """An uploaded file as it will be stored: a picture's bytes as they
    were encoded here, or the uploaded file itself."""

    name: str
    content_type: str
    data: bytes | File
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def prepare(uploaded):
    """Return an Upload for a Django UploadedFile; raise ValidationError."""
    name = safe_name(uploaded.name or "")
    try:
        image = pictures.open_picture(uploaded)
    except pictures.TooLarge:
        raise too_large(name) from None
    except pictures.NotAPicture:
        return Upload(name, content_type_of(uploaded), uploaded)
    with image:
        format = "JPEG" if image.format == "MPO" else image.format
        if format not in IMAGE_FORMATS:
            # A picture this chat does not show (TIFF, BMP...): a download.
            return Upload(name, content_type_of(uploaded), uploaded)
        try:
            # A multi-picture JPEG is its first picture only.
            pixels = pictures.pixels_of(image, 1 if image.format == "MPO" else None)
            with pictures.budget.decoding(pixels):
                return prepare_image(name, image, format)
        except pictures.TooLarge:
            raise too_large(name) from None
        except (pictures.NotAPicture, OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(
                _("“%(file)s” could not be read as a picture; it may be damaged.")
                % {"file": name}
            ) from None


def too_large(name):
    return ValidationError(
        _(
            "“%(file)s” is too large a picture: at most %(millions)d million "
            "pixels in all its frames."
        )
        % {"file": name, "millions": pictures.MAX_PIXELS // 1_000_000}
    )


def prepare_image(name, image, format):
    # A multi-picture JPEG (a camera's preview beside the photo) is its
    # first picture; animated PNGs and WebPs keep every frame.
    animated = getattr(image, "is_animated", False) and image.format != "MPO"
    if animated:
        image.load()
        full = encode(image, format, save_all=True)
    else:
        image.seek(0)
        image = ImageOps.exif_transpose(image)
        full = encode(image, format)
    thumbnail = None
    if image.width > THUMBNAIL_SIZE[0] or image.height > THUMBNAIL_SIZE[1]:
        # An animation's is its first frame, still.
        thumbnail = encode(shrunk(image), format)
    width, height = fitted(image.size, DISPLAY_SIZE)
    return Upload(name, IMAGE_FORMATS[format], full, thumbnail, width, height)


def shrunk(image):
    copy = image.copy()
    copy.thumbnail(THUMBNAIL_SIZE)
    return copy


def fitted(size, box):
    """Return size shrunk to fit box, same shape; never enlarged."""
    width, height = size
    scale = min(1, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def encode(image, format, **options):
    """Return image in format, with none of the source's metadata."""
    # Pillow writes some of what it read (a comment, XMP, a colour profile)
    # back out unless told otherwise; keep only what drawing needs.
    image.info = {key: image.info[key] for key in DRAWING_INFO if key in image.info}
    out = io.BytesIO()
    if format == "JPEG":
        image = image if image.mode == "RGB" else image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif format == "WEBP":
        image.save(out, "WEBP", quality=88, **options)
    elif format == "GIF":
        image.save(out, "GIF", **options)
    else:
        image.save(out, "PNG", **options)
    return out.getvalue()


def content_type_of(file):
    """Return a file's type from its first bytes: PDF, or just bytes."""
    file.seek(0)
    if file.read(5) == b"%PDF-":
        return "application/pdf"
    return "application/octet-stream"


def safe_name(name):
    """Return a file name fit to show and to download.

    No folders (a name is the last part of a path, either system's), no
    control or invisible characters (a right-to-left override can make
    "gpj.exe" read "exe.jpg"), no leading dots, at most MAX_NAME_BYTES.
    """
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control characters and odd spaces part words; invisible ones vanish.
    name = "".join(" " if is_space_like(c) else c for c in name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = " ".join(name.split()).lstrip(".")
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, dot, extension = name, "", ""
    room = MAX_NAME_BYTES - len(extension.encode()) - len(dot)
    stem = stem.encode()[:room].decode(errors="ignore").rstrip()
    return f"{stem}{dot}{extension}" if stem else "file" + dot + extension


def is_space_like(character):
    category = unicodedata.category(character)
    return category[0] == "Z" or category == "Cc"
