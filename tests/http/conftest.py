"""People signed in over plain HTTP: Django test clients, no server."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from rooms.models import Room

from ..conftest import PASSWORD


def client_for(username):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


# These replace the suite's alice and bob (people with a session cookie for
# sockets) in this folder's tests, which only speak HTTP.
@pytest.fixture
def alice(db):
    return client_for("alice")


@pytest.fixture
def bob(db):
    return client_for("bob")


@pytest.fixture
def carol(db):
    return client_for("carol")


# This folder's tests use a plain database, not the suite's transactional
# one (tests/conftest.py), so its room needs its own fixture.
@pytest.fixture
def general(db):
    # The migrations make it; a flushed database has it no longer.
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    return room
