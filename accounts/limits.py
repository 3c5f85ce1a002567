"""Limits on what leaves no row to count: changes, hints and open sockets.

Messages, files, sign-ins, join links and new rooms are counted from the
rows they store, so every web process agrees (their forms check them).
What is limited here is counted in each process's memory: with several
processes one person gets at most that many times a limit, still a bound.
The numbers are settings, as the others are. Each limit is on a person,
their sockets or their bots' hooks, so it lives here, where every app may
import it (rooms builds on accounts, never the other way).
"""

import time
from collections import Counter, deque

from django.conf import settings


class TooFast(Exception):
    """One person did something more often than its limit allows."""


class Rate:
    """At most count events per key within the last seconds."""

    # Keys are forgotten once this many pile up, those with no recent event.
    FORGET_AT = 10_000

    def __init__(self, setting):
        self.setting = setting  # read at each check: tests change it
        self.events = {}

    def allows(self, key):
        """Count an event for key and return True, or False past the limit."""
        count, seconds = getattr(settings, self.setting)
        now = time.monotonic()
        recent = self.events.setdefault(key, deque())
        while recent and recent[0] <= now - seconds:
            recent.popleft()
        if len(recent) >= count:
            return False
        recent.append(now)
        if len(self.events) > self.FORGET_AT:
            self.events = {
                k: v for k, v in self.events.items() if v[-1] > now - seconds
            }
        return True

    def check(self, key):
        if not self.allows(key):
            raise TooFast(self.setting)


edits = Rate("EDIT_RATE_LIMIT")
reactions = Rate("REACTION_RATE_LIMIT")
typing = Rate("TYPING_RATE_LIMIT")
avatars = Rate("AVATAR_RATE_LIMIT")
email_confirmations = Rate("EMAIL_CONFIRMATION_RATE_LIMIT")
# Per incoming webhook, not per person: Slack allows one a second, in bursts.
incoming_webhooks = Rate("INCOMING_WEBHOOK_RATE_LIMIT")
own_exports = Rate("OWN_EXPORT_RATE_LIMIT")
RATES = (edits, reactions, typing, avatars, email_confirmations, incoming_webhooks)


class OpenSockets:
    """The sockets open in this process, per session and per address."""

    def __init__(self):
        self.open = Counter()

    def admit(self, scope):
        """Count a socket that opens and return what to give back when it
        closes; None, counting nothing, if its session or address is full."""
        client = scope.get("client")
        keys = [("address", client[0] if client else "")]
        session_key = scope["session"].session_key
        if session_key:
            keys.append(("session", session_key))
        limits = {
            "address": settings.SOCKETS_PER_ADDRESS,
            "session": settings.SOCKETS_PER_SESSION,
        }
        if any(self.open[key] >= limits[key[0]] for key in keys):
            return None
        self.open.update(keys)
        return keys

    def release(self, keys):
        self.open.subtract(keys)
        for key in keys:
            if self.open[key] <= 0:
                del self.open[key]


sockets = OpenSockets()
