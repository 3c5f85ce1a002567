"""The switcher's answers (rooms/web/switcher.py): only what the asker may see."""

import pytest
from django.test import Client

from rooms.models import Membership, Room

from .conftest import sign_up

pytestmark = pytest.mark.django_db


def links(client, typed):
    response = client.get("/switcher/", {"switcher-query": typed})
    assert response.status_code == 200
    return response.content.decode()


def test_rooms_conversations_and_people_as_typed_never_anothers_private_room(
    general, settings
):
    alice, bob = sign_up("alice"), sign_up("bob")
    sign_up("dora")
    Room.objects.create(name="design", slug="design")
    secret = Room.objects.create(name="design-secret", slug="secret", kind="private")
    Membership.objects.create(room=secret, user=bob.user)
    Room.objects.direct_for([alice.user, bob.user])
    client = Client()
    client.cookies["sessionid"] = alice.session_id
    found = links(client, "DES")
    assert 'href="/rooms/design/"' in found
    assert "secret" not in found
    assert 'data-status="1 found"' in found
    assert 'href="/dm/dora/"' in links(client, "dor")
    assert "Conversation" in links(client, "bob")
    assert "Nothing matches “zzz”" in links(client, "zzz")
    # A visitor, where visitors may read: the open rooms, nobody's names.
    visitor = links(Client(), "")
    assert 'href="/rooms/general/"' in visitor
    assert "/dm/" not in visitor
