"""A person's email address is used only once its owner confirmed it.

Otherwise anyone could have the chat email another person's messages to
them (a relay for text they choose) to any address they typed. When an
address is given (at sign-up or under Notifications) a link is sent to
it; opening it marks that address confirmed, and the missed-messages
emails (rooms/sweeps/notify.py) go only to a confirmed address. The link is
signed, names the account and the address, and lapses after a few days or
once the address changes.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts import limits

from . import languages
from .models import EmailNotifications

logger = logging.getLogger(__name__)

SALT = "accounts.confirm-email"
LINK_DAYS = 3


def is_confirmed(user):
    notifications = EmailNotifications.objects.filter(user=user.pk).first()
    return (
        bool(user.email)
        and notifications is not None
        and (notifications.confirmed_email == user.email)
    )


def ask_to_confirm(user):
    """Send the confirmation link to the person's address; return whether it
    went. At most EMAIL_CONFIRMATION_RATE_LIMIT links a person."""
    if not (user.email and settings.EMAIL_CONFIGURED):
        return False
    if not limits.email_confirmations.allows(user.pk):
        return False
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=SALT)
    context = {
        "user": user,
        "url": settings.SITE_URL.rstrip("/") + reverse("confirm_email", args=[token]),
        "days": LINK_DAYS,
    }
    # The one asking is the recipient here: their page's language, unless
    # they chose one.
    with translation.override(languages.chosen(user) or translation.get_language()):
        email = EmailMultiAlternatives(
            render_to_string("accounts/confirm_email_subject.txt", context).strip(),
            render_to_string("accounts/confirm_email.txt", context),
            to=[user.email],
        )
    try:
        email.send()
    except Exception:
        logger.exception("The confirmation email to %s could not be sent", user.pk)
        return False
    return True


def confirm(token):
    """Confirm the address a link names; return its user, or None if the
    link is forged, too old, or for an address since changed."""
    try:
        claim = signing.loads(token, salt=SALT, max_age=LINK_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=claim["user"]).first()
    if user is None or not user.email or user.email != claim["email"]:
        return None
    EmailNotifications.objects.update_or_create(
        user=user, defaults={"confirmed_email": user.email}
    )
    return user
