"""Banning: deactivation and every message of the person deleted live;
and, only where the administrator chooses, no new sign-ups or sign-ins
from the addresses the person signed in from.

An address is often shared (an office, a home behind one router, a mobile
carrier), so the administrator sees how many other accounts used it
recently before barring it. Addresses are as the proxies in front vouch
for them (site_config/proxies.py): a ban never covers one that was only
claimed.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import audit, signals
from .models import BannedAddress, SignInAddress


def remember_address(user, client_address):
    SignInAddress.objects.update_or_create(user=user, client_address=client_address)


def is_banned(client_address):
    return BannedAddress.objects.filter(client_address=client_address).exists()


# How far back "recently" looks, for the addresses a ban may bar.
RECENT = timedelta(days=30)


def addresses_of(person):
    """Return the addresses person signed in from, newest first, each with
    how many other accounts signed in from it within RECENT."""
    since = timezone.now() - RECENT
    used = SignInAddress.objects.filter(user=person).order_by("-last_seen")
    others = dict(
        SignInAddress.objects.filter(
            client_address__in=used.values("client_address"), last_seen__gte=since
        )
        .exclude(user=person)
        .values_list("client_address")
        .annotate(count=Count("user", distinct=True))
    )
    return [
        (address, others.get(address, 0))
        for address in used.values_list("client_address", flat=True)
    ]


def ban(person, by, addresses=()):
    """Ban person, and bar those of their addresses given; return how many
    of their messages were deleted. All of it or nothing: one transaction,
    the record of it included; the open rooms are told once it commits."""
    with transaction.atomic():
        # Saving is_active closes every open socket of theirs (rooms/signals.py).
        person.is_active = False
        person.save(update_fields=["is_active"])
        theirs = list(
            SignInAddress.objects.filter(
                user=person, client_address__in=addresses
            ).values_list("client_address", flat=True)
        )
        for address in theirs:
            BannedAddress.objects.get_or_create(
                client_address=address, defaults={"person": person}
            )
        answers = signals.person_banned.send(sender=type(person), person=person, by=by)
        deleted = sum(count for _, count in answers)
        barred = f", {len(theirs)} addresses barred" if theirs else ""
        audit.record(
            by, gettext_noop("banned"), person, f"{deleted} messages deleted{barred}"
        )
    return deleted


def lift(person):
    """Let a banned person's addresses in again; return how many."""
    return BannedAddress.objects.filter(person=person).delete()[0]
