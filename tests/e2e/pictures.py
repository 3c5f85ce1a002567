"""Pictures compared with the approved ones in tests/e2e/screenshots/.

A template or style change that moves pixels fails; `make screenshots`
takes them again, and the picture diff in the commit is what a designer
reviews. On failure the new picture and a diff (changed pixels in red)
land in tests/artifacts/screenshots/.
"""

import base64
import os
from pathlib import Path

from site_config.gallery import exhibits

from ..conftest import ARTIFACTS
from .conftest import person_context

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


def check(comparer, name, picture):
    """Fail if picture differs from the approved one (or write it, updating)."""
    approved = APPROVED / f"{name}.png"
    if UPDATE:
        APPROVED.mkdir(exist_ok=True)
        approved.write_bytes(picture)
        return
    assert approved.exists(), f"no approved {approved.name}: run make screenshots"
    if picture == approved.read_bytes():
        return  # the same pixels encode to the same bytes: nothing to compare
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


def gallery_failures(browser, chat_server, comparer, scheme):
    """Picture every gallery exhibit in this colour scheme; return what differs."""
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
    return failures
