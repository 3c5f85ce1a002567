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
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import get_random_string

from .bare import BODY_MARK, ID_MARK


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


def message_shape():
    """Return the HTML the chat broadcasts for a message, its id and body marked.

    The baselines send these bytes, so all three servers compress the same.
    Never stored: a stored id would move the database's next one.
    """
    from rooms.models import Message, Room

    message = Message(
        pk=int(ID_MARK),
        room=Room(slug="shape", name="shape"),
        author=get_user_model()(pk=1, username="person0"),
        body=BODY_MARK,
        created=timezone.now(),
    )
    return render_to_string("rooms/room.html#message-posted", {"messages": [message]})
