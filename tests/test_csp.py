"""The Content Security Policy and the per-viewer stylesheet, over HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model

from rooms.models import Room

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def general():
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    return room


def test_room_page_scripts_carry_the_nonce_the_policy_names(client, general):
    response = client.get("/rooms/general/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_a_page_without_scripts_allows_none(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_viewer_rules_pick_out_the_signed_in_persons_messages(client):
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    anonymous = client.get("/viewer.css?viewer=0")
    assert "data-author" not in anonymous.content.decode()
    client.force_login(alice)
    # The query only keys the cache: the rules follow the session.
    response = client.get("/viewer.css?viewer=0")
    assert response["Content-Type"].startswith("text/css")
    assert f'.message[data-author="{alice.pk}"]' in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    again = client.get(
        "/viewer.css?viewer=0", headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304
