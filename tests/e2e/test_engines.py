"""The main flows in Firefox ESR and in WebKit (Safari's engine), against
Chromium: one browser per engine for the module (tests/engines.py)."""

import json
import shutil

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import Profile
from rooms.models import Message

from ..conftest import ARTIFACTS, PASSWORD, RUN, require
from ..engines import ENGINES, ENTER, SHIFT
from ..files import picture
from .conftest import join_room, message_bodies, send_message

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.one_run("sqlite"),  # how engines draw: the database does not change it
]


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine(request):
    start, programs = ENGINES[request.param]
    missing = [program for program in programs if not shutil.which(program)]
    require(not missing, f"{', '.join(missing)} missing (make browser installs them)")
    ARTIFACTS.mkdir(exist_ok=True)
    browser = start(ARTIFACTS / f"{request.param}-{RUN}.log")
    yield browser
    browser.quit()


@pytest.fixture
def signed_in(engine, chat_server, general, alice):
    """alice, signed in inline in the room in this engine, its socket open;
    no Content Security Policy violation after."""
    engine.delete_cookies()
    engine.resize(1280, 800)
    engine.open(chat_server.url + "/rooms/general/")
    engine.type("#sign-in-username", "alice")
    engine.type("#sign-in-password", PASSWORD + ENTER)
    engine.wait("document.querySelector('#composer-message')")
    engine.wait("document.querySelector('#connection')?.dataset.state === 'open'")
    watch_violations(engine)
    yield engine
    assert engine.run("return window.violations") == []


def watch_violations(engine):
    """Note what the policy blocks on this page in this engine (composer.js
    sizes the text box through the CSSOM in WebKit)."""
    engine.run(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', (event) =>"
        " violations.push(`${event.effectiveDirective} at ${event.sourceFile}`))"
    )


def last_body(selector="#messages .message-body"):
    return f"[...document.querySelectorAll({json.dumps(selector)})].at(-1)"


def test_two_people_talk_live_both_ways_with_formatting(signed_in, open_page, bob):
    bob_page = open_page(person=bob)
    join_room(bob_page)
    signed_in.type("#composer-message", "**bold** and `code`" + ENTER)
    expect(message_bodies(bob_page).locator("strong")).to_have_text("bold")
    expect(message_bodies(bob_page).locator("code")).to_have_text("code")
    signed_in.wait("document.querySelector('#composer-message').value === ''")
    send_message(bob_page, "hello _alice_")
    signed_in.wait(f"{last_body()}?.querySelector('em')?.textContent === 'alice'")


def test_a_picture_a_reaction_and_a_thread_reply(signed_in, open_page, bob, tmp_path):
    bob_page = open_page(person=bob)
    join_room(bob_page)
    path = tmp_path / "cat.png"
    path.write_bytes(picture((300, 200)))
    signed_in.upload("#composer-files", path)
    signed_in.type("#composer-message", "the cat" + ENTER)
    image = "document.querySelector('#messages img.attachment-image')"
    signed_in.wait(f"{image}?.complete && {image}.naturalWidth === 300")
    expect(bob_page.locator("#messages img.attachment-image")).to_have_attribute(
        "alt", "cat.png"
    )
    message = Message.objects.get()

    signed_in.click(f'#message-{message.pk} button.reaction[data-emoji="👍"]')
    thumbs = bob_page.locator(f'#message-{message.pk} button.reaction[data-emoji="👍"]')
    expect(thumbs.locator(".reaction-count")).to_have_text("1")

    signed_in.click(f"#message-{message.pk} a.thread-link")
    signed_in.wait(
        f"document.querySelector(\"#thread-messages[data-thread='{message.pk}']\")"
    )
    signed_in.type("#thread-composer-message", "a reply" + ENTER)
    signed_in.wait(
        f"{last_body('#thread-messages .message-body')}?.textContent.trim() === 'a reply'"
    )
    summary = bob_page.locator(f"#message-{message.pk} .thread-summary .reply-count")
    expect(summary).to_have_text("1")


def test_a_dropped_socket_comes_back_with_what_was_missed(
    signed_in, chat_server, general, bob
):
    chat_server.stop()
    signed_in.wait("document.querySelector('#connection').dataset.state === 'closed'")
    Message.objects.create(room=general, author=bob.user, body="while you were away")
    chat_server.start()
    signed_in.wait("document.querySelector('#connection').dataset.state === 'open'", 20)
    signed_in.wait(f"{last_body()}?.textContent.trim() === 'while you were away'")


def test_a_phone_wide_room_and_a_composer_that_grows(signed_in, open_page, bob):
    bob_page = open_page(person=bob)
    join_room(bob_page)
    for n in range(3):
        send_message(
            bob_page, f"Message {n}, long enough to wrap on a phone's narrow screen"
        )
    signed_in.wait(f"{last_body()}?.textContent.includes('Message 2')")
    signed_in.screenshot(ARTIFACTS / f"engine-{signed_in.name}-1280.png")

    signed_in.resize(390, 800)
    # WebKitGTK's window is at least 447 px wide (its toolbar); Firefox is 390.
    signed_in.wait("innerWidth < 450")
    assert signed_in.run("return document.documentElement.scrollWidth <= innerWidth")
    composer = "document.querySelector('#composer-message')"
    bottom = signed_in.run(f"return {composer}.getBoundingClientRect().bottom")
    assert bottom <= signed_in.run("return innerHeight")
    signed_in.screenshot(ARTIFACTS / f"engine-{signed_in.name}-390.png")
    before = signed_in.run(f"return {composer}.offsetHeight")
    for keys in ("one", SHIFT + ENTER, "two", SHIFT + ENTER, "three"):
        signed_in.type("#composer-message", keys)
    signed_in.wait(f"{composer}.offsetHeight > {before} + 20")


def test_a_room_in_spanish_and_in_the_dark(signed_in, chat_server, general, bob, alice):
    general.post(bob.user, "Hola, ¿qué tal? A message to show in the dark")
    Profile.objects.update_or_create(
        user=alice.user, defaults={"theme": "dark", "language": "es"}
    )
    signed_in.open(chat_server.url + "/rooms/general/")
    # The new page, not the one it replaces, whose socket was open too.
    signed_in.wait("document.documentElement.lang === 'es'")
    signed_in.wait("document.querySelector('#connection')?.dataset.state === 'open'")
    watch_violations(signed_in)
    with translation.override("es"):
        send = translation.gettext("Send")
    assert send != "Send"
    button = "document.querySelector('#composer button[type=submit]')"
    assert signed_in.run(f"return {button}.textContent.trim()") == send
    # The dark scheme's ink (static/css/chat.css: --ink).
    ink = "return getComputedStyle(document.body).color"
    assert signed_in.run(ink) == "rgb(228, 232, 239)"
    signed_in.screenshot(ARTIFACTS / f"engine-{signed_in.name}-dark-es-1280.png")
    signed_in.resize(390, 800)
    signed_in.wait("innerWidth < 450")
    signed_in.screenshot(ARTIFACTS / f"engine-{signed_in.name}-dark-es-390.png")
