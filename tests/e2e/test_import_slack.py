"""A Slack export moved in, as its people see it in Chromium: a person
claims their account from the link, and finds the history, its threads
and its reactions where Slack had them."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from rooms.models import Message

from .. import slack_export
from ..conftest import ARTIFACTS
from .conftest import join_room, message_bodies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_claims_their_account_and_finds_their_history(
    open_page, general, tmp_path
):
    claims = tmp_path / "claims.csv"
    export = slack_export.write_zip(tmp_path / "export.zip")
    call_command(
        "import_slack",
        str(export),
        claims=str(claims),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    link = next(
        row for row in csv.DictReader(claims.open()) if row["username"] == "grace"
    )
    page = open_page(link["claim_link"][link["claim_link"].index("/claim/") :])
    expect(page.locator("h1")).to_have_text("Welcome, Grace Hopper")
    for field in ("new_password1", "new_password2"):
        page.locator(f"#claim [name={field}]").fill("grace-new-secret-42")
    page.locator("#claim button[type=submit]").click()
    expect(page.locator(".account-name")).to_contain_text("Grace Hopper")

    page.goto(page.url.rstrip("/") + "/rooms/general/")
    join_room(page)
    question = Message.objects.get(imported_id=slack_export.ts(10))
    expect(message_bodies(page).first).to_contain_text("Release is today, not tomorrow")
    expect(page.locator(f"#message-{question.pk} strong")).to_have_text("Release")
    expect(
        page.locator(
            f"#message-{question.pk} .reaction[data-emoji='👍'] .reaction-count"
        )
    ).to_have_text("2")
    expect(
        page.locator(f"#message-{question.pk} .thread-summary .reply-count")
    ).to_have_text("2")
    # The room is not unread: history was read where it came from.
    expect(page.locator("#rooms .has-unread")).to_have_count(0)
    page.locator(f"#message-{question.pk} a.thread-link").click()
    expect(page.locator("#thread-messages .message .message-body")).to_have_text(
        ["On it, @Ada", "Done: ask in #old-project @here"]
    )
    page.screenshot(path=ARTIFACTS / "imported-from-slack.png")
    room_link = page.locator("#thread-messages a.message-link", has_text="#old-project")
    expect(room_link).to_have_attribute("href", "/rooms/old-project/")
    page.goto(room_link.evaluate("link => link.href"))
    expect(page.locator("#room-archived")).to_be_visible()
    expect(message_bodies(page)).to_have_text(["archived but readable"])
    assert not page.errors
