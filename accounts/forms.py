import math
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from .client_address import of_request
from .models import FailedSignIn


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing after too many failures.

    The one rule for the HTTP sign-in page and the socket's inline sign-in:
    SIGN_IN_ATTEMPT_LIMIT failures per account, or from one address, within
    its window. Counted from stored rows, so every web process agrees.
    """

    def __init__(self, request=None, *args, client_address=None, **kwargs):
        super().__init__(request, *args, **kwargs)
        # A socket has no request; it passes the address of its scope.
        self.client_address = client_address or of_request(request)

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and self.too_many_failures(username):
            _, seconds = settings.SIGN_IN_ATTEMPT_LIMIT
            raise ValidationError(
                "Too many failed sign-ins for this account or from this "
                f"network. Wait {math.ceil(seconds / 60)} minutes, then try again.",
                code="too_many_attempts",
            )
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                self.record_failure(username)
            raise

    def too_many_failures(self, username):
        # Checked before the password, even a right one: otherwise the
        # answer would still tell a guesser when they had it.
        count, seconds = settings.SIGN_IN_ATTEMPT_LIMIT
        recent = FailedSignIn.objects.filter(
            created__gte=timezone.now() - timedelta(seconds=seconds)
        )
        return (
            recent.filter(username=username)[:count].count() >= count
            or recent.filter(client_address=self.client_address)[:count].count()
            >= count
        )

    def record_failure(self, username):
        _, seconds = settings.SIGN_IN_ATTEMPT_LIMIT
        expired = timezone.now() - timedelta(seconds=seconds)
        FailedSignIn.objects.filter(created__lt=expired).delete()
        FailedSignIn.objects.create(
            username=username, client_address=self.client_address
        )


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin's sign-in page, under the same limit."""
