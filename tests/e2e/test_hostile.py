"""Every hostile payload, through every way in, shown in real Chromium.

Messages go through the composer (hx-ws), raw socket frames and the
no-JavaScript form; usernames through sign-up; room names through
/rooms/new/. Each must show as literal text, run nothing, fetch nothing
and leave every element but its own message as it was.
"""

import contextlib
import itertools
import json
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

from rooms.messages import formatting
from rooms.messages.forms import MessageForm
from rooms.models import Room

from ..conftest import PASSWORD, Person
from ..hostile_payloads import MARKDOWN, PAYLOADS
from .conftest import join_room, message_bodies, person_context, send_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Payloads set window.__pwned or fetch a URL containing "pwned"; the page
# reports either, and every dialog, error and console error, as an alarm.
SENTINEL = """
Object.defineProperty(window, "__pwned", {
  set() { window.__alarm("window.__pwned set on " + location.href); },
  get() { return undefined; },
});
"""

# Everything but the message log, as markup. Whitespace between tags is
# dropped: the online list's live re-render is spaced unlike the page's.
OUTSIDE_MESSAGES = """() => {
  const copy = document.documentElement.cloneNode(true);
  copy.querySelector("#messages").replaceChildren();
  // Typing names come and go with the writer's keystrokes, not the payload;
  // test_hostile_render checks the typing fragment with every payload.
  copy.querySelector("#typing")?.replaceChildren();
  return copy.outerHTML.replace(/>\\s+</g, "><");
}"""

# Elements the log may hold, with the attributes each may carry.
AUDIT_MESSAGES = """() => {
  const allowed = {
    // tabindex="-1": the log is one stop for Tab (keyboard.js).
    ARTICLE: ["id", "class", "data-author", "data-revision", "tabindex"], HEADER: ["class"],
    SPAN: ["class", "hidden"],
    // A message's thread: its link and count (id thread-summary-<pk>).
    FOOTER: ["id", "class"],
    TIME: ["class", "datetime", "title"], P: ["class", "id", "data-key"], BR: [], DIV: ["class"],
    // Day dividers, drawn by the page or by local-times.js.
    H2: ["class"],
    A: ["class", "href", "hx-get", "hx-trigger", "hx-swap", "data-htmx-powered", "data-user",
        "aria-label", "hx-ws:send", "hx-vals", "target", "rel", "id", "hx-target", "hx-push-url",
        "tabindex"],
    // Avatars (accounts/templatetags/people.py).
    IMG: ["class", "src", "alt", "width", "height"],
    // Formatting (rooms/messages/formatting.py).
    STRONG: [], EM: [], DEL: [], CODE: ["class", "data-language"], PRE: [], BLOCKQUOTE: [],
    UL: [], OL: ["start"], LI: [],
    FORM: ["class", "action", "hx-ws:send", "hx-vals", "data-htmx-powered"],
    // Reactions, named by who chose them, and the picker of any other.
    BUTTON: ["class", "name", "value", "data-emoji", "data-count", "data-reactors", "title",
             "aria-label", "id", "aria-haspopup", "tabindex"],
  };
  // Links go to a conversation with the author or their profile, to older
  // or newer pages, to a message's edit and delete forms or its earlier
  // versions (the "edited" mark); or, typed in a message, to the web or a
  // mail address, in a new tab. Pictures are avatars.
  const avatar = /^\\/people\\/[^\\/?#]+\\/avatar\\/\\?v=\\d+$/;
  const link = /^\\/(dm\\/[^\\/?#]+\\/|people\\/[^\\/?#]+\\/|rooms\\/[\\w-]+\\/(\\?(before|after)=\\d+|threads\\/\\d+\\/)?|messages\\/\\d+\\/(edit|delete|history)\\/)$/;
  const reactions = /^\\/messages\\/\\d+\\/react\\/$/;
  const typedLink = /^(https?:\\/\\/|mailto:)/i;
  const problems = [];
  for (const element of document.querySelectorAll("#messages *")) {
    const names = allowed[element.tagName];
    const extra = names ? element.getAttributeNames().filter(n => !names.includes(n)) : [];
    if (!names || extra.length) problems.push(element.outerHTML.slice(0, 200));
    const href = element.getAttribute("href");
    const typed = element.classList.contains("message-link");
    if (element.tagName === "A" && !(typed ? typedLink.test(href) : link.test(href))) {
      problems.push("link " + href);
    }
    if (typed && (element.target !== "_blank" || element.rel !== "noopener noreferrer nofollow ugc")) {
      problems.push("typed link " + element.outerHTML.slice(0, 200));
    }
    if (element.tagName === "FORM" && !reactions.test(element.getAttribute("action"))) {
      problems.push("form " + element.getAttribute("action"));
    }
    // The one link with an id: the way to newer pages, under a page of history.
    if (element.tagName === "A" && element.id && element.id !== "newer") {
      problems.push("link id " + element.id);
    }
    // The one button with an id: a message's picker, by its pk.
    if (element.tagName === "BUTTON" && element.id && !/^reaction-picker-\\d+$/.test(element.id)) {
      problems.push("button id " + element.id);
    }
    if (element.tagName === "FOOTER" && !/^thread-summary-\\d+$/.test(element.id)) {
      problems.push("footer id " + element.id);
    }
    if (element.tagName === "ARTICLE" && !/^message-\\d+$/.test(element.id)) {
      problems.push("article id " + element.id);
    }
    // The one other id: the "new since you were here" line, keyed by a pk.
    if (element.tagName === "P" && element.id && (element.id !== "unread-line"
        || !/^message-\\d+$/.test(element.dataset.key))) {
      problems.push("line " + element.outerHTML.slice(0, 200));
    }
    if (element.tagName === "IMG" && !(element.classList.contains("avatar")
        && avatar.test(element.getAttribute("src")))) {
      problems.push("picture " + element.outerHTML.slice(0, 200));
    }
    // A mention names its person by pk only.
    if (element.hasAttribute("data-user") && !/^\\d+$/.test(element.dataset.user)) {
      problems.push("mention " + element.dataset.user);
    }
  }
  return problems;
}"""

# A message body's text as shown: its text nodes, and <br> for a newline
# (BodyText is the same on the server's HTML).
BODY_TEXTS = """() => [...document.querySelectorAll("#messages .message-body")].map(body => {
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_ALL);
  let text = "";
  while (walker.nextNode()) {
    const node = walker.currentNode;
    text += node.nodeName === "BR" ? "\\n" : node.nodeType === Node.TEXT_NODE ? node.data : "";
  }
  return text;
})"""


class BodyText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.text += "\n"

    def handle_data(self, data):
        self.text += data


# Forms are filled in this many pages, then submitted at once.
AT_ONCE = 4

# Where a room page shows its name: title, heading, composer, log label.
ROOM_NAME_SHOWN = """() => [
  document.querySelector("title").textContent,
  document.getElementById("room-name").textContent,
  document.getElementById("composer-message").placeholder,
  document.getElementById("messages").getAttribute("aria-label"),
]"""

SIGN_UP_ERRORS = [
    r"Enter a valid username\. This value may contain only letters, numbers, and @/\./\+/-/_ characters\.",
    r"A user with that username already exists\.",
    r"Ensure this value has at most 150 characters \(it has \d+\)\.",
    r"Null characters are not allowed\.",
    r"This field is required\.",
    # accounts/names.py: no name that passes for another's.
    r"Write a username in one alphabet: .*",
    r"A name may not hold invisible or direction-changing characters\.",
    r"That name is too like .*’s\. Choose one people can tell apart\.",
]
ROOM_ERRORS = [
    r"Use at least one letter or digit in the name\.",
    r"A room with this name already exists\.",
    r"Ensure this value has at most 80 characters \(it has \d+\)\.",
    r"Null characters are not allowed\.",
]


# Names are never formatted: the Markdown payloads are for messages, and
# what they hold besides is in the corpus already.
NAME_PAYLOADS = [payload for payload in PAYLOADS if payload not in MARKDOWN]

PWNED_URL = re.compile(r"/pwned|pwned\.example", re.IGNORECASE)


def alarm_on_console(message, alarms):
    # Chromium logs a refused form's 400 and the missing favicon as errors;
    # fetches a payload could cause are watched by URL instead.
    network = message.text.startswith("Failed to load resource")
    if message.type == "error" and not network:
        alarms.append(f"console {message.text}")


@pytest.fixture
def watched_page(browser, chat_server):
    """Open a page that raises an alarm for anything a payload could do."""
    contexts = []

    def open_page(path="/rooms/general/", person=None, javascript=True):
        context = person_context(browser, chat_server, person, javascript)
        contexts.append(context)
        alarms = []
        context.expose_binding("__alarm", lambda source, what: alarms.append(what))
        context.add_init_script(SENTINEL)
        page = context.new_page()
        page.alarms = alarms
        page.on("dialog", lambda d: (alarms.append(f"dialog {d.message}"), d.dismiss()))
        page.on("pageerror", lambda error: alarms.append(f"error {error}"))
        page.on("console", lambda m: alarm_on_console(m, alarms))
        page.on(
            "request",
            lambda r: PWNED_URL.search(r.url) and alarms.append(f"fetch {r.url}"),
        )
        page.goto(chat_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def fill(field, text):
    """Type text into a field; return what it holds (its line breaks, maxlength)."""
    field.fill(text)
    return field.input_value()


def submit_together(pages, button):
    """Submit the form on every page at once; wait until each is answered."""
    with contextlib.ExitStack() as answers:
        for page in pages:
            answers.enter_context(page.expect_navigation(wait_until="domcontentloaded"))
            page.get_by_role("button", name=button).click(no_wait_after=True)


def go_together(pages, url):
    for page in pages:
        page.goto(url, wait_until="commit")
    for page in pages:
        page.wait_for_load_state("domcontentloaded")


def refilled(typed):
    """Return what a refused form's field holds: HTML turns NUL into U+FFFD."""
    return as_posted(typed).replace("\x00", "\ufffd")


def as_posted(text):
    """Return text as a browser posts it: UTF-8, lone surrogates replaced."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def as_shown(text):
    """Return the text a post of text shows, formatted, or None if refused."""
    form = MessageForm({"message": text})
    if not form.is_valid():
        return None
    body = BodyText()
    body.feed(formatting.render(form.cleaned_data["message"], {}))
    body.close()
    return body.text


def assert_untouched(page, before=None):
    """Assert nothing ran or was fetched, and the log holds only messages."""
    assert page.alarms == []
    assert page.evaluate(AUDIT_MESSAGES) == []
    assert len(page.frames) == 1
    if before is not None:
        assert page.evaluate(OUTSIDE_MESSAGES) == before


def expect_bodies(page, texts):
    expect(message_bodies(page)).to_have_count(len(texts))
    assert page.evaluate(BODY_TEXTS) == texts


def test_the_watch_sees_what_a_working_payload_would_do(watched_page):
    page = watched_page("/accounts/login/")
    with page.expect_request("**/pwned.png"):
        page.evaluate(
            """() => document.body.insertAdjacentHTML("beforeend", '<img src="/pwned.png">')"""
        )
    page.evaluate("() => alert('hi')")
    page.evaluate("() => { window.__pwned = 1; return window.__alarm('last'); }")
    assert [alarm.split(" ")[0] for alarm in page.alarms] == [
        "fetch",
        "dialog",
        "window.__pwned",
        "last",
    ]


@pytest.mark.one_run("sqlite")
def test_every_payload_typed_into_the_composer(watched_page, general, alice, bob):
    writer, reader = watched_page(person=alice), watched_page(person=bob)
    join_room(writer)
    join_room(reader)
    expect(reader.locator("#online li")).to_have_text(["alice", "bob"])
    before = reader.evaluate(OUTSIDE_MESSAGES)
    max_length = MessageForm.base_fields["message"].max_length
    posted = []
    for payload in PAYLOADS:
        composer = writer.locator("#composer-message")
        typed = fill(composer, payload)
        if len(typed) > max_length:
            composer.press("Enter")
            expect(writer.locator("#composer-error")).to_contain_text("Too long")
            continue
        # The server answers each send by re-rendering the input.
        composer.evaluate("input => { input.stale = true; }")
        composer.press("Enter")
        if not typed.strip():
            continue  # a blank message is ignored without a word
        writer.wait_for_function(
            "() => !document.getElementById('composer-message').stale"
        )
        shown = as_shown(as_posted(typed))
        if shown is None:
            expect(writer.locator("#composer-error")).not_to_be_empty()
        else:
            posted.append(shown)
    expect_bodies(reader, posted)
    expect_bodies(writer, posted)
    assert_untouched(reader, before)
    assert_untouched(writer)
    expect(reader.locator("#connection")).to_have_attribute("data-state", "open")


def test_every_payload_as_a_raw_socket_frame(
    watched_page, chat_server, general, alice, bob
):
    reader = watched_page(person=bob)
    join_room(reader)
    socket = connect(
        f"{chat_server.ws_url}/ws/rooms/general/?after=0",
        origin=chat_server.url,
        additional_headers={"Cookie": f"sessionid={alice.session_id}"},
        max_queue=None,
    )
    with socket:
        expect(reader.locator("#online li")).to_have_text(["alice", "bob"])
        before = reader.evaluate(OUTSIDE_MESSAGES)
        for payload in PAYLOADS:
            frame = {"action": "send", "message": payload, "headers": {}}
            socket.send(json.dumps(frame))  # escapes lone surrogates, as JS does
        shown = [as_shown(as_posted(payload)) for payload in PAYLOADS]
        posted = [text for text in shown if text is not None]
        expect_bodies(reader, posted)
        assert_untouched(reader, before)


@pytest.mark.one_run("postgres")
def test_every_payload_through_the_form_without_javascript(
    watched_page, general, alice, bob
):
    reader = watched_page(person=bob)
    join_room(reader)
    expect(reader.locator("#online li")).to_have_text(["bob"])
    before = reader.evaluate(OUTSIDE_MESSAGES)
    writers = [watched_page(person=alice, javascript=False) for _ in range(AT_ONCE)]
    posted = []
    for batch in itertools.batched(PAYLOADS, AT_ONCE):
        pages = writers[: len(batch)]
        typed = [
            fill(page.locator("#composer-message"), payload)
            for page, payload in zip(pages, batch, strict=True)
        ]
        submit_together(pages, "Send")
        for page, text in zip(pages, typed, strict=True):
            shown = as_shown(as_posted(text))
            if shown is not None:
                posted.append(shown)
                assert shown in page.evaluate(BODY_TEXTS)
            elif text.strip():
                expect(page.locator("#composer-error")).not_to_be_empty()
                assert page.locator("#composer-message").input_value() == refilled(text)
    # The writers posted at once: the log is in the order the server stored.
    expect(message_bodies(reader)).to_have_count(len(posted))
    shown = reader.evaluate(BODY_TEXTS)
    assert sorted(shown) == sorted(posted)
    assert_untouched(reader, before)
    assert all(writer.alarms == [] for writer in writers)
    reader.reload()
    join_room(reader)
    expect_bodies(reader, shown[-50:])  # the page opens at the latest 50
    assert_untouched(reader)


@pytest.mark.one_run("sqlite")
def test_every_payload_as_a_username(watched_page, chat_server, general, bob):
    forms = [watched_page("/accounts/signup/?next=/") for _ in range(AT_ONCE)]
    signed_up = []
    for batch in itertools.batched(NAME_PAYLOADS, AT_ONCE):
        pages, typed = [], []
        for page, payload in zip(forms, batch, strict=False):
            text = fill(page.locator("#id_username"), payload)
            if not text:
                continue  # the browser itself refuses an empty required field
            page.locator("#id_password1").fill(PASSWORD)
            page.locator("#id_password2").fill(PASSWORD)
            pages.append(page)
            typed.append(text)
        submit_together(pages, "Sign up")
        welcomed = []
        for page, text in zip(pages, typed, strict=True):
            assert page.alarms == []
            if page.url != chat_server.url + "/":
                for error in page.locator(".field-error").all_text_contents():
                    assert any(re.fullmatch(known, error) for known in SIGN_UP_ERRORS)
                assert page.locator("#id_username").input_value() == refilled(text)
                continue  # the refusal is the form again
            name = unicodedata.normalize("NFKC", as_posted(text).strip())
            assert page.locator(".account-name").text_content() == name
            cookies = {c["name"]: c["value"] for c in page.context.cookies()}
            signed_up.append((name, cookies["sessionid"]))
            page.context.clear_cookies()
            welcomed.append(page)
        go_together(welcomed, chat_server.url + "/accounts/signup/?next=/")
    # Fewer since usernames keep to one script (accounts/names.py).
    assert len(signed_up) >= 4
    # Each new person comes into the room and says hello.
    reader = watched_page(person=bob)
    join_room(reader)
    for n, (_, session_id) in enumerate(signed_up, start=1):
        person_page = watched_page(person=Person(None, session_id))
        join_room(person_page)
        send_message(person_page, "hello")
        expect(message_bodies(reader)).to_have_count(n)
        assert person_page.alarms == []
    names = [name for name, _ in signed_up]
    expect(reader.locator("#online li")).to_have_count(len(names) + 1)
    online = reader.locator("#online li").all_text_contents()
    assert sorted(online) == sorted([*names, "bob"])
    assert reader.locator(".message-author").all_text_contents() == names
    assert_untouched(reader)


@pytest.mark.one_run("sqlite")
def test_every_payload_as_a_room_name(watched_page, chat_server, alice):
    """Name rooms "<n> <payload>": payloads that slugify alike all get a room."""
    existing = list(Room.objects.values_list("name", flat=True))
    forms = [watched_page("/rooms/new/", person=alice) for _ in range(AT_ONCE)]
    created = []
    numbered = [f"{n} {payload}" for n, payload in enumerate(NAME_PAYLOADS)]
    for batch in itertools.batched(numbered, AT_ONCE):
        pages = forms[: len(batch)]
        typed = [
            fill(page.locator("#id_name"), name)
            for page, name in zip(pages, batch, strict=True)
        ]
        submit_together(pages, "Create room")
        for page, text in zip(pages, typed, strict=True):
            if page.url.endswith("/rooms/new/"):
                error = page.locator(".field-error").text_content()
                assert any(re.fullmatch(known, error) for known in ROOM_ERRORS)
                assert page.locator("#id_name").input_value() == refilled(text)
                continue
            name = as_posted(text).strip()
            shown = [f"{name} · Chat", name, f"Message {name}", f"Messages in {name}"]
            assert page.evaluate(ROOM_NAME_SHOWN) == shown
            assert_untouched(page)
            created.append(name)
        go_together(pages, chat_server.url + "/rooms/new/")
    assert len(created) >= 80
    lobby = watched_page("/", person=alice)
    listed = lobby.locator("#rooms a").all_text_contents()
    assert sorted(listed) == sorted([*existing, *created])
    assert lobby.alarms == []
