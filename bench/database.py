"""The bench's throwaway database: people signed in, as browsers would be."""

from datetime import timedelta

from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django.utils.crypto import get_random_string


def create(people):
    """Migrate, create `people` users each with a session; return the session ids."""
    call_command("migrate", verbosity=0)
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"person{n}") for n in range(people))
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    # What force_login leaves behind, written in one go.
    sessions = [
        Session(
            session_key=get_random_string(32, VALID_KEY_CHARS),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    return [session.session_key for session in sessions]
