"""Who may read: signed-out visitors read the open rooms only when the chat
says so. An invitation-only chat is for its people by default, and an
administrator chooses either way on the people page."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from websockets.exceptions import ConnectionClosed

from accounts.models import SignUpPolicy
from rooms.models import Attachment

from .conftest import PASSWORD
from .files import picture
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


@pytest.fixture
def posted(general, alice):
    """A message with a picture in #general, as alice posted it."""
    client = Client()
    client.force_login(alice.user)
    upload = SimpleUploadedFile("plan.png", picture(), "image/png")
    client.post(
        "/rooms/general/messages/",
        {"message": "the secret plan", "attachments": [upload]},
    )
    return Attachment.objects.get()


def visitor_pages(attachment):
    return {
        "/": 302,
        "/rooms/general/": 302,
        "/rooms/general/?around=1": 302,
        "/search/?q=secret": 302,
        f"/messages/{attachment.message_id}/history/": 302,
        f"/attachments/{attachment.pk}/": 404,
        "/people/alice/avatar/?v=0": 404,
    }


def test_an_invitation_only_chat_is_for_its_people(posted, settings, alice):
    settings.SIGNUP_MODE = "invitation"
    visitor = Client()
    for path, status in visitor_pages(posted).items():
        response = visitor.get(path)
        assert response.status_code == status, path
        assert b"secret plan" not in response.content, path
        if status == 302:
            assert response["Location"].startswith("/accounts/login/?next="), path
    # Its people read as ever.
    member = Client()
    member.force_login(alice.user)
    assert b"the secret plan" in member.get("/rooms/general/").content
    assert b"the <mark>secret</mark> plan" in member.get("/search/?q=secret").content


def test_an_open_chat_is_readable_until_an_administrator_says_otherwise(posted, alice):
    visitor = Client()
    assert b"the secret plan" in visitor.get("/rooms/general/").content
    admin = User.objects.create_user("ada", password=PASSWORD, is_staff=True)
    administrator = Client()
    administrator.force_login(admin)
    page = administrator.get("/people/").content.decode()
    assert 'value="visitors" id="id_reading_0" required checked' in page
    response = administrator.post("/people/who-may-read/", {"reading": "people"})
    assert response.status_code == 302
    assert SignUpPolicy.current().reading == "people"
    for path, status in visitor_pages(posted).items():
        assert visitor.get(path).status_code == status, path
    # Members may not choose it.
    member = Client()
    member.force_login(alice.user)
    member.post("/people/who-may-read/", {"reading": "visitors"})
    assert SignUpPolicy.current().reading == "people"
    # And the other way: an invitation-only chat opened to visitors.
    administrator.post("/people/who-may-read/", {"reading": "visitors"})
    assert b"the secret plan" in visitor.get("/rooms/general/").content


async def test_a_visitors_socket_is_refused_when_only_people_may_read(
    chat_server, general, alice
):
    await SignUpPolicy.objects.aupdate_or_create(pk=1, defaults={"reading": "people"})
    await sync_to_async(general.post)(alice.user, "not for visitors")
    async with open_tab(chat_server) as ws:
        tab = Tab(ws)
        await tab.expect("sign in to read it")
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 4403
    assert "not for visitors" not in tab.seen
    async with open_tab(chat_server, person=alice) as ws:
        await Tab(ws).expect("not for visitors")
