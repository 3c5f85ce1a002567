"""Search's words, phrases, exclusions and filters read alike on SQLite and
Postgres; the words found are marked in each result's text only."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Profile
from rooms.messages import formatting
from rooms.models import Message, Room
from rooms.templatetags.highlight import highlight
from rooms.web import search

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
    page = re.sub("</?mark>", "", page)  # the words found, marked
    for body in ["plan the release", "release notes, draft", "the release plan"]:
        assert (body in page) == (body in found), (terms, body)


@pytest.fixture
def said(general, alice, bob):
    """Return what was said, by name: in two rooms, by two people, on 1-5 Dec."""
    team = Room.objects.create(name="Launch Team", slug="launch", kind="private")
    team.members.add(alice.user)
    Profile.objects.create(user=bob.user, display_name="Bob Builder")
    said = {
        "old": (general, alice, "release notes, old", 1),
        "bob": (general, bob, "release party tonight", 3),
        "team": (team, alice, "release date for the team", 3),
        "new": (general, alice, "release done", 5),
    }
    for name, (room, person, body, day) in said.items():
        said[name] = room.post(person.user, body)
        sent = datetime(2026, 12, day, 12, tzinfo=UTC)
        Message.objects.filter(pk=said[name].pk).update(created=sent)
    return said


def hits(person, terms):
    """Return the ids of the messages a search finds, in the page's order."""
    client = Client()
    client.force_login(person.user)
    page = client.get("/search/", {"q": terms}).content.decode()
    return [int(pk) for pk in re.findall(r"\?around=(\d+)#message-", page)]


@pytest.mark.parametrize(
    ("terms", "names"),
    [
        ("release in:#general", {"old", "bob", "new"}),
        ("RELEASE in:General", {"old", "bob", "new"}),
        ("release in:#launch", {"team"}),
        ('release in:"launch team"', {"team"}),
        ("release from:@Bob", {"bob"}),
        ("release from:bob", {"bob"}),
        ('release from:"bob builder"', {"bob"}),
        ("release after:2026-12-03", {"new"}),
        ("release before:2026-12-03", {"old"}),
        ("release in:#general from:@alice -old", {"new"}),
    ],
)
def test_filters_narrow_the_words_found(said, alice, terms, names):
    assert set(hits(alice, terms)) == {said[name].pk for name in names}


@pytest.mark.parametrize(
    ("terms", "names"),
    [
        ("from:@alice", ["new", "team", "old"]),
        ("after:2026-12-01 before:2026-12-05", ["team", "bob"]),
        ("in:#launch", ["team"]),
    ],
)
def test_filters_alone_list_the_newest_first(said, alice, terms, names):
    assert hits(alice, terms) == [said[name].pk for name in names]


def test_filters_never_reach_a_room_the_person_may_not_read(said, bob):
    assert hits(bob, "release in:#launch") == []
    assert hits(bob, "from:@alice") == [said["new"].pk, said["old"].pk]


@pytest.mark.parametrize(
    ("query", "words", "filters"),
    [
        ("release in:#general", "release", {"in": ["general"]}),
        ('IN:"Launch Team" plan', "plan", {"in": ["Launch Team"]}),
        ('from:@"Ada Lovelace"', "", {"from": ["Ada Lovelace"]}),
        ('"meet before:noon" -x', '"meet before:noon" -x', {}),
        ("https://x.example/in:y login:z", "https://x.example/in:y login:z", {}),
        ("a before:1 b after:2 c", "a b c", {"before": ["1"], "after": ["2"]}),
    ],
)
def test_a_query_splits_into_words_and_filters(query, words, filters):
    assert search.read(query) == (words, filters)


class Shape(HTMLParser):
    """Collect the tags and attributes but <mark>, and the text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.marks = [], "", []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            self.marks.append(len(self.text))
        else:
            self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag != "mark":
            self.tags.append(f"/{tag}")

    def handle_data(self, data):
        self.text += data


def marked(body, words, mentioned=None):
    html = formatting.render(body, mentioned or {})
    shown, plain = Shape(highlight(html, words)), Shape(html)
    # Marking adds <mark> and nothing else: the same tags, attributes, text.
    assert (shown.tags, shown.text) == (plain.tags, plain.text)
    return str(highlight(html, words))


def test_marks_the_words_in_any_case_and_the_rest_of_a_word_begun():
    html = marked(
        "Running the **Release** plan; release planning",
        ["run", "release", "release plan"],
    )
    assert "<mark>Running</mark>" in html
    assert "<strong><mark>Release</mark></strong> plan" in html
    assert "<mark>release planning</mark>" in html


def test_marks_text_never_a_links_address():
    html = marked(
        "see https://release.example/release and [the release](https://x.example/release)",
        ["release"],
    )
    assert html.count("<mark>") == 3
    assert 'href="https://release.example/release"' in html
    assert 'href="https://x.example/release"' in html


def test_marks_a_mentions_text_not_its_link():
    bob = User(pk=2, username="bob")
    html = marked("@bob ships it", ["bob"], {"bob": bob})
    assert (
        '<a class="mention" data-user="2" href="/dm/bob/">@<mark>bob</mark></a>' in html
    )


def test_marks_stay_text_for_markup_typed_and_entities():
    html = marked(
        '<script>alert("release")</script> fish &amp; chips', ["release", "amp"]
    )
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;<mark>release</mark>&quot;)" in html
    # "&amp;" was typed, so it is text and marked; "&" alone is not "amp".
    assert "&amp;<mark>amp</mark>;" in html
    assert "<mark>" not in marked("fish & chips", ["amp"])
    html = marked("<b>x</b>", ["<b>x</b>"])
    assert "<mark>&lt;b&gt;x&lt;/b&gt;</mark>" in html


def test_marks_inside_code():
    html = marked("run `make release` now\n```\nrelease --dry\n```", ["release"])
    assert "<code>make <mark>release</mark></code>" in html
    assert "<mark>release</mark> --dry" in html


def test_unsafe_text_is_escaped_before_marking():
    assert str(highlight("<b>release</b>", ["release"])) == (
        "&lt;b&gt;<mark>release</mark>&lt;/b&gt;"
    )
    assert str(highlight("<b>x</b>", [])) == "&lt;b&gt;x&lt;/b&gt;"
