"""Emails about mentions, direct messages and replies in followed threads
that a person has not seen.

A sweep over the database, in every web process, every
NOTIFY_SWEEP_SECONDS: what is due is read from stored messages and read
marks, so a restart between a mention and its email loses nothing, and
the message path never waits for it. A message is due once it is
NOTIFY_EMAIL_AFTER old and still unread; each person gets at most one
email per NOTIFY_EMAIL_AFTER, listing everything unread, and nothing twice
(EmailNotifications.listed_in_rooms: per room, where ids commit in order,
so a message that commits after a higher id is not passed by). Processes
side by side skip a person another process is emailing (the row's lock).

The email is claimed (listed_in_rooms and last_sent moved, under that lock,
in a short transaction) and then sent with no transaction open, as pushes
and bots' webhooks are: a slow mail server holds no lock (on SQLite, the
one every writer waits for). An email the mail server refuses is given
back to the next round; one lost with a process killed mid-send is not.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts import languages
from accounts.models import EmailNotifications
from rooms.live.background import Sweep, first_unless_locked, sweep_transaction
from rooms.models import Message, Room
from rooms.sweeps import audience

logger = logging.getLogger(__name__)

# Messages older than the wait by more than this are left alone: a process
# that was down for a day does not send a day of news.
LOOKBACK = timedelta(days=1)
UNSUBSCRIBE_SALT = "notify.unsubscribe"


def enabled():
    return settings.NOTIFY_EMAIL_AFTER is not None


def wait_minutes():
    if not enabled():
        return None
    return round(settings.NOTIFY_EMAIL_AFTER.total_seconds() / 60)


def send_due_emails(now=None):
    """Email everyone with something due; return how many emails went out."""
    now = now or timezone.now()
    sent = 0
    with sweep_transaction():
        due = due_by_person(now)
    for user_id, message_ids in due.items():
        sent += _email_one(user_id, message_ids, now)
    return sent


def due_by_person(now):
    """Return {user id: message ids} of the messages the one rule tells
    people of (rooms/sweeps/audience.py), not deleted, not yet emailed,
    of everyone with an address to email for whom one of them has waited
    long enough."""
    wait = settings.NOTIFY_EMAIL_AFTER
    recent = list(
        Message.objects.posted_here()
        .filter(created__gt=now - wait - LOOKBACK, deleted=None)
        .filter(
            Q(mentions__isnull=False)
            | Q(room__kind=Room.Kind.DIRECT)
            | Q(thread__isnull=False)
        )
        .distinct()
        .select_related("room")
    )
    told = audience.told_of(recent)
    people = set().union(*told.values())
    if not people:
        return {}
    listed = {
        notifications.user_id: notifications
        for notifications in EmailNotifications.objects.filter(user__in=people)
    }
    # Only to an address its owner confirmed (accounts/email_address.py).
    reachable = set(
        get_user_model()
        .objects.filter(
            pk__in=people,
            email=F("email_notifications__confirmed_email"),
            email_notifications__enabled=True,
        )
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    pending = defaultdict(list)
    for message in recent:
        for user_id in told[message.pk] & reachable:
            notifications = listed.get(user_id)
            if notifications is None or not notifications.has_listed(message):
                pending[user_id].append(message)
    # Someone is due once their oldest is; the email then lists the rest
    # too, so a burst makes one email, not one per sweep.
    return {
        user_id: [m.pk for m in messages]
        for user_id, messages in pending.items()
        if min(m.created for m in messages) <= now - wait
    }


def _email_one(user_id, message_ids, now):
    claimed = _claim_email(user_id, message_ids, now)
    if claimed is None:
        return 0
    user, messages, before = claimed
    try:
        missed_email(user, messages).send()
    except Exception:
        # Not sent: the next round tries again, unless a round since moved on;
        # the round's other emails go on.
        logger.exception("The email to %s was not sent", user_id)
        EmailNotifications.objects.filter(pk=user_id, last_sent=now).update(**before)
        return 0
    return 1


def _claim_email(user_id, message_ids, now):
    """Mark this person's email as sent; return (user, its messages, the
    fields as they were before), or None if there is nothing to send now."""
    user = get_user_model().objects.select_related("profile").get(pk=user_id)
    with sweep_transaction():
        EmailNotifications.objects.get_or_create(user=user)
        notifications = first_unless_locked(
            EmailNotifications.objects.filter(pk=user_id)
        )
        if notifications is None:
            return None  # another process is emailing this person
        if notifications.last_sent and notifications.last_sent > now - (
            settings.NOTIFY_EMAIL_AFTER
        ):
            return None  # one email per window; these wait for the next
        messages = [
            message
            for message in Message.objects.readable_by(user)
            .filter(pk__in=message_ids)
            .select_related("room", "author__profile")
            .order_by("pk")
            if not notifications.has_listed(message)
        ]
        if not messages:
            return None
        before = {
            "listed_in_rooms": dict(notifications.listed_in_rooms),
            "last_sent": notifications.last_sent,
        }
        notifications.mark_listed(messages)
        notifications.last_sent = now
        notifications.save(update_fields=["listed_in_rooms", "last_sent"])
    return user, messages, before


def missed_email(user, messages):
    """The email to user listing messages, in user's language."""
    with translation.override(languages.of_recipient(user)):
        return _missed_email(user, messages)


def _missed_email(user, messages):
    token = signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)
    unsubscribe = absolute(reverse("notifications_off", args=[token]))
    context = {
        "user": user,
        "missed": [(m, absolute(m.get_absolute_url())) for m in messages],
        "settings_url": absolute(reverse("notifications")),
        "unsubscribe_url": unsubscribe,
    }
    subject = render_to_string("notify/missed_subject.txt", context).strip()
    email = EmailMultiAlternatives(
        subject,
        render_to_string("notify/missed.txt", context),
        to=[user.email],
        headers={
            # One click in the mail program turns these off (RFC 8058).
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(
        render_to_string("notify/missed.html", context), "text/html"
    )
    return email


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def person_to_unsubscribe(token):
    """Return the user id an unsubscribe link names, or None if forged."""
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


# Started by site_config/lifespan.py when email is configured.
sweep = Sweep(send_due_emails, settings.NOTIFY_SWEEP_SECONDS)
