"""Pushes and bots' webhook calls: each stored as a Delivery before it is
tried, tried until done, so none is lost to a failure or a crash.

A sweep over stored messages, in every web process, so the message path
never waits for a push service or a bot. A round has two steps:

- Read the messages not yet swept (each marked on its row, under its lock,
  in a short transaction): for each, the one rule of who is told
  (rooms/sweeps/audience.py) gives the browsers to push to and the bots to
  call, stored as Deliveries in the same transaction. A mark, not a cursor
  of ids: on Postgres a lower id can commit after a higher one, and a
  cursor would pass it by; a mark sees each message once, whenever it
  commits.
- Try the Deliveries that are due, with no transaction open: a slow push
  service or bot holds no lock. Each is claimed first (its due time moved
  past the attempt's end), so a process killed mid-attempt leaves it to
  be tried again; one that fails on the network, times out or answers 5xx
  is tried again later (backoff), for up to an hour; a 4xx, or success,
  ends it. At least once, then: a bot tells a repeat by X-Chat-Delivery.

With no push keys and no bot's webhook set a round reads and writes
nothing; messages wait unmarked, and those older than RECENT when one is
set are never sent.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import Bot, PushSubscription
from rooms.live.background import sweep_transaction
from rooms.models import Delivery, Message
from rooms.models.delivery import GIVE_UP_AFTER, backoff
from rooms.sweeps import audience

logger = logging.getLogger(__name__)

BATCH = 200
# A message older than this when first swept is not delivered: a sweep just
# turned on does not send the past.
RECENT = timedelta(minutes=10)


# A claimed delivery is due again after this, in case its process died
# mid-attempt: longer than an attempt takes (push's timeout is 5 s).
ATTEMPT_LEASE = timedelta(seconds=max(settings.WEBHOOK_TIMEOUT_SECONDS, 5) + 5)


class TryAgain(Exception):
    """A delivery failed in a way worth trying again (network, timeout, 5xx)."""


def push_enabled():
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def hooked_bots():
    """Return {user id: bot} of the active bots with a webhook URL."""
    bots = Bot.objects.select_related("user").exclude(webhook_url="")
    return {bot.user_id: bot for bot in bots.filter(user__is_active=True)}


def run_round(kind, send):
    """Sweep new messages, then try this kind's due deliveries with
    send(delivery), which returns when done and raises TryAgain; return
    how many were done."""
    sweep_new_messages()
    done = 0
    for delivery in claim_due(kind):
        done += attempt(delivery, send)
    return done


def sweep_new_messages():
    """Store the deliveries of the messages not yet swept; return how many
    messages were swept."""
    # The reads of who to tell in the round's transaction too: a query that
    # joins two tables can deadlock with a TRUNCATE (a test's flush) or a
    # migration, and only the transaction gives way in time.
    pushing = push_enabled()
    unswept = Message.objects.posted_here().filter(swept=False)
    if not pushing and not Bot.objects.exclude(webhook_url="").exists():
        # Nothing to deliver: no transaction, which on SQLite is the write
        # lock, every second in every process.
        return 0
    if not unswept.exists():
        return 0  # nothing new: no transaction either
    with sweep_transaction():
        bots = hooked_bots()
        messages = list(
            locked_unless_taken(unswept).select_related("room").order_by("pk")[:BATCH]
        )
        if not messages:
            return 0
        since = timezone.now() - RECENT
        news = [m for m in messages if m.deleted is None and m.created >= since]
        Delivery.objects.bulk_create(
            deliveries_of(news, audience.told_of(news), pushing, bots)
        )
        Message.objects.filter(pk__in=[m.pk for m in messages]).update(swept=True)
    return len(messages)


def tell_newly_mentioned(message, people):
    """Store the deliveries an edit's new mentions call for, if the sweep
    is past the message (else it will see them itself)."""
    if not people or not Message.objects.filter(pk=message.pk, swept=True).exists():
        return
    pushing, bots = push_enabled(), hooked_bots()
    told = audience.told_of([message], only=people)
    Delivery.objects.bulk_create(deliveries_of([message], told, pushing, bots))


def deliveries_of(messages, told, pushing, bots):
    """Return the unsaved Deliveries of these messages to these people."""
    browsers = {}
    if pushing:
        everyone = set().union(*told.values()) - bots.keys()
        for subscription in PushSubscription.objects.filter(user__in=everyone).order_by(
            "pk"
        ):
            browsers.setdefault(subscription.user_id, []).append(subscription)
    made = []
    for message in messages:
        for user_id in sorted(told[message.pk]):
            if user_id in bots:
                made.append(
                    Delivery(
                        kind=Delivery.Kind.WEBHOOK, message=message, user_id=user_id
                    )
                )
            for subscription in browsers.get(user_id, []):
                made.append(
                    Delivery(
                        kind=Delivery.Kind.PUSH,
                        message=message,
                        user_id=user_id,
                        subscription=subscription,
                    )
                )
    return made


def locked_unless_taken(queryset):
    """The rows, locked for this transaction, but those another process's
    round (or an edit) holds; SQLite, one writer at a time, just takes them."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def claim_due(kind):
    """Return this kind's due deliveries, each claimed for an attempt: due
    again after it, should this process die during it."""
    now = timezone.now()
    if not Delivery.objects.filter(kind=kind, due__lte=now).exists():
        return []  # and no transaction, as above
    with sweep_transaction():
        due = Delivery.objects.filter(kind=kind, due__lte=now).select_related(
            "message__room",
            "message__author__profile",
            "user__profile",
            "subscription",
        )
        claimed = list(locked_unless_taken(due).order_by("due", "pk")[:BATCH])
        if claimed:
            Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
                attempts=F("attempts") + 1,
                due=now + ATTEMPT_LEASE,
            )
    for delivery in claimed:
        delivery.attempts += 1
    return claimed


def attempt(delivery, send):
    """Try one delivery; return 1 if it was made."""
    try:
        send(delivery)
    except Exception as error:
        if not isinstance(error, TryAgain):
            # Not the round's others, nor forever: tried again for the hour.
            logger.exception("Delivery %s failed", delivery)
        retry_at = timezone.now() + backoff(delivery.attempts)
        if retry_at - delivery.created > GIVE_UP_AFTER:
            delivery.delete()
        else:
            Delivery.objects.filter(pk=delivery.pk).update(due=retry_at)
        return 0
    delivery.delete()
    return 1
