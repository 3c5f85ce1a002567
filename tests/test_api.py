"""The bot API and bots' webhooks, against a real uvicorn process."""

import hashlib
import hmac
import http.server
import json
import queue
import threading
import time

import pytest
import requests
from asgiref.sync import sync_to_async

from accounts import bots
from bench.servers import free_port
from rooms.models import Message, Room

from .conftest import start_chat_server
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 1.5  # the server's webhook timeout here (7 s by default)


@pytest.fixture(scope="module")
def api_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "api",
        django_db_blocker,
        WEBHOOK_ALLOW_PRIVATE="1",
        WEBHOOK_SWEEP_SECONDS="0.1",
        WEBHOOK_TIMEOUT_SECONDS=str(TIMEOUT),
        DELIVERY_RETRY_SECONDS="0.2",
        # The API keeps the people's limit; this module tests it.
        MESSAGE_RATE_LIMIT="10/10",
    )
    yield server
    server.stop()


@pytest.fixture
def helper(general, alice):
    """A bot, made by alice, and its key."""
    return bots.create("helper", "", by=alice.user)


def messages_url(server, slug="general"):
    return f"{server.url}/api/rooms/{slug}/messages/"


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_a_bot_posts_text_and_json_as_itself(api_server, helper):
    bot, key = helper
    response = requests.post(
        messages_url(api_server),
        data=b"Deploy **done**",
        headers={**bearer(key), "Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    posted = response.json()
    assert posted["author"] == {"username": "helper", "bot": True}
    assert posted["body"] == "Deploy **done**"
    response = requests.post(
        messages_url(api_server), json={"message": "Second"}, headers=bearer(key)
    )
    assert response.status_code == 201
    assert list(
        Message.objects.filter(author=bot.user).values_list("body", flat=True)
    ) == ["Deploy **done**", "Second"]


async def test_what_a_bot_posts_is_broadcast_and_marked_as_a_bot(
    api_server, helper, alice
):
    _, key = helper
    async with open_tab(api_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        response = await sync_to_async(requests.post)(
            messages_url(api_server),
            json={"message": "Build 42 green"},
            headers=bearer(key),
        )
        assert response.status_code == 201
        seen = await tab.expect("Build 42 green")
    assert 'class="message-author is-bot"' in seen


def test_wrong_and_revoked_keys_get_the_same_401(api_server, helper, alice):
    bot, key = helper
    new_key = bots.reset_key(bot, alice.user)
    answers = [
        requests.post(messages_url(api_server), json={"message": "x"}, headers=headers)
        for headers in (
            bearer(key),
            bearer("nonsense"),
            {},
            {"Authorization": "Basic eA=="},
        )
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["error"].startswith("A valid bot key")
    assert answers[0].headers["WWW-Authenticate"].startswith("Bearer")
    ok = requests.post(
        messages_url(api_server), json={"message": "x"}, headers=bearer(new_key)
    )
    assert ok.status_code == 201
    bot.user.is_active = False
    bot.user.save()
    gone = requests.post(
        messages_url(api_server), json={"message": "x"}, headers=bearer(new_key)
    )
    assert gone.status_code == 401


def test_a_bot_posts_only_in_private_rooms_it_was_added_to(api_server, helper, alice):
    bot, key = helper
    secret = Room.objects.create(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=alice.user
    )
    secret.members.add(alice.user)
    refused = requests.post(
        messages_url(api_server, "secret"), json={"message": "hi"}, headers=bearer(key)
    )
    assert refused.status_code == 404
    assert "error" in refused.json()
    assert (
        requests.get(
            messages_url(api_server, "secret"), headers=bearer(key)
        ).status_code
        == 404
    )
    secret.members.add(bot.user)
    allowed = requests.post(
        messages_url(api_server, "secret"), json={"message": "hi"}, headers=bearer(key)
    )
    assert allowed.status_code == 201


def test_a_bot_downloads_the_files_of_rooms_it_may_read(api_server, helper, alice):
    bot, key = helper
    poster, poster_key = bots.create("poster", "", by=alice.user)
    _, stranger_key = bots.create("stranger", "", by=alice.user)
    secret = Room.objects.create(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=alice.user
    )
    secret.members.add(alice.user, bot.user, poster.user)
    plan = b"step one: ship it"
    posted = requests.post(
        messages_url(api_server, "secret"),
        data={"message": "the plan"},
        files={"attachments": ("plan.txt", plan, "text/plain")},
        headers=bearer(poster_key),
    )
    [file] = posted.json()["attachments"]
    download = requests.get(file["url"], headers=bearer(key))
    assert download.status_code == 200 and download.content == plan
    assert requests.get(file["url"], headers=bearer(stranger_key)).status_code == 404
    assert requests.get(file["url"], headers=bearer("wrong")).status_code == 401


def test_bad_bodies_and_too_many_messages_get_json_errors(api_server, helper):
    _, key = helper
    url = messages_url(api_server)
    for data, content_type in [
        ("{not json", "application/json"),
        ('{"message": 5}', "application/json"),
        ("", "text/plain"),
        ("x" * 5001, "text/plain"),
    ]:
        response = requests.post(
            url, data=data, headers={**bearer(key), "Content-Type": content_type}
        )
        assert response.status_code == 400, data
        assert response.json()["error"]
    statuses = [
        requests.post(url, json={"message": f"n{n}"}, headers=bearer(key)).status_code
        for n in range(11)
    ]
    assert statuses == [201] * 10 + [429]
    assert (
        "too fast"
        in requests.post(url, json={"message": "again"}, headers=bearer(key)).json()[
            "error"
        ]
    )
    assert requests.put(url, headers=bearer(key)).status_code == 405


def test_history_is_read_a_page_at_a_time(api_server, helper, alice, general):
    _, key = helper
    Message.objects.bulk_create(
        Message(room=general, author=alice.user, body=f"m{n}") for n in range(60)
    )
    first = requests.get(messages_url(api_server), headers=bearer(key))
    assert first.status_code == 200
    bodies = [m["body"] for m in first.json()["messages"]]
    assert bodies == [f"m{n}" for n in range(10, 60)]  # oldest first
    older = first.links["next"]["url"]
    assert older.startswith(api_server.url + "/api/rooms/general/messages/?before=")
    second = requests.get(older, headers=bearer(key))
    assert [m["body"] for m in second.json()["messages"]] == [
        f"m{n}" for n in range(10)
    ]
    assert "next" not in second.links
    assert second.json()["messages"][0]["author"] == {"username": "alice", "bot": False}
    assert requests.get(older, headers=bearer("wrong")).status_code == 401


class Receiver:
    """A bot's webhook endpoint on loopback: it keeps what it is sent and
    answers after `delay` seconds."""

    def __init__(self, answer="", delay=0.0, content_type="text/plain", failing=0):
        self.calls = queue.Queue()
        self.failing = failing  # calls to answer 500 first
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.put((dict(self.headers), body))
                if receiver.failing:
                    receiver.failing -= 1
                    self.send_error(500)
                    return
                time.sleep(receiver.delay)
                reply = receiver.answer.encode()
                self.send_response(200)
                self.send_header("Content-Type", receiver.content_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.answer, self.delay, self.content_type = answer, delay, content_type
        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def wait_for_message(author, body, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = Message.objects.filter(author=author, body=body).first()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{author} never posted {body!r}")


def test_a_mention_reaches_the_webhook_signed_and_its_answer_is_posted(
    api_server, helper, alice
):
    bot, key = helper
    _, asker_key = bots.create("asker", "", by=alice.user)
    with Receiver(answer="pong") as receiver:
        bot.webhook_url = receiver.url
        bot.save()
        asked = requests.post(
            messages_url(api_server),
            json={"message": "@helper ping?"},
            headers=bearer(asker_key),
        )
        assert asked.status_code == 201
        headers, body = receiver.calls.get(timeout=10)
        answer = wait_for_message(bot.user, "pong")
    sent = json.loads(body)
    assert sent["bot"] == "helper"
    assert sent["room"]["slug"] == "general"
    assert sent["message"]["body"] == "@helper ping?"
    assert sent["author"] == {"username": "asker", "bot": True}
    expected = hmac.new(
        hashlib.sha256(key.encode()).hexdigest().encode(),
        headers["X-Chat-Timestamp"].encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-Chat-Signature"] == f"sha256={expected}"
    assert answer.room.slug == "general"
    assert receiver.calls.empty()  # the bot's own answer is not sent back


def test_a_bot_mentioned_in_a_thread_follows_it_and_answers_there(
    api_server, helper, alice, general
):
    bot, _ = helper
    question = general.post(alice.user, "Is the build green?")
    with Receiver(answer="green") as receiver:
        bot.webhook_url = receiver.url
        bot.save()
        general.post(alice.user, "@helper check?", thread=question)
        _, body = receiver.calls.get(timeout=10)
        assert json.loads(body)["message"]["thread"] == question.pk
        answer = wait_for_message(bot.user, "green")
        assert answer.thread_id == question.pk and not answer.in_room
        # Following now, the bot hears the thread's next reply unmentioned.
        general.post(alice.user, "and the deploy?", thread=question)
        _, body = receiver.calls.get(timeout=10)
        assert json.loads(body)["message"]["body"] == "and the deploy?"


def test_a_direct_message_reaches_the_webhook_and_a_slow_answer_is_dropped(
    api_server, helper, alice
):
    bot, _ = helper
    direct = Room.objects.direct_for([alice.user, bot.user])
    with Receiver(answer="too late", delay=TIMEOUT + 1) as slow:
        bot.webhook_url = slow.url
        bot.save()
        direct.post(alice.user, "are you there?")
        _, body = slow.calls.get(timeout=10)
        assert json.loads(body)["room"]["direct"] is True
        with Receiver(
            answer='{"message": "here"}', content_type="application/json"
        ) as quick:
            bot.webhook_url = quick.url
            bot.save()
            direct.post(alice.user, "and now?")
            quick.calls.get(timeout=TIMEOUT + 10)
            wait_for_message(bot.user, "here")
    assert not Message.objects.filter(body="too late").exists()


def test_a_call_answered_500_is_made_again_with_the_same_delivery_id(
    api_server, helper, alice, general
):
    bot, _ = helper
    with Receiver(answer="second time lucky", failing=1) as receiver:
        bot.webhook_url = receiver.url
        bot.save()
        general.post(alice.user, "@helper are you up?")
        first, _ = receiver.calls.get(timeout=10)
        second, _ = receiver.calls.get(timeout=10)
        wait_for_message(bot.user, "second time lucky")
    assert first["X-Chat-Delivery"] == second["X-Chat-Delivery"]
    assert receiver.calls.empty()


def test_a_call_is_still_made_after_its_process_is_killed_mid_retry(
    api_server, helper, alice, general
):
    bot, _ = helper
    with Receiver(answer="made it", failing=10**6) as receiver:
        bot.webhook_url = receiver.url
        bot.save()
        general.post(alice.user, "@helper through a crash?")
        first, _ = receiver.calls.get(timeout=10)
        api_server.kill()
        receiver.failing = 0
        api_server.start()
        wait_for_message(bot.user, "made it", timeout=20)
    calls = [first, *(headers for headers, _ in receiver.calls.queue)]
    assert {headers["X-Chat-Delivery"] for headers in calls} == {
        first["X-Chat-Delivery"]
    }
