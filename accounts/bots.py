"""Bots: accounts for integrations, made by administrators, that post and
read through the API with a key (rooms/web/api.py) and may be told of
mentions and direct messages through a webhook (rooms/sweeps/webhooks.py)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_noop

from . import audit
from .models import Bot, hash_code

BEARER = "Bearer "


def create(username, webhook_url, by):
    """Make a bot; return it and its key (the only time the key is known)."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username)  # no password
        bot = Bot(user=user, webhook_url=webhook_url, created_by=by)
        key = bot.new_key()
        bot.save()
        audit.record(by, gettext_noop("made the bot"), user)
    return bot, key


def reset_key(bot, by):
    key = bot.new_key()
    bot.save(update_fields=["key_hash"])
    audit.record(by, gettext_noop("reset the key of"), bot.user)
    return key


def from_authorization(header):
    """Return the active bot's user whose key the Authorization header
    carries, or None. Keys are looked up by their hash: nothing about a
    wrong key's closeness shows in the time taken."""
    if not header.startswith(BEARER):
        return None
    key = header.removeprefix(BEARER).strip()
    bot = (
        Bot.objects.select_related("user")
        .filter(key_hash=hash_code(key), user__is_active=True)
        .first()
    )
    return bot.user if bot else None
