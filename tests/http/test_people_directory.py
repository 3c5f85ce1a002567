"""The people page's directory, for everyone signed in, over plain HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Bot, Profile

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def people(alice_client, bob_client):
    Profile.objects.create(user=bob_client.user, display_name="Bob Dylan")
    Bot.objects.create(user=User.objects.create_user("deploybot"))
    User.objects.create_user("gone", is_active=False)


def listed(page):
    directory = page[page.index('<ul id="people-directory"') :]
    directory = directory[: directory.index("</ul>")]
    return re.findall(r'<li class="person" data-username="([^"]+)"', directory)


def test_everyone_signed_in_sees_the_directory_and_no_tools(alice_client, people):
    response = alice_client.get("/people/")
    assert response.status_code == 200
    page = response.content.decode()
    assert listed(page) == ["alice", "bob", "deploybot"]  # not the deactivated
    assert '<a class="person-profile" href="/people/bob/">Bob Dylan</a>' in page
    assert '<span class="person-username">@bob</span>' in page
    assert 'href="/people/deploybot/">deploybot</a>' in page
    assert 'class="person-profile is-bot"' in page
    assert 'href="/dm/bob/" aria-label="Message Bob Dylan">Message</a>' in page
    assert 'href="/dm/alice/"' not in page  # no conversation with oneself
    assert 'id="people-q" name="q"' in page
    for tool in ("joining", "sign-up-mode", "everyone", "people", "make-bot"):
        assert f'id="{tool}"' not in page
    for action in ("/active/", "/administrator/", "/ban/", "/people/bots/"):
        assert action not in page


def test_the_filter_matches_a_name_or_a_username_without_javascript(
    alice_client, people
):
    assert listed(alice_client.get("/people/", {"q": "DYL"}).content.decode()) == [
        "bob"
    ]
    assert listed(alice_client.get("/people/", {"q": "bot"}).content.decode()) == [
        "deploybot"
    ]
    page = alice_client.get("/people/", {"q": "gone"}).content.decode()
    assert listed(page) == [] and "No one matches" in page
    assert 'value="gone"' in page


def test_administrators_see_the_directory_and_their_tools(alice_client, people):
    alice_client.user.is_staff = alice_client.user.is_superuser = True
    alice_client.user.save()
    page = alice_client.get("/people/").content.decode()
    assert listed(page) == ["alice", "bob", "deploybot"]
    for tool in ("sign-up-mode", "reading", "invite", "people", "make-bot"):
        assert f'id="{tool}"' in page
    assert 'data-person="gone"' in page  # the tools still list everyone
    assert 'href="/people/bob/ban/"' in page


def test_the_tools_stay_closed_to_everyone_else(alice_client, bob_client, client):
    assert client.get("/people/")["Location"].startswith("/accounts/login/")
    assert alice_client.get("/people/bob/ban/").status_code == 403
    assert alice_client.post("/people/bob/ban/").status_code == 403
    assert alice_client.post("/people/bob/active/", {"active": "0"}).status_code == 403
    assert User.objects.get(username="bob").is_active


def test_every_signed_in_page_links_to_the_people(alice_client):
    page = alice_client.get("/rooms/new/").content.decode()
    assert '<a class="account-people" href="/people/">People</a>' in page
