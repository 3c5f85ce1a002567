import contextlib
import re
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms.models import (
    Message,
    Room,
)
from rooms.web import search

MAX_ID = 2**63 - 1  # the largest id a database's bigint holds
# An edit or deletion past EDIT_RATE_LIMIT (accounts/limits.py).
TOO_FAST_TO_CHANGE = gettext_lazy(
    "You are changing messages too fast. Wait a few seconds, then try again."
)
TOO_MANY_REACTIONS = gettext_lazy(
    "That message has as many kinds of reaction as it can show: add to one of them."
)
# A day as search's before: and after: take it.
ROOM_EXISTS = gettext_lazy("A room with this name already exists.")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class HistoryForm(forms.Form):
    """Where a room page opens: at the latest, or next to a message id."""

    before = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    after = forms.IntegerField(min_value=0, max_value=MAX_ID, required=False)
    around = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class SearchForm(forms.Form):
    """A search's words and its filters, each filter found or refused.

    Filters narrow within what the person may read: a room they may not
    read is "no room", so its existence never shows.
    """

    q = forms.CharField(max_length=200, required=False, strip=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        words, filters = search.read(self.cleaned_data.get("q", ""))
        self.cleaned_data.update(
            words=words,
            marked=search.marked(words),
            rooms=[self._room(name) for name in filters.get("in", [])],
            people=[self._person(name) for name in filters.get("from", [])],
            after=self._day("after", filters.get("after", [])),
            before=self._day("before", filters.get("before", [])),
        )
        return self.cleaned_data

    def found(self):
        """Return the messages found, best first; for filters alone, newest."""
        data = self.cleaned_data
        messages = Message.objects.readable_by(self.user)
        if data["rooms"]:
            messages = messages.filter(room__in=data["rooms"])
        if data["people"]:
            messages = messages.filter(author__in=data["people"])
        if data["after"]:
            # After a day: from the midnight (UTC) that ends it.
            end = datetime.combine(data["after"], time.max, tzinfo=UTC)
            messages = messages.filter(created__gt=end)
        if data["before"]:
            start = datetime.combine(data["before"], time.min, tzinfo=UTC)
            messages = messages.filter(created__lt=start)
        if data["words"]:
            return messages.search(data["words"])
        return messages.order_by("-pk")

    def _room(self, name):
        if not name:
            self.add_error("q", _("Name a room after in:, as in in:#general."))
            return None
        rooms = Room.objects.visible_to(self.user).order_by("pk")
        found = (
            rooms.filter(slug__iexact=name).first()
            or rooms.filter(name__iexact=name).first()
        )
        if found is None:
            self.add_error(
                "q", _("No room called #%(name)s you can read.") % {"name": name}
            )
        return found

    def _person(self, name):
        if not name:
            self.add_error("q", _("Name someone after from:, as in from:@ada."))
            return None
        people = get_user_model().objects.select_related("profile").order_by("pk")
        found = (
            people.filter(username__iexact=name).first()
            or people.filter(profile__display_name__iexact=name).first()
        )
        if found is None:
            self.add_error("q", _("No one called @%(name)s here.") % {"name": name})
        return found

    def _day(self, key, values):
        if len(values) > 1:
            self.add_error("q", _("Give %(key)s: once.") % {"key": key})
        elif values:
            # fromisoformat alone also takes 20261207 and 2026-W49-1.
            if DAY.fullmatch(values[0]):
                with contextlib.suppress(ValueError):  # 2026-02-30
                    return date.fromisoformat(values[0])
            self.add_error(
                "q",
                _(
                    "“%(key)s:%(typed)s” is not a date: write it as YYYY-MM-DD, "
                    "as in %(key)s:2026-12-07."
                )
                % {"key": key, "typed": values[0]},
            )
        return None


def check_room_name(name, room=None):
    """Return the name's slug; refuse a name with no letter or digit, or one
    that another room has (by name or by slug)."""
    slug = slugify(name)
    if not slug:
        raise forms.ValidationError(_("Use at least one letter or digit in the name."))
    others = Room.objects.exclude(pk=room.pk) if room else Room.objects.all()
    if others.filter(Q(slug=slug) | Q(name__iexact=name)).exists():
        raise forms.ValidationError(ROOM_EXISTS)
    return slug


class MentionForm(forms.Form):
    """The start of a name typed after "@" (no longer than a username)."""

    q = forms.CharField(max_length=150, required=False, strip=True)


class RoomForm(forms.ModelForm):
    private = forms.BooleanField(required=False)

    class Meta:
        model = Room
        fields = ["name"]

    def __init__(self, *args, creator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.created_by = creator

    def clean(self):
        # Counted from stored rooms, so every web process agrees.
        creator = self.instance.created_by
        if creator is not None:
            count, seconds = settings.ROOM_CREATION_LIMIT
            since = timezone.now() - timedelta(seconds=seconds)
            created = Room.objects.filter(created_by=creator, created__gte=since)
            if created.count() >= count:
                raise forms.ValidationError(
                    _(
                        "You have created %(count)d rooms in the last %(minutes)d "
                        "minutes, the most allowed. Try again later."
                    )
                    % {"count": count, "minutes": seconds // 60}
                )
        return super().clean()

    def clean_private(self):
        private = self.cleaned_data["private"]
        self.instance.kind = Room.Kind.PRIVATE if private else Room.Kind.OPEN
        return private

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        self.instance.slug = check_room_name(name)
        return name


class RoomSettingsForm(forms.ModelForm):
    """A room's name and topic. Renamed, it keeps its address: links to it
    and to its messages go on working."""

    class Meta:
        model = Room
        fields = ["name", "topic"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        check_room_name(name, self.instance)
        return name


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)

    def __init__(self, *args, room, **kwargs):
        super().__init__(*args, **kwargs)
        self.room = room

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("Nobody here goes by that name."))
        if self.room.members.filter(pk=user.pk).exists():
            raise forms.ValidationError(
                _("%(name)s is already a member.") % {"name": user.username}
            )
        self.user = user
        return username


class DirectForm(forms.Form):
    """Whom to message: someone's username or display name, as the sidebar
    asks for it."""

    username = forms.CharField(max_length=150)

    def clean_username(self):
        typed = self.cleaned_data["username"].strip().lstrip("@")
        # A username however it is capitalised ("Alice" is alice: sign-up
        # refuses both), else the one person who shows by that name.
        people = get_user_model().objects.filter(is_active=True)
        person = people.filter(username__iexact=typed).first()
        if person is None:
            named = list(people.filter(profile__display_name__iexact=typed)[:2])
            person = named[0] if len(named) == 1 else None
        if person is None:
            raise forms.ValidationError(
                _("Nobody here goes by “%(typed)s”.") % {"typed": typed}
            )
        return person.username
