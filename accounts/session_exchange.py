"""Bring the browser's cookie in line after a sign-in over the socket.

channels.auth.login() rotates the session key, but a websocket cannot set a
cookie (django/channels#1453), so the browser still holds the dead key. The
consumer issues a random one-time token, valid for a minute and bound to
the browser's CSRF cookie; the page redeems it over HTTP for the new cookie.
Only a hash of the token is stored, and the token says nothing itself: the
session key never appears in the page.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import SessionHandoff

LIFETIME = timedelta(minutes=1)


def issue(session_key: str, csrf_cookie: str) -> str:
    """Return a token that redeems once for session_key."""
    token = secrets.token_urlsafe(32)
    SessionHandoff.objects.filter(expires__lte=timezone.now()).delete()
    SessionHandoff.objects.create(
        token_hash=_hash(token),
        session_key=session_key,
        csrf_fingerprint=_hash(csrf_cookie),
        expires=timezone.now() + LIFETIME,
    )
    return token


def redeem(token: str, csrf_cookie: str) -> str | None:
    """Return the session key the token claims, once, or None."""
    handoff = SessionHandoff.objects.filter(
        token_hash=_hash(token), expires__gt=timezone.now()
    ).first()
    if handoff is None or not constant_time_compare(
        handoff.csrf_fingerprint, _hash(csrf_cookie)
    ):
        return None
    deleted, _ = SessionHandoff.objects.filter(pk=handoff.pk).delete()
    return handoff.session_key if deleted else None


def _hash(value):
    return hashlib.sha256(value.encode()).hexdigest()
