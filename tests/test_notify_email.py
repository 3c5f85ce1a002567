"""Emails about missed mentions and direct messages, through a real SMTP
server (aiosmtpd on loopback) from a real uvicorn process."""

import asyncio
import email
import re
import time
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection
from django.test import Client

from accounts import email_address
from accounts.models import EmailNotifications, Profile
from bench.servers import free_port
from rooms.models import Message, Room
from rooms.sweeps import notify

from .conftest import (
    PASSWORD,
    held_open,
    sign_up,
    start_chat_server,
    write_within_a_second,
)
from .sockets import Tab, http_get, http_post, open_tab

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 2
SITE = "https://chat.example.com"


class Inbox:
    """An SMTP server's handler: every email it was given, parsed."""

    def __init__(self):
        self.emails = []
        self.refuse_next = False
        self.refused = set()  # addresses refused every time
        # For each email to probe@example.com: whether its person's
        # EmailNotifications row could be written while it was being sent.
        self.probes = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next or set(envelope.rcpt_tos) & self.refused:
            self.refuse_next = False
            return "451 Try again later"
        if envelope.rcpt_tos == ["probe@example.com"]:
            rows = EmailNotifications.objects.filter(user__email="probe@example.com")
            written = await asyncio.to_thread(write_within_a_second, rows, "enabled")
            self.probes.append(written)
        sent = email.message_from_bytes(envelope.content, policy=policy.default)
        sent.arrived = time.monotonic()
        self.emails.append(sent)
        return "250 OK"

    def to(self, address):
        return [e for e in self.emails if e["To"] == address]

    async def wait_for_count(self, address, count, timeout=15):
        async with asyncio.timeout(timeout):
            while len(self.to(address)) < count:
                await asyncio.sleep(0.05)
        return self.to(address)

    async def wait_for_text(self, address, text, timeout=15):
        """Wait for an email to address whose plain text holds text."""
        async with asyncio.timeout(timeout):
            while not any(
                text in sent.get_body(("plain",)).get_content()
                for sent in self.to(address)
            ):
                await asyncio.sleep(0.05)

    async def wait_for(self, address, timeout=15):
        async with asyncio.timeout(timeout):
            while not self.to(address):
                await asyncio.sleep(0.05)
        return self.to(address)


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def inbox(smtp):
    smtp.handler.emails.clear()
    smtp.handler.probes.clear()
    smtp.handler.refuse_next = False
    smtp.handler.refused.clear()
    return smtp.handler


@pytest.fixture(scope="module")
def mail_server(smtp, django_db_setup, django_db_blocker):
    server = start_chat_server(
        "notify",
        django_db_blocker,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        NOTIFY_EMAIL_AFTER=str(WAIT_SECONDS),
        NOTIFY_SWEEP_SECONDS="0.2",
        SITE_URL=SITE,
        DEFAULT_FROM_EMAIL="chat@example.com",
    )
    yield server
    server.stop()


def with_email(person, confirmed=True):
    person.user.email = f"{person.user.username}@example.com"
    person.user.save(update_fields=["email"])
    if confirmed:
        EmailNotifications.objects.update_or_create(
            user=person.user, defaults={"confirmed_email": person.user.email}
        )
    return person


@pytest.fixture
def carol(transactional_db):
    return with_email(sign_up("carol"))


async def post(server, person, room, *bodies):
    """Post over the socket; return once each is stored."""
    async with open_tab(server, room, person=person) as ws:
        for body in bodies:
            await Tab(ws).send(action="send", message=body)
            async with asyncio.timeout(10):
                while not await Message.objects.filter(body=body).aexists():
                    await asyncio.sleep(0.02)


async def test_a_burst_of_mentions_and_a_direct_message_make_one_email(
    mail_server, inbox, general, alice, bob, carol
):
    await sync_to_async(with_email)(alice)
    await sync_to_async(with_email)(bob)
    await Profile.objects.acreate(user=bob.user, display_name="Bob Builder")
    posted = time.monotonic()
    await post(
        mail_server,
        bob,
        "general",
        "@alice one",
        "@alice two",
        "no one",
        "@alice three",
    )
    await sync_to_async(http_get)(mail_server, "/dm/alice/", bob.session_id)
    conversation = await Room.objects.aget(kind=Room.Kind.DIRECT)
    await post(mail_server, bob, conversation.slug, "just you and me")

    [sent] = await inbox.wait_for("alice@example.com")
    print(
        f"first mention to email: {sent.arrived - posted:.2f} s (wait {WAIT_SECONDS} s)"
    )
    text = sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert sent["Subject"] == "4 messages you missed in Chat"
    assert sent["From"] == "chat@example.com"
    for body in ["@alice one", "@alice two", "@alice three", "just you and me"]:
        assert body in text and body in html
    assert "no one" not in text
    # Each message by its author as they show, as in the room.
    assert (
        text.count("Bob Builder in ") == 4 and html.count("Bob Builder</strong>") == 4
    )
    assert f"{SITE}/rooms/general/?around=" in text
    unsubscribe = re.search(rf"{SITE}(/accounts/notifications/off/[^/]+/)", text)[1]
    assert sent["List-Unsubscribe"] == f"<{SITE}{unsubscribe}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A mention of carol later: once hers is sent, alice's next sweeps are
    # past, and they sent her nothing more; bob, the author, got nothing.
    await post(mail_server, bob, "general", "@carol your turn")
    await inbox.wait_for("carol@example.com")
    assert len(inbox.to("alice@example.com")) == 1
    assert inbox.to("bob@example.com") == []


async def test_an_email_being_sent_holds_no_lock(mail_server, inbox, general, bob):
    # On SQLite a lock held through the send would be the one every writer
    # waits for, posts included, for as long as the mail server takes.
    probe = await sync_to_async(sign_up)("probe")
    await sync_to_async(with_email)(probe)
    await post(mail_server, bob, "general", "@probe while the mail server thinks")
    await inbox.wait_for("probe@example.com")
    assert inbox.probes == ["written"]


async def test_an_email_the_mail_server_refuses_is_sent_next_time(
    mail_server, inbox, general, alice, bob
):
    await sync_to_async(with_email)(alice)
    inbox.refuse_next = True
    await post(mail_server, bob, "general", "@alice try, try again")
    [sent] = await inbox.wait_for("alice@example.com")
    assert "try, try again" in sent.get_body(("plain",)).get_content()
    assert not inbox.refuse_next  # refused once first


@pytest.fixture
def emailing_here(smtp, settings):
    """This process's sweep, sending to the loopback SMTP server at once."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 10},
        }
    }
    settings.NOTIFY_EMAIL_AFTER = timedelta(0)


def test_one_refused_email_stops_none_after_it(
    emailing_here, inbox, general, alice, bob, carol
):
    with_email(alice)
    inbox.refused.add("alice@example.com")  # hers goes first: the lower id
    general.post(bob.user, "@alice @carol both of you")
    assert notify.send_due_emails() == 1
    assert len(inbox.to("carol@example.com")) == 1
    inbox.refused.clear()
    assert notify.send_due_emails() == 1  # hers given back, sent now
    assert len(inbox.to("alice@example.com")) == 1


@pytest.mark.one_run("postgres")
def test_a_mention_that_commits_after_a_later_one_is_still_emailed(
    emailing_here, inbox, alice, bob
):
    # On Postgres ids are handed out at the insert, not the commit: room
    # one's mention holds a lower id than room two's, and commits after.
    if connection.vendor != "postgresql":
        pytest.skip("ids commit in order on SQLite")
    with_email(alice)
    one = Room.objects.create(slug="one", name="one")
    two = Room.objects.create(slug="two", name="two")
    with held_open(lambda: one.post(bob.user, "@alice held back")) as held:
        later = two.post(bob.user, "@alice committed first")
        assert later.pk > held.pk
        assert notify.send_due_emails() == 1
    assert notify.send_due_emails() == 1
    [first, second] = inbox.to("alice@example.com")
    assert "held back" in second.get_body(("plain",)).get_content()


async def test_nothing_is_sent_for_what_was_read_in_time(
    mail_server, inbox, general, alice, bob, carol
):
    await sync_to_async(with_email)(alice)
    await post(mail_server, bob, "general", "@alice look at this")
    # alice opens the room before the wait is up: she has seen it.
    await sync_to_async(http_get)(mail_server, "/rooms/general/", alice.session_id)
    await post(mail_server, bob, "general", "@carol and you")
    await inbox.wait_for("carol@example.com")
    assert inbox.to("alice@example.com") == []


async def test_a_restart_between_the_mention_and_the_email_loses_nothing(
    mail_server, inbox, general, alice, bob
):
    await sync_to_async(with_email)(alice)
    await post(mail_server, bob, "general", "@alice before the deploy")
    await sync_to_async(mail_server.stop)()
    assert inbox.to("alice@example.com") == []  # not due yet when it stopped
    await sync_to_async(mail_server.start)()
    [sent] = await inbox.wait_for("alice@example.com")
    assert "before the deploy" in sent.get_body(("plain",)).get_content()


async def test_the_link_in_an_email_turns_them_off(
    mail_server, inbox, general, alice, bob, carol
):
    await sync_to_async(with_email)(alice)
    await post(mail_server, bob, "general", "@alice first")
    [sent] = await inbox.wait_for("alice@example.com")
    link = sent["List-Unsubscribe"].strip("<>").removeprefix(SITE)
    # As a mail program does it: one POST, no cookie, no CSRF token.
    response = await sync_to_async(Client(enforce_csrf_checks=True).post)(
        link, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert not (await EmailNotifications.objects.aget(user=alice.user)).enabled

    await post(mail_server, bob, "general", "@alice second", "@carol third")
    await inbox.wait_for("carol@example.com")
    assert len(inbox.to("alice@example.com")) == 1


def test_a_forged_link_changes_nothing(client, alice):
    response = client.post("/accounts/notifications/off/not-a-signed-token/")
    assert response.status_code == 404
    assert not EmailNotifications.objects.exists()


def test_sign_up_takes_an_optional_email_and_the_settings_change_it(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "dora", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    dora = get_user_model().objects.get(username="dora")
    assert dora.email == ""

    page = client.get("/accounts/notifications/").content.decode()
    assert 'id="id_enabled" name="enabled" type="checkbox" checked' in page
    response = client.post(
        "/accounts/notifications/", {"email": "not an address", "enabled": "on"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    client.post("/accounts/notifications/", {"email": "dora@example.com"})
    dora.refresh_from_db()
    assert dora.email == "dora@example.com"
    assert not EmailNotifications.objects.get(user=dora).enabled


async def test_an_address_gets_no_email_until_its_owner_confirms_it(
    mail_server, inbox, general, alice, bob
):
    # Typed under Notifications on the server: a link goes to the address.
    page = await sync_to_async(http_post)(
        mail_server,
        "/accounts/notifications/",
        {"email": "someone@example.net", "enabled": "on"},
        "c" * 32,
        alice.session_id,
    )
    assert page.status == 200  # the page again, after its redirect
    [link_email] = await inbox.wait_for("someone@example.net")
    text = link_email.get_body(("plain",)).get_content()
    link = re.search(rf"{SITE}(/accounts/email/confirm/[^/\s]+/)", text)[1]

    # Unconfirmed, a mention emails nobody; bob, confirmed, is emailed.
    await sync_to_async(with_email)(bob)
    await post(mail_server, alice, "general", "@bob first")
    await post(mail_server, bob, "general", "@alice first")
    await inbox.wait_for("bob@example.com")
    assert inbox.to("someone@example.net") == [link_email]

    # The link, opened anywhere, confirms it; the next mention is emailed.
    confirmed = await sync_to_async(http_get)(mail_server, link, "")
    assert "Confirmed: emails about what you miss go to someone@example.net" in (
        confirmed
    )
    # The first mention may come in an email of its own, once confirmed.
    await post(mail_server, bob, "general", "@alice second")
    await inbox.wait_for_text("someone@example.net", "@alice second")


def test_a_confirmation_link_is_for_its_address_only(client, alice, settings):
    settings.EMAIL_CONFIGURED = True
    alice.user.email = "old@example.com"
    alice.user.save()
    token = signing.dumps(
        {"user": alice.user.pk, "email": "old@example.com"}, salt=email_address.SALT
    )
    alice.user.email = "new@example.com"
    alice.user.save()
    assert client.get(f"/accounts/email/confirm/{token}/").status_code == 404
    assert client.get("/accounts/email/confirm/forged/").status_code == 404
    assert not email_address.is_confirmed(alice.user)
