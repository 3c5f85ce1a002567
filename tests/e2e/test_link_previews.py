"""Link previews in real Chromium: a real uvicorn reads pages from a real
loopback site, once, whoever reads the room."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rooms.models import LinkPreview

from ..conftest import sign_up, start_chat_server
from ..link_sites import Site, page, wait_for
from .conftest import join_room, message_bodies, send_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


@pytest.fixture(scope="module")
def chat_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "e2e-link-previews",
        django_db_blocker,
        LINK_PREVIEW_ALLOW_PRIVATE="1",
        LINK_PREVIEW_SWEEP_SECONDS="0.2",
        LINK_PREVIEW_TIMEOUT_SECONDS="4",
        LINK_PREVIEW_SITE_RATE_LIMIT="1000/60",
    )
    yield server
    server.stop()


@pytest.fixture
def site(general):
    with Site() as site:
        site.serve(
            "/walks", page("Walks in the hills", "Five routes", image="/hills.png")
        )
        site.serve_picture("/hills.png")
        yield site


def previews_of(page):
    return page.locator("#messages .message .link-preview")


def test_a_preview_is_read_once_for_three_readers(
    open_page, chat_server, site, alice, bob
):
    carol = sign_up("carol")
    pages = [open_page(person=person) for person in (alice, bob, carol)]
    for reader in pages:
        join_room(reader)
    url = site.url("/walks")
    send_message(pages[0], f"For Saturday: {url}")
    for reader in pages:
        preview = previews_of(reader)
        expect(preview).to_have_count(1)
        title = preview.locator("a.link-preview-title")
        expect(title).to_have_text("Walks in the hills")
        expect(title).to_have_attribute("href", url)
        expect(preview.locator(".link-preview-description")).to_have_text("Five routes")
        image = preview.locator("img.link-preview-image")
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0
        # The chat's own copy: no reader's browser asks the site.
        assert image.evaluate("img => img.src").startswith(chat_server.url + "/")
    # A reader who comes later is drawn it with the page.
    later = open_page(person=carol)
    expect(previews_of(later).locator("a.link-preview-title")).to_have_count(1)
    assert (site.hits["/walks"], site.hits["/hills.png"]) == (1, 1)
    pages[1].screenshot(path=Path("tests/artifacts/link-preview-bob.png"))


def test_a_hostile_title_is_shown_as_text(open_page, site, alice):
    site.serve("/hostile", f"<head><title>{HOSTILE}</title></head>")
    reader = open_page(person=alice)
    join_room(reader)
    send_message(reader, f"look {site.url('/hostile')}")
    title = previews_of(reader).locator("a.link-preview-title")
    expect(title).to_have_text(HOSTILE)
    expect(
        previews_of(reader).locator("script, img:not(.link-preview-image)")
    ).to_have_count(0)
    assert reader.evaluate("window.pwned") is None
    assert reader.errors == []


def test_a_silent_page_and_a_huge_one_cost_only_their_own_previews(
    open_page, chat_server, site, alice, bob
):
    site.never_answer("/silent")
    site.endless_head("/huge")
    author, reader = open_page(person=alice), open_page(person=bob)
    join_room(author)
    join_room(reader)
    memory_before = resident_kb(chat_server)
    started = time.monotonic()
    send_message(author, f"silent {site.url('/silent')}")
    send_message(author, f"huge {site.url('/huge')}")
    send_message(author, f"fine {site.url('/walks')}")
    # Shown at once, each, and the good page's preview well within the
    # others' deadline (4 s).
    expect(message_bodies(reader)).to_have_count(3, timeout=2000)
    fine = reader.locator("#messages .message", has_text="fine")
    expect(fine.locator(".link-preview")).to_have_count(1, timeout=3000)
    assert time.monotonic() - started < 4
    time.sleep(5)  # past every deadline
    expect(previews_of(reader)).to_have_count(1)
    assert site.sent["/huge"] < 16 * 1024 * 1024  # of 100 MB
    assert resident_kb(chat_server) - memory_before < 40_000
    assert site.hits["/silent"] == 1


def test_the_author_removes_a_preview_for_everyone(open_page, site, alice, bob):
    author, reader = open_page(person=alice), open_page(person=bob)
    join_room(author)
    join_room(reader)
    send_message(author, f"see {site.url('/walks')}")
    expect(previews_of(reader)).to_have_count(1)
    # Only the author is offered it.
    expect(previews_of(reader).locator(".link-preview-remove")).to_be_hidden()
    previews_of(author).locator(".link-preview-remove button").click()
    for page_ in (author, reader):
        expect(previews_of(page_)).to_have_count(0)
    expect(message_bodies(reader)).to_have_text([f"see {site.url('/walks')}"])


def test_without_javascript_the_author_removes_a_preview(
    open_page, site, general, alice
):
    general.post(alice.user, f"see {site.url('/walks')}")
    wait_for(LinkPreview.objects.exists)
    author = open_page(person=alice, javascript=False)
    expect(previews_of(author)).to_have_count(1)
    previews_of(author).locator(".link-preview-remove button").click()
    expect(author.locator("h1")).to_have_text("Remove this link's preview?")
    author.locator("#remove-preview button").click()
    expect(author.locator("#messages .message")).to_have_count(1)
    expect(previews_of(author)).to_have_count(0)
    assert not LinkPreview.objects.exists()


def resident_kb(server):
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1])
