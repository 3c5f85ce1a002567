"""Turn an uploaded file into what is stored.

The type comes from the bytes, never from the name or the browser. Images
(PNG, JPEG, GIF, WebP) are proved by decoding them, turned upright and
re-encoded without their metadata (a camera's GPS position never leaves
the server), and get a thumbnail that fits THUMBNAIL_SIZE. Every other file
is stored as it came, and only ever served as a download.
"""

import io
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

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
# Decoding is the danger of an image: a few kilobytes can unpack to
# gigabytes. Larger pictures than any camera's are refused before it.
MAX_PIXELS = 50_000_000
# Leaves room in a 255-byte file name for what a download adds, e.g. " (1)".
MAX_NAME_BYTES = 200


@dataclass
class Upload:
    """An uploaded file as it will be stored."""

    name: str
    content_type: str
    data: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def prepare(uploaded):
    """Return an Upload for a Django UploadedFile; raise ValidationError."""
    name = safe_name(uploaded.name or "")
    data = uploaded.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in IMAGE_FORMATS:
                return Upload(name, content_type_of(data), data)
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    f"“{name}” is too large a picture: at most "
                    f"{MAX_PIXELS // 1_000_000} million pixels."
                )
            return prepare_image(name, image, data)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        # Not a picture Pillow can read whole: a plain file, downloaded.
        return Upload(name, content_type_of(data), data)


def prepare_image(name, image, data):
    format = image.format  # a transposed copy has none
    if not getattr(image, "is_animated", False):
        image = ImageOps.exif_transpose(image)
        full = encode(image, format)
    elif format == "WEBP":
        # Every frame kept, so it still moves; re-encoded without metadata.
        full = encode(image, format, save_all=True)
    else:
        full = data  # GIF has no place for camera metadata: kept as it came
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
    out = io.BytesIO()
    if format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif format == "WEBP":
        image.save(out, "WEBP", quality=88, **options)
    elif format == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def content_type_of(data):
    """Return a file's type from its first bytes: PDF, or just bytes."""
    if data.startswith(b"%PDF-"):
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
    name = "".join(
        c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " "
    )
    name = " ".join(name.split()).lstrip(".")
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = name, ""
    room = MAX_NAME_BYTES - len(extension.encode()) - len(dot)
    stem = stem.encode()[:room].decode(errors="ignore").rstrip()
    return f"{stem}{dot}{extension}" if stem else "file" + dot + extension
