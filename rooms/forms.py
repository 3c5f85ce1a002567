from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from .models import MESSAGE_MAX_LENGTH, Room, count_messages_posted_since

MAX_ID = 2**63 - 1  # the largest id a database's bigint holds
TOO_FAST = "You are sending messages too fast. Wait a few seconds, then send again."


class MessageForm(forms.Form):
    """A message, from the socket or the no-JavaScript form alike."""

    message = forms.CharField(
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": "A message can't be empty."},
    )

    def __init__(self, *args, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.author = author

    def is_blank(self):
        return self.has_error("message", "required")

    def clean_message(self):
        # A form post ends a textarea's lines with CRLF, the socket with LF.
        return self.cleaned_data["message"].replace("\r\n", "\n").replace("\r", "\n")

    def clean(self):
        # Counted from stored messages, so every web process agrees.
        if self.author is not None and "message" in self.cleaned_data:
            count, seconds = settings.MESSAGE_RATE_LIMIT
            since = timezone.now() - timedelta(seconds=seconds)
            if count_messages_posted_since(self.author, since) >= count:
                self.add_error("message", TOO_FAST)


class HistoryForm(forms.Form):
    """Where a room page opens: at the latest, or next to a message id."""

    before = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    after = forms.IntegerField(min_value=0, max_value=MAX_ID, required=False)
    around = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, strip=True)


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
                    f"You have created {count} rooms in the last {seconds // 60} "
                    "minutes, the most allowed. Try again later."
                )
        return super().clean()

    def clean_private(self):
        private = self.cleaned_data["private"]
        self.instance.kind = Room.Kind.PRIVATE if private else Room.Kind.OPEN
        return private

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)
        if not slug:
            raise forms.ValidationError("Use at least one letter or digit in the name.")
        if Room.objects.filter(slug=slug).exists():
            raise forms.ValidationError("A room with this name already exists.")
        self.instance.slug = slug
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
            raise forms.ValidationError("Nobody here goes by that name.")
        if self.room.members.filter(pk=user.pk).exists():
            raise forms.ValidationError(f"{user.username} is already a member.")
        self.user = user
        return username
