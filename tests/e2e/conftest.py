"""Real Chromium against a real uvicorn process, one browser for the package."""

import os
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from ..chromium import CHROMIUM_ARGS
from ..conftest import require, sign_up

expect.set_options(timeout=10_000)


@pytest.fixture(scope="package", autouse=True)
def allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread, which trips
    # Django's guard for the ORM calls that set up each test's people.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="package")
def browser():
    executable = shutil.which("chromium")
    require(executable, "Chromium is not installed (make browser installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def comparer(browser):
    """A page of its own, where Chromium compares two pictures (pictures.py)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def person_context(browser, server, person=None, javascript=True, **options):
    """Return a fresh browser context, signed in as person if given.

    options go to Playwright's new_context: a timezone_id, a viewport.
    """
    options = {"viewport": {"width": 1000, "height": 700}, **options}
    context = browser.new_context(java_script_enabled=javascript, **options)
    if person is not None:
        cookie = {"name": "sessionid", "value": person.session_id, "url": server.url}
        context.add_cookies([cookie])
    return context


@pytest.fixture
def open_page(browser, chat_server, transactional_db):
    """Open a page as a person (or anonymously) in a fresh browser context.

    After the database: its pages close, and their sockets with them,
    before the database is emptied for the next test, not while.
    """
    contexts = []

    def open_page(path="/rooms/general/", person=None, javascript=True, **options):
        context = person_context(browser, chat_server, person, javascript, **options)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(error))
        page.goto(chat_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def join_room(page):
    """Wait until the room's socket is open, as a person would see it."""
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")


def send_message(page, text):
    page.locator("#composer-message").fill(text)
    page.locator("#composer-message").press("Enter")


def message_bodies(page):
    return page.locator("#messages article.message .message-body")


def set_hidden(page, hidden):
    """Hide or show the tab, as switching tabs does: htmx closes its socket."""
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


@pytest.fixture
def two_here_one_away(open_page, general, alice, bob):
    """Return the pages of alice and bob in the room, and of carol, away.

    carol's tab is hidden, so htmx has closed its socket: what she sees of
    what is said meanwhile is the catch-up when she comes back.
    """
    carol = sign_up("carol")
    pages = [open_page(person=person) for person in (alice, bob, carol)]
    for page in pages:
        join_room(page)
    set_hidden(pages[2], True)
    expect(pages[2].locator("#connection")).not_to_have_attribute("data-state", "open")
    return pages
