"""Making, finding and revoking incoming webhooks."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from accounts import audit, bots
from accounts.models import hash_code, new_code
from rooms.models import IncomingWebhook


class NotForConversations(ValueError):
    """Direct conversations take no webhooks: they are their two people's."""


def create(room, by=None):
    """Make a webhook for room, posting as a new bot named after the room;
    return it and its secret, the only time the secret is known."""
    if room.is_direct:
        raise NotForConversations("A direct conversation takes no webhooks.")
    with transaction.atomic():
        bot, _ = bots.create(free_username(f"webhook-{room.slug}"), "", by)
        if room.is_private:
            room.members.add(bot.user)
        secret = new_code()
        hook = IncomingWebhook.objects.create(
            room=room, bot=bot.user, secret_hash=hash_code(secret), created_by=by
        )
        audit.record(by, "made an incoming webhook in", bot.user, room.slug)
    return hook, secret


def free_username(wanted):
    """Return wanted, or wanted-2, -3…: the first no one has."""
    taken = get_user_model().objects.filter(username__startswith=wanted)
    names = set(taken.values_list("username", flat=True))
    candidate, n = wanted, 1
    while candidate in names:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def url_of(secret, build_absolute_uri):
    return build_absolute_uri(reverse("incoming_webhook", args=[secret]))


def from_secret(secret):
    """Return the webhook this secret opens, or None. Looked up by the
    secret's hash, as bot keys are: how long it takes says nothing of how
    close a wrong secret came."""
    return (
        IncomingWebhook.objects.select_related("room", "bot__bot")
        .filter(secret_hash=hash_code(secret))
        .first()
    )


def revoke(hook, by=None):
    """Stop the webhook's URL for good, and deactivate its bot (its posts
    stay)."""
    with transaction.atomic():
        hook.delete()
        hook.bot.is_active = False
        hook.bot.save(update_fields=["is_active"])
        audit.record(by, "revoked the incoming webhook", hook.bot, hook.room.slug)
