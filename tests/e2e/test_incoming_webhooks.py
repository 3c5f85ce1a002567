"""A Slack-compatible incoming webhook seen live in a room open in Chromium."""

import json
import subprocess

import pytest
from playwright.sync_api import expect
from slack_sdk.webhook import WebhookClient

from rooms.incoming import hooks

from ..conftest import require
from .conftest import join_room, message_bodies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_what_slacks_client_and_curl_send_shows_live_as_a_bot(
    open_page, chat_server, general, alice
):
    require(
        subprocess.run(["which", "curl"], capture_output=True).returncode == 0,
        "no curl",
    )
    page = open_page(person=alice)
    join_room(page)
    _, secret = hooks.create(general)
    url = f"{chat_server.url}/hooks/{secret}/"

    sent = WebhookClient(url).send(
        text="*Build 812* passed",
        attachments=[{"title": "Changes", "title_link": "https://ci.example.com/812"}],
    )
    assert (sent.status_code, sent.body) == (200, "ok")
    curled = subprocess.run(
        ["curl", "-sS", "-H", "Content-type: application/json", "--data",
         json.dumps({"text": "Deploy _done_", "username": "Jenkins"}), url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert curled.stdout == "ok"

    bodies = message_bodies(page)
    expect(bodies).to_have_count(2)
    expect(bodies.nth(0).locator("strong")).to_have_text(
        ["Build 812", "Changes (ci.example.com)"]
    )
    link = bodies.nth(0).locator("blockquote a.message-link")
    expect(link).to_have_attribute("href", "https://ci.example.com/812")
    expect(bodies.nth(1)).to_contain_text("Jenkins")
    expect(bodies.nth(1).locator("em")).to_have_text("done")
    authors = page.locator("#messages article.message .message-author")
    expect(authors).to_have_count(2)
    for n in range(2):
        expect(authors.nth(n)).to_have_class("message-author is-bot")
        expect(authors.nth(n)).to_have_text("webhook-general")
    assert page.errors == []


def test_an_administrator_makes_one_on_a_phone_and_revokes_it(
    open_page, chat_server, general, alice
):
    alice.user.is_staff = True
    alice.user.save()
    page = open_page("/people/", person=alice, viewport={"width": 390, "height": 844})
    page.locator("#incoming-webhooks-link").click()
    page.locator("#webhook-room").select_option("general")
    page.get_by_role("button", name="Make a webhook").click()
    url = page.locator("#webhook-url").input_value()
    assert "/hooks/" in url
    wide = page.evaluate("document.documentElement.scrollWidth > innerWidth")
    assert wide is False

    path = url.split("://", 1)[1].split("/", 1)[1]
    sent = WebhookClient(f"{chat_server.url}/{path}").send(text="From the page")
    assert (sent.status_code, sent.body) == (200, "ok")

    page.goto(f"{chat_server.url}/people/webhooks/")
    expect(page.locator("#new-webhook")).to_have_count(0)  # shown once
    page.locator("#webhooks summary").click()
    page.get_by_role("button", name="Revoke webhook-general").click()
    expect(page.locator("#webhooks-notice")).to_contain_text("no longer works")
    gone = WebhookClient(f"{chat_server.url}/{path}").send(text="After")
    assert (gone.status_code, gone.body) == (404, "no_service")
    assert page.errors == []
