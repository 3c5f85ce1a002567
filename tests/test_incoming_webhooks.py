"""Slack-compatible incoming webhooks against a real uvicorn process, sent
by Slack's own Python client and by curl."""

import io
import json
import subprocess
import urllib.parse

import pytest
import requests
from asgiref.sync import sync_to_async
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from slack_sdk.webhook import WebhookClient

from accounts.models import hash_code
from rooms.incoming import hooks
from rooms.incoming.views import refusal
from rooms.messages.forms import TOO_FAST, MessageForm
from rooms.models import IncomingWebhook, Message, Room

from .conftest import require, start_chat_server
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def hooks_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "incoming_webhooks", django_db_blocker, INCOMING_WEBHOOK_RATE_LIMIT="3/60"
    )
    yield server
    server.stop()


def hook_url(server, room):
    _, secret = hooks.create(room)
    return f"{server.url}/hooks/{secret}/"


def bodies(room):
    return list(room.messages.values_list("body", flat=True))


def curl(*args):
    require(
        subprocess.run(["which", "curl"], capture_output=True).returncode == 0,
        "no curl",
    )
    done = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def test_slacks_client_posts_text_attachments_and_blocks(hooks_server, general):
    client = WebhookClient(hook_url(hooks_server, general))
    response = client.send(
        text="*Deploy* of <https://ci.example.com/812|v2.4> done",
        attachments=[{"color": "good", "title": "Changes", "text": "_3_ commits"}],
    )
    assert (response.status_code, response.body) == (200, "ok")
    response = client.send(
        text="fallback",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "~old~ *new*"}}],
    )
    assert (response.status_code, response.body) == (200, "ok")
    assert bodies(general) == [
        "**Deploy** of [v2.4](https://ci.example.com/812) done\n\n"
        "> **Changes**\n> *3* commits",
        "~~old~~ **new**",
    ]
    author = general.messages.first().author
    assert author.bot is not None and author.username == "webhook-general"


def test_curl_posts_json_and_the_older_payload_form_field(hooks_server, general):
    url = hook_url(hooks_server, general)
    sent = {"text": "From curl &amp; JSON", "username": "Jenkins"}
    assert curl(
        "-H", "Content-type: application/json", "--data", json.dumps(sent), url
    ) == (200, "ok")
    form = "payload=" + json.dumps({"text": "From a *form*"})
    assert curl("--data-urlencode", form, url) == (200, "ok")
    assert bodies(general) == ["**Jenkins**\nFrom curl & JSON", "From a **form**"]


async def test_a_webhooks_post_shows_live_marked_as_a_bot(hooks_server, general, alice):
    url = await sync_to_async(hook_url)(hooks_server, general)
    async with open_tab(hooks_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        response = await sync_to_async(WebhookClient(url).send)(text="Build 42 *green*")
        assert response.body == "ok"
        seen = await tab.expect("<strong>green</strong>")
    assert 'class="message-author is-bot"' in seen


@pytest.mark.parametrize(
    ("body", "content_type", "answer"),
    [
        (b"not json", "application/json", (400, "invalid_payload")),
        (b"[1, 2]", "application/json", (400, "invalid_payload")),
        (b"payload=%7B", "application/x-www-form-urlencoded", (400, "invalid_payload")),
        (b'{"text": ""}', "application/json", (400, "no_text")),
        (b'{"blocks": [{"type": "actions"}]}', "application/json", (400, "no_text")),
        (
            json.dumps({"text": "x" * 5001}).encode(),
            "application/json",
            (400, "msg_too_long"),
        ),
    ],
)
def test_a_bad_payload_gets_slacks_answer(
    hooks_server, general, body, content_type, answer
):
    url = hook_url(hooks_server, general)
    response = requests.post(url, data=body, headers={"Content-Type": content_type})
    assert (response.status_code, response.text) == answer
    assert bodies(general) == []


def test_unknown_and_revoked_urls_get_no_service(hooks_server, general):
    url = hook_url(hooks_server, general)
    hook = IncomingWebhook.objects.get()
    assert requests.post(url, json={"text": "before"}).text == "ok"
    hooks.revoke(hook)
    for gone in (
        url,
        f"{hooks_server.url}/hooks/nonsense/",
        f"{hooks_server.url}/hooks/{'x' * 500}/",
    ):
        response = requests.post(gone, json={"text": "after"})
        assert (response.status_code, response.text) == (404, "no_service")
    assert bodies(general) == ["before"]
    hook.bot.refresh_from_db()
    assert hook.bot.is_active is False


def test_a_deactivated_bot_or_a_private_room_it_left_is_prohibited(hooks_server, alice):
    secret_room = Room.objects.create(name="ops", slug="ops", kind=Room.Kind.PRIVATE)
    url = hook_url(hooks_server, secret_room)
    hook = IncomingWebhook.objects.get()
    assert requests.post(url, json={"text": "in"}).text == "ok"
    secret_room.members.remove(hook.bot)
    response = requests.post(url, json={"text": "out"})
    assert (response.status_code, response.text) == (403, "action_prohibited")
    secret_room.members.add(hook.bot)
    hook.bot.is_active = False
    hook.bot.save()
    response = requests.post(url, json={"text": "off"})
    assert (response.status_code, response.text) == (403, "action_prohibited")
    assert bodies(secret_room) == ["in"]


def test_an_archived_room_is_gone(hooks_server, general):
    url = hook_url(hooks_server, general)
    Room.objects.filter(pk=general.pk).update(archived=timezone.now())
    response = requests.post(url, json={"text": "late"})
    assert (response.status_code, response.text) == (410, "channel_is_archived")


def test_each_webhook_is_limited_on_its_own(hooks_server, general):
    url, other = hook_url(hooks_server, general), hook_url(hooks_server, general)
    answers = [requests.post(url, json={"text": f"{n}"}) for n in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].text == "rate_limited"
    assert answers[3].headers["Retry-After"] == "1"
    assert requests.post(other, json={"text": "other"}).text == "ok"


def test_a_bot_past_its_message_limit_is_rate_limited_too():
    form = MessageForm({"message": "x"})
    assert form.is_valid()
    form.add_error("message", TOO_FAST)
    answer = refusal(form)
    assert (answer.status_code, answer.content) == (429, b"rate_limited")


def test_only_post_is_taken(hooks_server, general):
    response = requests.get(hook_url(hooks_server, general))
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")


def test_the_command_prints_a_url_once_and_revokes_it(hooks_server, general):
    out = io.StringIO()
    call_command("make_incoming_webhook", "general", stdout=out, stderr=io.StringIO())
    printed = out.getvalue().strip()
    path = urllib.parse.urlsplit(printed).path
    assert path.startswith("/hooks/")
    secret = path.split("/")[2]
    stored = IncomingWebhook.objects.get()
    assert stored.secret_hash == hash_code(secret) and secret not in stored.secret_hash
    assert requests.post(hooks_server.url + path, json={"text": "hi"}).text == "ok"
    call_command("make_incoming_webhook", "--revoke", printed, stdout=io.StringIO())
    assert (
        requests.post(hooks_server.url + path, json={"text": "hi"}).status_code == 404
    )
    with pytest.raises(CommandError, match="No room"):
        call_command("make_incoming_webhook", "nowhere")
    assert Message.objects.count() == 1


def test_the_command_refuses_a_conversation(general, alice, bob):
    direct = Room.objects.create(name="dm", slug="dm-alice-bob", kind=Room.Kind.DIRECT)
    with pytest.raises(CommandError, match="conversation"):
        call_command("make_incoming_webhook", direct.slug)
    assert not IncomingWebhook.objects.exists()


def test_administrators_make_and_revoke_webhooks_on_their_page(general, alice, bob):
    alice.user.is_staff = True
    alice.user.save()
    client, member = Client(), Client()
    client.force_login(alice.user)
    member.force_login(bob.user)
    assert member.get("/people/webhooks/").status_code == 403
    assert member.post("/people/webhooks/new/", {"room": "general"}).status_code == 403
    made = client.post("/people/webhooks/new/", {"room": "general"})
    assert made.status_code == 201
    url = made.context["new_url"]
    assert "/hooks/" in url and url in made.content.decode()
    page = client.get("/people/webhooks/").content.decode()
    assert "webhook-general" in page and url not in page
    hook = IncomingWebhook.objects.get()
    client.post(f"/people/webhooks/{hook.pk}/revoke/")
    assert not IncomingWebhook.objects.exists()
    assert 'href="/people/webhooks/"' in client.get("/people/").content.decode()
