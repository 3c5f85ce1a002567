import math
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts import limits, outbound

from . import bans, names, profiles
from .client_address import of_request
from .models import (
    EmailNotifications,
    FailedSignIn,
    Invitation,
    Profile,
    SignUpPolicy,
)

BANNED = gettext_noop("Signing in from this network is not allowed here.")


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a guesser after too many failures.

    The one rule for the HTTP sign-in page and the socket's inline sign-in:
    SIGN_IN_ATTEMPT_LIMIT failures from one address, on one account or on
    any, within its window. Failures on one account from everywhere only
    slow it down (slowdown_for): someone else's guesses never lock a person
    out. Counted from stored rows, so every web process agrees.
    """

    def __init__(self, request=None, *args, client_address=None, **kwargs):
        super().__init__(request, *args, **kwargs)
        # A socket has no request; it passes the address of its scope.
        self.client_address = client_address or of_request(request)

    def clean(self):
        username = self.cleaned_data.get("username")
        if bans.is_banned(self.client_address):
            raise ValidationError(_(BANNED), code="banned")
        if username is not None and self.too_many_failures():
            _count, seconds = settings.SIGN_IN_ATTEMPT_LIMIT
            raise ValidationError(
                _(
                    "Too many failed sign-ins from this network. Wait "
                    "%(minutes)s minutes, then try again."
                )
                % {"minutes": math.ceil(seconds / 60)},
                code="too_many_attempts",
            )
        try:
            cleaned_data = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                self.record_failure(username)
            raise
        if self.get_user() is not None:  # None: a field was left empty
            bans.remember_address(self.get_user(), self.client_address)
        return cleaned_data

    def too_many_failures(self):
        # Checked before the password, even a right one: otherwise the
        # answer would still tell a guesser when they had it. One count
        # covers both walls: an address's failures on one account are
        # among its failures on all.
        count, seconds = settings.SIGN_IN_ATTEMPT_LIMIT
        from_here = failures_within(seconds).filter(client_address=self.client_address)
        return from_here[:count].count() >= count

    @classmethod
    def slowdown_for(cls, username):
        """Return the seconds an attempt on this account waits before it is tried."""
        count, seconds = settings.SIGN_IN_ACCOUNT_LIMIT
        # As the form will read it, so "alice " or a full-width "ａｌｉｃｅ"
        # is alice's account here too.
        username = cls.base_fields["username"].to_python(username)
        failures = failures_within(seconds).filter(username=username)
        if failures[:count].count() >= count:
            return settings.SIGN_IN_SLOWDOWN_SECONDS
        return 0

    def record_failure(self, username):
        windows = settings.SIGN_IN_ATTEMPT_LIMIT[1], settings.SIGN_IN_ACCOUNT_LIMIT[1]
        expired = timezone.now() - timedelta(seconds=max(windows))
        FailedSignIn.objects.filter(created__lt=expired).delete()
        FailedSignIn.objects.create(
            username=username, client_address=self.client_address
        )


def failures_within(seconds):
    return FailedSignIn.objects.filter(
        created__gte=timezone.now() - timedelta(seconds=seconds)
    )


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin's sign-in page, under the same limit."""


# The first part of the people page's own URLs: nobody can be called these.
RESERVED_USERNAMES = {
    "bots",
    "invitations",
    "who-may-join",
    "who-may-read",
    "join-link",
    "webhooks",
}


def not_reserved(username):
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError(_("That name is taken."), code="reserved")


class SignUpForm(UserCreationForm):
    """Django's sign-up form, with an optional email address for the
    emails about mentions and direct messages someone missed."""

    email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        help_text=gettext_lazy(
            "Optional. Only for emails about mentions and direct "
            "messages you have not seen, once you open the link we send to it; "
            "change it later."
        ),
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_username(self):
        username = super().clean_username()
        if username is None:  # taken, as Django's form already said
            return username
        not_reserved(username)
        names.check_username(username)
        return username


class NotificationsForm(forms.ModelForm):
    """A person's email address, and whether they are emailed what they missed."""

    enabled = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "Email me about mentions and direct messages I have not seen"
        ),
    )

    class Meta:
        model = get_user_model()
        fields = ["email"]
        help_texts = {"email": gettext_lazy("Leave it empty to get no emails.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = EmailNotifications.objects.filter(user=self.instance.pk).first()
        self.fields["enabled"].initial = stored.enabled if stored else True

    def save(self):
        user = super().save()
        EmailNotifications.objects.update_or_create(
            user=user, defaults={"enabled": self.cleaned_data["enabled"]}
        )
        return user


class PeopleFilterForm(forms.Form):
    """The directory's filter: part of a name or a username."""

    q = forms.CharField(max_length=150, required=False, strip=True)


class SignUpModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Who may join"),
        choices=SignUpPolicy.Mode.choices,
        widget=forms.RadioSelect,
    )


class ReadingForm(forms.Form):
    reading = forms.ChoiceField(
        label=gettext_lazy("Who may read the open rooms"),
        choices=SignUpPolicy.Reading.choices,
        widget=forms.RadioSelect,
    )


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["note"]
        labels = {"note": gettext_lazy("for whom")}
        help_texts = {
            "note": gettext_lazy("Optional: a name, to know which invitation is whose.")
        }


def reachable_webhook(url):
    """Refuse a webhook URL the chat would never call (accounts/outbound.py)."""
    if not outbound.may_request(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE):
        raise ValidationError(
            _(
                "The chat calls only https:// addresses on the public internet, "
                "and could never reach this one."
            )
        )


class BotForm(forms.ModelForm):
    """A new bot: its name (the handle people @mention) and, optionally, the
    URL it is told of mentions and direct messages at."""

    webhook_url = forms.URLField(
        label=gettext_lazy("Webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[reachable_webhook],
        help_text=gettext_lazy(
            "Optional: where to POST when someone mentions the bot or "
            "sends it a direct message. Its answer is posted back."
        ),
    )
    avatar = forms.FileField(
        label=gettext_lazy("Picture"),
        required=False,
        help_text=gettext_lazy(
            "Optional; cropped square. Without one, its initials show."
        ),
    )

    class Meta:
        model = get_user_model()
        fields = ["username"]
        labels = {"username": gettext_lazy("Bot name")}
        help_texts = {"username": gettext_lazy("Letters, digits and @/./+/-/_ only.")}

    def clean_username(self):
        username = self.cleaned_data["username"]
        not_reserved(username)
        names.check_username(username)
        return username

    def clean_avatar(self):
        return avatar_from(self.cleaned_data["avatar"])


class WebhookForm(forms.Form):
    webhook_url = BotForm.base_fields["webhook_url"]


class ProfileForm(forms.Form):
    """How a person shows: a name, a picture, a few words."""

    display_name = forms.CharField(
        label=gettext_lazy("Display name"),
        max_length=50,
        required=False,
        help_text=gettext_lazy(
            "Shown on your messages and in the room. People still "
            "@mention you by your username."
        ),
    )
    avatar = forms.FileField(
        label=gettext_lazy("Picture"),
        required=False,
        help_text=gettext_lazy(
            "A photo or picture; it is cropped square. Without one, your initials show."
        ),
    )
    remove_avatar = forms.BooleanField(
        label=gettext_lazy("Remove the picture"), required=False
    )
    bio = forms.CharField(
        label=gettext_lazy("About you"),
        max_length=280,
        required=False,
        widget=forms.Textarea,
    )
    # Not required: a form without it keeps the choice.
    theme = forms.ChoiceField(
        label=gettext_lazy("Colours"), choices=Profile.Theme.choices, required=False
    )
    # Empty: the browser's. Like theme, a form without it keeps the choice.
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        # Each language by its own name, as people look for it.
        choices=[("", gettext_lazy("As the browser asks")), *settings.LANGUAGES],
        required=False,
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_display_name(self):
        name = self.cleaned_data["display_name"]
        if name:
            names.check_display_name(name, self.person)
        return name

    def clean_avatar(self):
        upload = self.cleaned_data["avatar"]
        # Counted before the picture is read: reading is what costs.
        if upload is not None and not limits.avatars.allows(self.person.pk):
            raise ValidationError(
                _(
                    "You changed your picture too often. Wait a few minutes, then "
                    "try again."
                )
            )
        return avatar_from(upload)


def avatar_from(upload):
    """Return an uploaded picture as an avatar's PNG bytes, or None."""
    if upload is None:
        return None
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(_("That picture is too large a file."))
    return profiles.square_avatar(upload)
