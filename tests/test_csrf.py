"""Every URL refuses a POST without a CSRF token; a new form cannot slip by.

The URLconf is walked, so a view added later is checked without anyone
remembering to list it here.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve

from rooms.models import Room

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "t" * 32
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def routes(patterns=None, prefix=""):
    """Yield (route, pattern) for every URL pattern, resolvers unfolded."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        else:
            yield route, pattern


@pytest.fixture
def samples():
    """Return a value for each URL parameter; a new one fails until added."""
    alice = get_user_model().objects.create_superuser("alice", password="pw")
    bob = get_user_model().objects.create_user("bob", password="pw")
    room = Room.objects.create(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=alice
    )
    room.members.add(alice, bob)
    message = room.messages.create(author=alice, body="hello")
    return alice, {
        "pk": message.pk,
        "slug": room.slug,
        "user_id": bob.pk,
        "username": bob.username,
        "object_id": bob.pk,
        "id": bob.pk,
        "content_type_id": ContentType.objects.get_for_model(bob).pk,
        "app_label": "auth",
        "url": "no-such-page/",
        "token": "not-a-signed-token",
        "code": "not-a-join-code",
        "secret": "not-a-webhook-secret",
    }


# Posted by mail programs without a cookie or token (RFC 8058's one-click
# unsubscribe): the signed token in the URL is the proof. A wrong one is a
# 404 that changes nothing (tests/test_notify_email.py).
# So are Slack-shaped incoming webhooks, posted by other tools: the secret
# in the URL is the proof, and a wrong one is Slack's 404 "no_service".
NO_TOKEN_BY_DESIGN = {"accounts/notifications/off/<str:token>/", "hooks/<str:secret>/"}
# The bot API reads no cookie, only its Authorization header (a browser
# never sends one on its own): a signed-in browser's POST there is a 401.
NO_COOKIES_BY_DESIGN = {"api/rooms/<slug:slug>/messages/"}


def refused_for_csrf(response):
    return response.status_code == 403 and b"CSRF verification failed" in (
        response.content
    )


def test_every_post_without_a_token_is_refused_and_with_one_accepted(samples):
    alice, values = samples
    accepting_posts = set()
    for route, pattern in routes():

        def value(match, route=route):
            name = match[1] or match[2]
            assert name in values, f"add a sample value for <{name}> in {route}"
            return str(values[name])

        url = "/" + PARAMETER.sub(value, route)
        assert resolve(url).func is pattern.callback, url
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        if route in NO_TOKEN_BY_DESIGN:
            assert client.post(url).status_code == 404
            continue
        if route in NO_COOKIES_BY_DESIGN:
            assert client.post(url).status_code == 401
            continue
        assert refused_for_csrf(client.post(url)), f"{url} took a POST without a token"
        client.cookies["csrftoken"] = TOKEN
        response = client.post(url, {"csrfmiddlewaretoken": TOKEN})
        assert not refused_for_csrf(response), f"{url} refused a POST with a token"
        if response.status_code != 405:
            accepting_posts.add(url)
    # The walk did reach the product's forms.
    assert accepting_posts >= {
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/password/",
        "/accounts/session/",
        "/rooms/new/",
        "/rooms/secret/messages/",
        "/rooms/secret/members/",
        f"/rooms/secret/members/{values['user_id']}/remove/",
        "/admin/login/",
        "/join/not-a-join-code/",
        "/people/join-link/reset/",
        f"/people/{values['username']}/active/",
    }
