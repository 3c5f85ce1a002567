"""The people's tables: profiles and bots, signing in and joining, bans,
the administrators' log, and how each person is told of what they missed.

Longer than most modules: a dozen small models, none much over 50 lines,
and each read on its own; a module for each would be a dozen small files.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionHandoff(models.Model):
    """A one-time claim on a session created by a sign-in over the socket."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    session_key = models.CharField(max_length=40)
    csrf_fingerprint = models.CharField(max_length=64)
    expires = models.DateTimeField()

    def __str__(self):
        return f"handoff until {self.expires:%H:%M:%S}"


class FailedSignIn(models.Model):
    """A wrong password, counted against the account and the address."""

    username = models.CharField(max_length=150)
    client_address = models.CharField(max_length=45)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["username", "created"], name="failed_sign_in_username"
            ),
            models.Index(
                fields=["client_address", "created"], name="failed_sign_in_address"
            ),
            # The sweep of expired rows, on every failure.
            models.Index(fields=["created"], name="failed_sign_in_created"),
        ]

    def __str__(self):
        return f"{self.username} from {self.client_address} at {self.created:%H:%M:%S}"


class EmailNotifications(models.Model):
    """Whether a person is emailed about mentions and direct messages they
    missed, and how far the emails have gone (rooms/sweeps/notify.py).

    A person without a row gets the emails, if they gave an address.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        related_name="email_notifications",
        on_delete=models.CASCADE,
    )
    enabled = models.BooleanField(default=True)
    # Nothing is listed twice: the newest message an email listed in each
    # room, by room id. Per room, as a room's messages commit in the order
    # of their ids, and across rooms a lower id can commit after a higher.
    listed_in_rooms = models.JSONField(default=dict, blank=True)
    # The newest message listed before that was kept per room.
    listed_up_to = models.BigIntegerField(default=0)
    last_sent = models.DateTimeField(null=True, blank=True)
    # The address its owner confirmed from a link sent to it: emails go to
    # the user's address only while it is this one (accounts/email_address.py).
    confirmed_email = models.EmailField(blank=True)

    def __str__(self):
        return f"{self.user} {'on' if self.enabled else 'off'}"

    def has_listed(self, message):
        listed = self.listed_in_rooms.get(str(message.room_id), 0)
        return message.pk <= max(listed, self.listed_up_to)

    def mark_listed(self, messages):
        for message in messages:
            room = str(message.room_id)
            self.listed_in_rooms[room] = max(
                self.listed_in_rooms.get(room, 0), message.pk
            )


class PushSubscription(models.Model):
    """A browser that accepts Web Push notifications for its person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="push_subscriptions",
        on_delete=models.CASCADE,
    )
    # Where the browser's push service takes messages for it.
    endpoint = models.URLField(max_length=1000, unique=True)
    # The browser's keys: payloads are encrypted for it alone (RFC 8291).
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user}'s browser"

    def as_webpush_target(self):
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


def new_code():
    return secrets.token_urlsafe(32)


def hash_code(code):
    return hashlib.sha256(code.encode()).hexdigest()


class SignUpPolicy(models.Model):
    """Who may create an account, and who may read the open rooms: one row,
    changed by administrators on the people page. Until one chooses,
    SIGNUP_MODE decides both: an invitation-only chat is for its people."""

    class Mode(models.TextChoices):
        OPEN = "open", _("Anyone may sign up")
        INVITATION = "invitation", _("Only people with the join link or an invitation")

    class Reading(models.TextChoices):
        VISITORS = "visitors", _("Anyone, signed in or not")
        PEOPLE = "people", _("Signed-in people only")

    mode = models.CharField(max_length=20, choices=Mode.choices, blank=True)
    reading = models.CharField(max_length=20, choices=Reading.choices, blank=True)
    # The join link's code: shown to administrators to copy, so kept as is.
    join_code = models.CharField(max_length=64, default=new_code)

    def __str__(self):
        return self.effective_mode

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def effective_mode(self):
        return self.mode or settings.SIGNUP_MODE

    @property
    def invitation_only(self):
        return self.effective_mode == self.Mode.INVITATION

    @property
    def effective_reading(self):
        if self.reading:
            return self.reading
        return self.Reading.PEOPLE if self.invitation_only else self.Reading.VISITORS

    @classmethod
    def visitors_may_read(cls):
        """Whether signed-out visitors may read the open rooms (and see the
        people in them: names, avatars, who is here)."""
        # Read, not made: every visitor's page and socket asks.
        policy = cls.objects.filter(pk=1).first() or cls(pk=1)
        return policy.effective_reading == cls.Reading.VISITORS

    def is_join_code(self, code):
        return hmac.compare_digest(self.join_code.encode(), code.encode())


class Invitation(models.Model):
    """A single-use way in, for one person. Only its hash is kept: the link
    is shown once, to the administrator who made it."""

    code_hash = models.CharField(max_length=64, unique=True)
    note = models.CharField("for whom", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"invitation for {self.note or 'anyone'}"

    @classmethod
    def make(cls, created_by, note=""):
        """Return a new invitation and its code (the only time it is known)."""
        code = new_code()
        invitation = cls.objects.create(
            code_hash=hash_code(code), note=note, created_by=created_by
        )
        return invitation, code

    @classmethod
    def unused(cls):
        return cls.objects.filter(used=None)


class AccountClaim(models.Model):
    """A single-use link by which someone takes over an account made for
    them (by a Slack import): they choose its password. Only its hash is
    kept; the link goes to the administrator once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="claim", on_delete=models.CASCADE
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    claimed = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"claim of {self.user}"

    @classmethod
    def make(cls, user):
        """Return a new claim of user's account and its code (known only now)."""
        code = new_code()
        cls.objects.update_or_create(
            user=user, defaults={"code_hash": hash_code(code), "claimed": None}
        )
        return code

    @classmethod
    def unclaimed(cls, code):
        """Return the unclaimed claim with this code, or None."""
        claims = cls.objects.select_related("user").filter(claimed=None)
        return claims.filter(code_hash=hash_code(code), user__is_active=True).first()


class FailedJoin(models.Model):
    """A join link that was not one, counted against the address."""

    client_address = models.CharField(max_length=45)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["client_address", "created"], name="failed_join_address"
            )
        ]

    def __str__(self):
        return f"{self.client_address} at {self.created:%H:%M:%S}"


class AdminAction(models.Model):
    """What an administrator did, for the other administrators to see."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.actor} {self.action} {self.subject or ''} {self.detail}".strip()


class SignInAddress(models.Model):
    """An address a person signed up or signed in from: what a ban bars."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE
    )
    client_address = models.CharField(max_length=45)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client_address"], name="sign_in_address_once"
            )
        ]

    def __str__(self):
        return f"{self.user} from {self.client_address}"


class BannedAddress(models.Model):
    """An address no one may sign up or sign in from: a banned person's."""

    client_address = models.CharField(max_length=45, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.client_address} ({self.person})"


class Bot(models.Model):
    """An account that posts through the API, not a person: no password, no
    sign-in; its key is shown once, only its hash kept. With a webhook URL
    it is told when it is mentioned or sent a direct message."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        related_name="bot",
        on_delete=models.CASCADE,
    )
    key_hash = models.CharField(max_length=64, unique=True)
    webhook_url = models.URLField("webhook URL", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"bot {self.user}"

    def new_key(self):
        """Give the bot a new key (the old one stops working); return it."""
        key = new_code()
        self.key_hash = hash_code(key)
        return key


class Profile(models.Model):
    """How a person shows: a display name (the username stays their handle,
    for @mentions and URLs), an avatar, a short bio. A person without a row
    shows as their username, with their initials for an avatar."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        related_name="profile",
        on_delete=models.CASCADE,
    )
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.TextField(max_length=280, blank=True)
    # A storage path (the attachments' storage); empty: initials.
    avatar = models.CharField(max_length=200, blank=True)
    # Goes up with every change: avatar URLs carry it, so browsers may keep
    # an avatar for good and still see a new one at once.
    version = models.PositiveIntegerField(default=0)

    class Theme(models.TextChoices):
        SYSTEM = "system", _("As the system is set")
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")

    # The page's colours: drawn from the first paint (templates/base.html).
    theme = models.CharField(max_length=6, choices=Theme.choices, default=Theme.SYSTEM)
    # The language the chat speaks to them; empty: their browser's
    # (accounts.languages).
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)

    def __str__(self):
        return self.display_name or self.user.username
