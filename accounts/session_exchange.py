"""Bring the browser's cookie in line after a sign-in over the socket.

channels.auth.login() rotates the session key, but a websocket cannot set a
cookie (django/channels#1453), so the browser still holds the dead key. The
consumer issues a one-time token, signed, valid for a minute and bound to
the browser's CSRF cookie; the page redeems it over HTTP for the new cookie.
"""

import hashlib
import secrets

from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.utils.crypto import constant_time_compare

SALT = "accounts.session_exchange"
MAX_AGE_SECONDS = 60
NONCE_KEY = "_session_exchange_nonce"


def issue(session: SessionBase, csrf_cookie: str) -> str:
    """Return a token for the saved session; call before session.save()."""
    nonce = secrets.token_urlsafe(16)
    session[NONCE_KEY] = nonce
    payload = {"nonce": nonce, "csrf": _fingerprint(csrf_cookie)}
    return signing.dumps({**payload, "key": session.session_key}, salt=SALT)


def redeem(token: str, csrf_cookie: str, session_store) -> SessionBase | None:
    """Return the session the token names, once, or None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not constant_time_compare(data["csrf"], _fingerprint(csrf_cookie)):
        return None
    session = session_store(session_key=data["key"])
    if not constant_time_compare(session.get(NONCE_KEY, ""), data["nonce"]):
        return None
    del session[NONCE_KEY]
    return session


def _fingerprint(csrf_cookie):
    return hashlib.sha256(csrf_cookie.encode()).hexdigest()
