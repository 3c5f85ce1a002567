"""Search's words, phrases and exclusions read alike on SQLite and Postgres."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("terms", "found"),
    [
        ("release", ["the release plan", "release notes, draft", "plan the release"]),
        ('"release plan"', ["the release plan"]),
        ("release -draft", ["the release plan", "plan the release"]),
        ('release -"release notes"', ["the release plan", "plan the release"]),
        ("plan release", ["the release plan", "plan the release"]),
    ],
)
def test_phrases_and_exclusions_find_what_they_say(general, alice, terms, found):
    for body in ["plan the release", "release notes, draft", "the release plan"]:
        general.post(alice.user, body)
    general.post(alice.user, "nothing to do with it")
    client = Client()
    client.force_login(alice.user)
    page = client.get("/search/", {"q": terms}).content.decode()
    for body in ["plan the release", "release notes, draft", "the release plan"]:
        assert (body in page) == (body in found), (terms, body)
