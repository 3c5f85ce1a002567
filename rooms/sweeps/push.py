"""Web Push notifications of mentions, direct messages and replies in
followed threads.

Each push is a Delivery (rooms/sweeps/deliveries.py): stored by the sweep
for each browser of each person the one rule tells (rooms/sweeps/audience.py),
then sent every PUSH_SWEEP_SECONDS with no transaction open, and sent again
while the push service fails or is down, for up to an hour. Not to someone
who has read it, or has a tab open in the room, by the time it is sent.

What a push says: who, where, and why this person is told ("mentioned
you"), never the message's text. A notification shows on a locked screen
and in the system's list, where others see it, and the push service keeps
it (encrypted) until the browser is back; the text is one tap away, behind
the sign-in.
"""

import json
import logging
import urllib.parse

import requests
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush

from accounts import languages, outbound
from accounts.profiles import display_name
from rooms.live.background import Sweep
from rooms.models import Delivery, Presence, ReadMark
from rooms.sweeps import deliveries

logger = logging.getLogger(__name__)

GONE = (404, 410)  # the push service forgot the browser: forget it too


def enabled():
    return deliveries.push_enabled()


def push_new_messages():
    """Store the pushes of new messages, then send those due; return how
    many were sent."""
    return deliveries.run_round(Delivery.Kind.PUSH, push)


def push(delivery):
    """Send one Delivery's push, unless its person saw the message meanwhile;
    TryAgain if the push service may take it later."""
    message = delivery.message
    if message.deleted or not delivery.user.is_active:
        return  # deleted, or its person banned, since it was stored
    if seen(delivery.user_id, message):
        return
    subscription = delivery.subscription
    send(subscription, payload_of(message, delivery.user))


def seen(user_id, message):
    """Whether this person has read the message, or has the room open."""
    read = ReadMark.objects.filter(
        user=user_id, room=message.room_id, last_read_id__gte=message.pk
    )
    watching = Presence.objects.live().filter(
        user=user_id, room=message.room_id, closed=False
    )
    return read.exists() or watching.exists()


def payload_of(message, user):
    """What the push to user says of message, in user's language."""
    room = message.room
    names = {"name": display_name(message.author), "room": room.name}
    with translation.override(languages.of_recipient(user)):
        if room.is_direct:
            title = _("%(name)s (direct message)") % names
        else:
            title = _("%(name)s in #%(room)s") % names
        if message.mentions.filter(pk=user.pk).exists():
            body = _("%(name)s mentioned you") % names
        elif message.thread_id is not None:
            body = _("%(name)s replied in a thread you follow") % names
        else:
            body = _("%(name)s sent you a message") % names
    return {
        "title": title,
        "body": body,
        "url": message.get_absolute_url(),
        "tag": f"room-{room.pk}",
    }


def send(subscription, payload):
    """Send one encrypted push; TryAgain if the push service failed or was
    out of reach (a 5xx, a timeout, a failed lookup).

    A subscription is anyone's input: whatever it does wrong costs its own
    push only, never the round's others; it is forgotten only when the push
    service says the browser is gone, or it can never be pushed to.
    """
    allow_private = settings.PUSH_ALLOW_PRIVATE
    if not outbound.may_request(subscription.endpoint, allow_private=allow_private):
        # Not public, or a name that did not resolve just now: a lookup that
        # fails once is no reason to forget a browser.
        logger.warning("A push to %s is not sent: not public", subscription.user_id)
        raise deliveries.TryAgain
    try:
        webpush(
            subscription.as_webpush_target(),
            json.dumps(payload),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=3600,
            timeout=5,
            requests_session=outbound.session(allow_private=allow_private),
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE:
            subscription.delete()
        elif status is None or status >= 500 or status == 429:
            logger.warning("A push to %s failed: %s", subscription.user_id, error)
            raise deliveries.TryAgain from error
        else:
            logger.warning("A push to %s was refused: %s", subscription.user_id, error)
    except (ValueError, VapidException) as error:
        # Keys that encrypt nothing (the browser's p256dh is not a point on
        # the curve), or a host a push cannot be signed for: this
        # subscription can never be pushed to.
        logger.warning(
            "Dropped a push subscription of %s: %s", subscription.user_id, error
        )
        subscription.delete()
    except requests.RequestException as error:
        # A push service down or slow, a name that did not resolve, or an
        # address that is not public: tried again later.
        logger.warning("A push to %s failed: %r", subscription.user_id, error)
        raise deliveries.TryAgain from error


def endpoint_allowed(url):
    """Whether the server may POST to this endpoint: a subscription is
    anyone's input."""
    return outbound.may_request(url, allow_private=settings.PUSH_ALLOW_PRIVATE)


def can_sign_for(url):
    """Whether a push to url can carry this chat's VAPID signature: py_vapid
    refuses some hosts (an IPv6 address, a user name in the URL)."""
    if not enabled():
        return True  # nothing is signed, nor sent
    parts = urllib.parse.urlsplit(url)
    claims = {"sub": settings.VAPID_SUBJECT, "aud": f"{parts.scheme}://{parts.netloc}"}
    try:
        Vapid.from_string(private_key=settings.VAPID_PRIVATE_KEY).sign(claims)
    except VapidException:
        return False
    return True


# Started by site_config/lifespan.py when VAPID keys are set.
sweep = Sweep(push_new_messages, settings.PUSH_SWEEP_SECONDS)
