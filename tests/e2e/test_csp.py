"""Every page under the enforced Content Security Policy, in real Chromium."""

import pytest
from playwright.sync_api import expect

from rooms.models import Message, Room
from site_config.gallery import exhibits

from ..conftest import PASSWORD
from .conftest import join_room, message_bodies, person_context, send_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each frame reports to the test through a binding: the page's own script
# could be the thing the policy stops.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile}:${event.lineNumber} (${document.location.pathname})`
  );
});
"""


@pytest.fixture
def policed_page(browser, chat_server):
    """Open pages that record every CSP violation and console error."""
    contexts = []

    def policed_page(person=None):
        context = person_context(browser, chat_server, person)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        context.expose_binding(
            "reportViolation", lambda source, text: page.problems.append(text)
        )
        context.add_init_script(REPORT_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and page.problems.append(f"console: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: page.problems.append(f"error: {error}"))
        return page

    yield policed_page
    for context in contexts:
        context.close()


def visit(page, url):
    response = page.goto(url)
    assert response.ok, f"{url} answered {response.status}"
    policy = response.header_value("content-security-policy")
    assert policy and "unsafe" not in policy, policy
    assert page.problems == [], url


@pytest.mark.one_run("sqlite")  # what pages run: the database does not change it
def test_every_page_runs_under_the_policy_without_a_violation(
    policed_page, chat_server, general, alice, bob
):
    for n in range(60):
        Message.objects.create(room=general, author=bob.user, body=f"history {n}")
    secret = Room.objects.create(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=alice.user
    )
    secret.members.add(alice.user, bob.user)
    anonymous, page = policed_page(), policed_page(person=alice)
    base = chat_server.url
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/rooms/general/"]:
        visit(anonymous, base + path)
    visit(page, base + "/")
    expect(page.locator("#account")).to_contain_text("alice")
    pages = [
        "/rooms/general/",
        f"/rooms/general/?before={Message.objects.last().pk - 20}",
        "/rooms/new/",
        "/rooms/secret/",
        "/rooms/secret/members/",
        "/search/?q=history",
        "/dm/bob/",
        "/accounts/password/",
        "/people/?q=b",
        "/gallery/",
    ]
    pages += [f"/gallery/{exhibit.slug}/" for exhibit in exhibits()]
    for path in pages:
        visit(page, base + path)


def test_live_updates_and_an_inline_sign_in_run_under_the_policy(
    policed_page, chat_server, general, alice, bob
):
    reader, writer = policed_page(), policed_page(person=alice)
    for page in (reader, writer):
        page.goto(chat_server.url + "/rooms/general/")
        join_room(page)
    send_message(writer, "under the policy")
    expect(message_bodies(reader)).to_have_text(["under the policy"])
    writer.locator("#composer-message").press_sequentially("@bo")
    expect(writer.locator("#mention-options .mention-option")).to_have_text(
        ["bob @bob"]
    )
    writer.locator("#composer-message").press("Escape")

    # A phone turning, then a full-page picture: the picture leaves style
    # attributes on the fields (Playwright hides their carets), as the CSSOM
    # does (composer.js sizes the text box where field-sizing is missing).
    # What htmx swaps in next must not copy them: the policy blocks that.
    reader.set_viewport_size({"width": 390, "height": 700})
    reader.screenshot(full_page=True)
    reader.set_viewport_size({"width": 1000, "height": 700})
    reader.locator("#sign-in-username").fill("bob")
    reader.locator("#sign-in-password").fill("not the password")
    reader.locator("#sign-in").get_by_role("button", name="Sign in").click()
    expect(reader.locator("#sign-in .field-error")).not_to_be_empty()
    reader.locator("#sign-in-password").fill(PASSWORD)
    with reader.expect_response("**/viewer.css?viewer=*") as rules:
        reader.locator("#sign-in").get_by_role("button", name="Sign in").click()
    assert rules.value.ok
    expect(reader.locator("#composer-message")).to_be_focused()
    send_message(reader, "bob's own")
    mine = reader.locator("#messages article.message").last
    expect(mine).to_have_css("border-left-color", "rgb(47, 91, 211)")

    assert reader.problems == [] and writer.problems == []
