"""How people show: display names and avatars, read without a query.

Drawing a message asks for its author's name and avatar. with_author()
selects the profile with the author, and Room.post asks once per user
object, so nothing here touches the database while a template draws.
"""

import hashlib
import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import ImageOps

from accounts import pictures

from . import signals
from .models import Profile

AVATAR_SIZE = 256


def profile_of(user):
    """Return the user's profile, or None for someone who never made one."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def display_name(user):
    profile = profile_of(user)
    return (profile and profile.display_name) or user.username


def avatar_version(user):
    profile = profile_of(user)
    return profile.version if profile else 0


def theme(user):
    """The colours a person chose ("system", "light", "dark"); the system's
    for visitors, anyone who never chose, and pages drawn for nobody."""
    profile = getattr(user, "is_authenticated", False) and profile_of(user)
    return profile.theme if profile else Profile.Theme.SYSTEM


def initials(name):
    words = name.replace("_", " ").replace(".", " ").split()
    letters = [word[0] for word in words[:2]] or [name[:1] or "?"]
    return "".join(letters).upper()


def colour_of(username):
    """A hue of the account's own."""
    digest = hashlib.sha256(f"avatar-{username}".encode()).digest()
    return f"hsl({digest[0] * 360 // 256} 55% 38%)"


def square_avatar(upload):
    """Return PNG bytes: the picture upright, cropped square, resized, with
    nothing of the original file left in it; ValidationError if it is not one."""
    try:
        # The first frame only: an animation's avatar is still.
        with (
            pictures.open_picture(upload) as image,
            pictures.budget.decoding(pictures.pixels_of(image)),
        ):
            image.seek(0)
            # A JPEG decodes at the smallest scale that still covers the
            # avatar; any picture is made small before it is made RGBA.
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            ImageOps.exif_transpose(image, in_place=True)
            image = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE)).convert("RGBA")
    except pictures.TooLarge:
        raise ValidationError(
            _("That picture is too large: at most %(millions)s million pixels.")
            % {"millions": pictures.MAX_PIXELS // 1_000_000}
        ) from None
    except (pictures.NotAPicture, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(_("That is not a picture this chat can read.")) from None
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def save(
    user,
    *,
    display_name,
    bio,
    avatar_png=None,
    remove_avatar=False,
    theme=None,
    language=None,
):
    """Store a person's profile, then show the change in every open room."""
    # The picture first, under a name of its own: storage may be a network
    # away, and the profile's row stays locked only for the few writes below.
    new_avatar = None
    if avatar_png is not None:
        name = f"avatars/{user.pk}-{secrets.token_urlsafe(9)}.png"
        new_avatar = default_storage.save(name, ContentFile(avatar_png))
    try:
        with transaction.atomic():
            profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
            old_avatar = profile.avatar
            profile.display_name, profile.bio = display_name, bio
            if theme is not None:
                profile.theme = theme
            if language is not None:
                profile.language = language
            profile.version += 1
            if new_avatar is not None:
                profile.avatar = new_avatar
            elif remove_avatar:
                profile.avatar = ""
            profile.save()
    except BaseException:
        if new_avatar is not None:
            default_storage.delete(new_avatar)
        raise
    if old_avatar and old_avatar != profile.avatar:
        default_storage.delete(old_avatar)
    user.profile = profile
    signals.person_changed.send(sender=type(user), person=user)
    return profile
