"""Threads over HTTP: replying (also without JavaScript), what the room's
log, the sidebar, search and the API show of replies, and who follows."""

import json
import re

import pytest

from accounts import bots
from rooms.models import Message, Room, ThreadFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(general, alice_client):
    return general.post(alice_client.user, "Who has the **keys**?")


def thread_url(message):
    return f"/rooms/general/threads/{message.pk}/"


def log_ids(client):
    page = client.get("/rooms/general/").content.decode()
    log = page.split('id="messages"')[1].split('id="thread"')[0]
    return [int(pk) for pk in re.findall(r'<article id="message-(\d+)"', log)]


def test_a_reply_without_javascript_lives_in_its_thread_not_the_log(
    alice_client, bob_client, general, question
):
    response = bob_client.post(thread_url(question), {"message": "I do"})
    reply = Message.objects.get(thread=question)
    assert response.status_code == 302
    assert response["Location"] == f"{thread_url(question)}#reply-{reply.pk}"
    assert not reply.in_room
    assert log_ids(alice_client) == [question.pk]

    page = bob_client.get(thread_url(question)).content.decode()
    assert 'id="thread-messages"' in page and 'role="log"' in page
    assert f'<article id="reply-{reply.pk}" class="message' in page
    for field in ('name="message"', 'name="attachments" type="file"'):
        assert field in page
    assert 'name="also_send_to_room"' in page
    question.refresh_from_db()
    assert question.reply_count == 1 and question.last_reply == reply.created
    summary = page.split(f'id="thread-summary-{question.pk}"')[1].split("</footer>")[0]
    assert re.search(r'class="reply-count">1<', summary)


def test_also_sent_to_the_room_it_shows_in_both(
    alice_client, bob_client, general, question
):
    bob_client.post(
        thread_url(question), {"message": "Found them", "also_send_to_room": "on"}
    )
    reply = Message.objects.get(thread=question)
    assert reply.in_room
    assert log_ids(alice_client) == [question.pk, reply.pk]
    page = alice_client.get(thread_url(question)).content.decode()
    assert f'id="reply-{reply.pk}"' in page


def test_a_reply_to_a_reply_goes_to_its_thread_and_refusals_say_why(
    alice_client, bob_client, general, question
):
    first = general.post(bob_client.user, "I do", thread=question)
    assert (
        bob_client.get(thread_url(first))["Location"]
        == f"{thread_url(question)}#reply-{first.pk}"
    )
    refused = bob_client.post(thread_url(question), {"message": "x" * 5001})
    assert refused.status_code == 400
    assert "at most 5000 characters" in refused.content.decode()
    # Over htmx, the answer is the reply box alone, emptied or with its error.
    emptied = bob_client.post(
        thread_url(question), {"message": "ok"}, headers={"HX-Request": "true"}
    )
    assert emptied.status_code == 200
    assert emptied.content.decode().lstrip().startswith('<form id="thread-composer"')
    assert Message.objects.filter(thread=question).count() == 2
    assert alice_client.get("/rooms/general/threads/999999/").status_code == 404


def test_starter_repliers_and_the_mentioned_follow_unread_first(
    alice_client, bob_client, carol_client, general, question
):
    general.post(bob_client.user, "Ask @carol", thread=question)
    followers = set(
        ThreadFollow.objects.filter(thread=question).values_list(
            "user__username", flat=True
        )
    )
    assert followers == {"alice", "bob", "carol"}
    other = general.post(carol_client.user, "Lunch?")
    general.post(alice_client.user, "Yes", thread=other)

    # alice: the keys thread has bob's reply unread; her own lunch reply is read.
    page = alice_client.get("/threads/").content.decode()
    listed = re.findall(
        r'<li class="followed-thread( has-unread)?">\s*<a class="followed-thread-link" href="([^"]+)"',
        page,
    )
    assert listed == [(" has-unread", thread_url(question)), ("", thread_url(other))]
    assert (
        'class="threads-link"><a href="/threads/">Threads <span class="unread-count">1'
        in alice_client.get("/").content.decode()
    )
    alice_client.get(thread_url(question))  # read now
    assert "has-unread" not in alice_client.get("/threads/").content.decode()


def test_a_reply_only_in_its_thread_leaves_the_room_read(
    alice_client, bob_client, general, question
):
    alice_client.get("/rooms/general/")
    general.post(bob_client.user, "in the thread", thread=question)
    lobby = alice_client.get("/").content.decode()
    assert not re.search(r'data-room="general" class="[^"]*has-unread', lobby)
    general.post(bob_client.user, "in the room")
    lobby = alice_client.get("/").content.decode()
    assert re.search(r'data-room="general" class="[^"]*has-unread', lobby)


def test_search_finds_a_reply_and_opens_its_thread_at_it(
    alice_client, bob_client, general, question
):
    reply = general.post(bob_client.user, "the spare keys are blue", thread=question)
    page = alice_client.get("/search/", {"q": "spare"}).content.decode()
    assert f'href="{thread_url(question)}#reply-{reply.pk}"' in page
    assert "in a thread" in page


def test_the_api_replies_in_a_thread_and_lists_it(
    alice_client, general, question, client
):
    bot, key = bots.create("helper", "", by=alice_client.user)
    auth = {"Authorization": f"Bearer {key}"}
    url = "/api/rooms/general/messages/"
    posted = client.post(
        url,
        json.dumps({"message": "on it", "thread": question.pk}),
        content_type="application/json",
        headers=auth,
    )
    assert posted.status_code == 201, posted.content
    body = posted.json()
    assert body["thread"] == question.pk and body["also_in_room"] is False
    also = client.post(
        url,
        {"message": "done", "thread": str(question.pk), "also_send_to_room": "on"},
        headers=auth,
    )
    assert also.json()["also_in_room"] is True

    room = client.get(url, headers=auth).json()["messages"]
    assert [m["body"] for m in room] == ["Who has the **keys**?", "done"]
    assert room[0]["reply_count"] == 2 and room[0]["thread"] is None
    thread = client.get(url, {"thread": question.pk}, headers=auth).json()["messages"]
    assert [m["body"] for m in thread] == ["on it", "done"]
    # A reply's id means its thread; the reply is sent out live like any.
    first_reply = Message.objects.filter(thread=question).first()
    again = client.post(
        url, {"message": "and again", "thread": str(first_reply.pk)}, headers=auth
    )
    assert again.status_code == 201 and again.json()["thread"] == question.pk
    bad = client.post(
        url,
        json.dumps({"message": "x", "thread": 999999}),
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 400 and "thread" in bad.json()["error"]


def test_the_rooms_socket_starts_after_its_newest_reply(
    alice_client, bob_client, general, question
):
    """Else a socket would be sent every thread-only reply on each connect,
    and past 500 of them the latest page again at every heartbeat."""
    reply = general.post(bob_client.user, "in the thread", thread=question)
    page = alice_client.get("/rooms/general/").content.decode()
    assert f"/ws/rooms/general/?after={reply.pk}&amp;" in page
    page = alice_client.get(thread_url(question)).content.decode()
    assert f"/ws/rooms/general/?after={reply.pk}&amp;" in page


def test_a_thread_in_a_room_left_is_neither_listed_nor_counted(
    alice_client, bob_client
):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.members.add(alice_client.user, bob_client.user)
    started = secret.post(alice_client.user, "private question")
    secret.post(bob_client.user, "private answer", thread=started)
    assert "private question" in alice_client.get("/threads/").content.decode()
    secret.members.remove(alice_client.user)
    assert "private question" not in alice_client.get("/threads/").content.decode()
    assert (
        'class="threads-link"><a href="/threads/">Threads</a>'
        in alice_client.get("/").content.decode()
    )
