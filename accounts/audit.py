"""The record of what administrators did: who, what, to whom, when."""

from .models import AdminAction

# How many of the latest actions the people page shows.
SHOWN = 50


def record(actor, action, subject=None, detail=""):
    AdminAction.objects.create(
        actor=actor, action=action, subject=subject, detail=detail[:200]
    )


def latest():
    return AdminAction.objects.select_related("actor", "subject")[:SHOWN]
