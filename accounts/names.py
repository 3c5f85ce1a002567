"""Names that cannot pass for someone else's.

A display name shows on every message, so it must not read as another
person's name or username, nor a bot's: not the same, not the same in
other letters that look alike ("аlice" with a Cyrillic а, "alIce" with a
capital I), and not turned around by a right-to-left override
("\u202eecila" shows as "alice"). A username, the handle people @mention,
is written in one script, and does not look like anyone else's name
either.

Look-alikes come from Unicode's confusables (UTS #39), as the
confusable_homoglyphs package ships them: two names look alike when their
skeletons, each letter replaced by one of the letters it is confused with,
are equal.
"""

import functools
import unicodedata

from confusable_homoglyphs import confusables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _


def check_display_name(name, person):
    """Raise ValidationError unless name is fit to show as person's."""
    refuse_invisible(name)
    refuse_look_alikes(name, person)


def check_username(username):
    """Raise ValidationError unless username is fit for a new account."""
    refuse_invisible(username)
    if confusables.is_mixed_script(username, allowed_aliases=["COMMON"]):
        raise ValidationError(
            _(
                "Write a username in one alphabet: letters that look alike from "
                "two of them could pass for someone else."
            ),
            code="mixed_script",
        )
    refuse_look_alikes(username, None)


def refuse_invisible(name):
    # Format characters (bidirectional overrides, zero-width joiners) and
    # control characters change how a name reads without showing.
    if any(unicodedata.category(c) in ("Cf", "Cc") for c in name):
        raise ValidationError(
            _("A name may not hold invisible or direction-changing characters."),
            code="invisible",
        )


def refuse_look_alikes(name, person):
    """Raise ValidationError if name looks like another account's name."""
    wanted = skeletons(name)
    others = get_user_model().objects.values_list("username", "profile__display_name")
    if person is not None:
        others = others.filter(~Q(pk=person.pk))
    for username, display_name in others.iterator():
        for other in (username, display_name):
            if other and wanted & skeletons(other):
                raise ValidationError(
                    _(
                        "That name is too like %(other)s’s. Choose one people "
                        "can tell apart."
                    )
                    % {"other": display_name or username},
                    code="look_alike",
                )


def skeletons(name):
    """Return name as it looks: as written, in small letters, and with
    its look-alike capitals (an I for an l) made small."""
    decomposed = unicodedata.normalize("NFKD", name)
    # Accents and spaces apart, "Ålice" and "a lice" read as "alice".
    letters = "".join(
        c for c in decomposed if unicodedata.category(c)[0] not in ("M", "Z")
    )
    return {
        look(letters),
        look(letters.casefold()),
        look(look(letters).casefold()),
    }


def look(text):
    return "".join(prototype(c) for c in text)


def prototype(character):
    """Return the one character that stands for all that look like it."""
    return _prototypes().get(character, character)


@functools.cache
def _prototypes():
    # Confusability as the data lists it is not transitive ("I" is listed
    # as "l", "l" as "1"); join every listed pair into groups, and let each
    # group's smallest character stand for it.
    parent = {}

    def root(c):
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for character, homoglyphs in confusables.confusables_data.items():
        for homoglyph in homoglyphs:
            other = homoglyph["c"]
            if len(character) == 1 and len(other) == 1:
                a, b = root(character), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {c: root(c) for c in parent}
