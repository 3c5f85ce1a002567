"""Pictures of the gallery and of a live room, compared with the approved ones.

The approved pictures live in tests/e2e/screenshots/. A template or style
change that moves pixels fails here; `make screenshots` takes them again,
and the picture diff in the commit is what a designer reviews. On failure
the new picture and a diff (changed pixels in red) land in
tests/artifacts/screenshots/.
"""

import base64
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rooms.models import Message
from site_config.gallery import exhibits

from ..conftest import ARTIFACTS
from .conftest import join_room, message_bodies, person_context, send_message

# Pictures of pages: the database does not change them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.one_run("postgres"),
]

APPROVED = Path(__file__).resolve().parent / "screenshots"
UPDATE = os.environ.get("UPDATE_SCREENSHOTS") == "1"
# A pixel counts as changed when a channel moves by more than this, and a
# picture as changed when more than this share of its pixels did: enough
# for anti-aliasing noise, far too little for a changed word or colour.
CHANNEL_TOLERANCE = 16
PIXEL_TOLERANCE = 0.0002

# Chromium itself compares: both pictures drawn on canvases, pixel by pixel.
COMPARE = """async ([approved, actual, tolerance]) => {
  const load = (data) => new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = "data:image/png;base64," + data;
  });
  const [a, b] = await Promise.all([load(approved), load(actual)]);
  if (a.width !== b.width || a.height !== b.height) {
    return {size: `${a.width}x${a.height} became ${b.width}x${b.height}`};
  }
  const pixels = (image) => {
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height);
  };
  const [pa, pb] = [pixels(a), pixels(b)];
  const diff = new ImageData(a.width, a.height);
  let changed = 0;
  for (let i = 0; i < pa.data.length; i += 4) {
    const moved = [0, 1, 2].some((c) => Math.abs(pa.data[i + c] - pb.data[i + c]) > tolerance);
    changed += moved;
    diff.data.set(moved ? [255, 0, 0, 255] : [pa.data[i], pa.data[i + 1], pa.data[i + 2], 48], i);
  }
  const canvas = new OffscreenCanvas(a.width, a.height);
  canvas.getContext("2d").putImageData(diff, 0, 0);
  const blob = await canvas.convertToBlob({type: "image/png"});
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return {changed: changed / (a.width * a.height), diff: btoa(binary)};
}"""


@pytest.fixture(scope="module")
def comparer(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def check(comparer, name, picture):
    """Fail if picture differs from the approved one (or write it, updating)."""
    approved = APPROVED / f"{name}.png"
    if UPDATE:
        APPROVED.mkdir(exist_ok=True)
        approved.write_bytes(picture)
        return
    assert approved.exists(), f"no approved {approved.name}: run make screenshots"
    pictures = [base64.b64encode(p).decode() for p in (approved.read_bytes(), picture)]
    result = comparer.evaluate(COMPARE, [*pictures, CHANNEL_TOLERANCE])
    if "size" not in result and result["changed"] <= PIXEL_TOLERANCE:
        return
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.png").write_bytes(picture)
    if "diff" in result:
        (out / f"{name}.diff.png").write_bytes(base64.b64decode(result["diff"]))
    change = result.get("size") or f"{result['changed']:.3%} of pixels changed"
    raise AssertionError(f"{name}: {change}; see {out}, or run make screenshots")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_gallery_pictures_match(browser, chat_server, comparer, scheme):
    # Without JavaScript the pictures are of first paint, nothing moving.
    context = person_context(
        browser, chat_server, javascript=False, color_scheme=scheme
    )
    page = context.new_page()
    prefix = "gallery-dark-" if scheme == "dark" else "gallery-"
    failures = []
    for exhibit in exhibits():
        # Emails keep their own colours, and text is text.
        if scheme == "dark" and (exhibit.is_text or exhibit.is_email):
            continue
        page.goto(f"{chat_server.url}/gallery/{exhibit.slug}/")
        shown = page if exhibit.is_page else page.locator("main")
        picture = shown.screenshot(animations="disabled", caret="hide")
        try:
            check(comparer, prefix + exhibit.slug, picture)
        except AssertionError as failure:
            failures.append(str(failure))
    context.close()
    assert failures == []


def test_live_room_picture_matches(open_page, comparer, general, alice, bob):
    Message.objects.create(room=general, author=bob.user, body="Coffee at ten?")
    page = open_page(person=alice)
    join_room(page)
    # Arrivals are announced in batches: let alice's land before she speaks.
    expect(page.locator("#messages .notice")).to_have_text(["alice joined"])
    send_message(page, "On my way, bringing the notes.")
    expect(message_bodies(page)).to_have_count(2)
    expect(page.locator("#composer-message")).to_be_focused()
    # The live message's avatar is fetched once it lands: wait for it. A
    # function, not an expression: Playwright evaluates an expression again
    # on every poll, which the page's CSP refuses outside the first check.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#messages img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    # Times change with every run; a mask keeps their place in the picture.
    picture = page.screenshot(
        animations="disabled", caret="hide", mask=[page.locator(".message-time")]
    )
    check(comparer, "live-room", picture)
