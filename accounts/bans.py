"""Banning: deactivation, every message of the person deleted live, and no
new sign-ups or sign-ins from the addresses they signed in from.

Addresses are as client_address reads them (PROXY_COUNT-aware).
"""

from django.db import transaction

from rooms import changes
from rooms.models import Message

from . import audit
from .models import BannedAddress, SignInAddress


def remember_address(user, client_address):
    SignInAddress.objects.update_or_create(user=user, client_address=client_address)


def is_banned(client_address):
    return BannedAddress.objects.filter(client_address=client_address).exists()


def ban(person, by):
    """Ban person; return how many of their messages were deleted."""
    with transaction.atomic():
        # Saving is_active closes every open socket of theirs (rooms/signals.py).
        person.is_active = False
        person.save(update_fields=["is_active"])
        addresses = SignInAddress.objects.filter(user=person).values_list(
            "client_address", flat=True
        )
        for address in addresses:
            BannedAddress.objects.get_or_create(
                client_address=address, defaults={"person": person}
            )
    deleted = 0
    # One at a time through the deletion path: each stored, then shown
    # deleted in every open room.
    for message in list(Message.objects.filter(author=person, deleted=None)):
        changes.delete(message, by)
        deleted += 1
    audit.record(by, "banned", person, f"{deleted} messages deleted")
    return deleted


def lift(person):
    """Let a banned person's addresses in again; return how many."""
    return BannedAddress.objects.filter(person=person).delete()[0]
