"""Files in real Chromium: pasted, dropped, chosen without JavaScript, refused."""

import base64
import time

import pytest
from playwright.sync_api import expect

from rooms.models import Attachment, Room

from ..conftest import ARTIFACTS, PASSWORD
from ..files import PDF, SVG, camera_photo, picture
from .conftest import join_room, message_bodies, set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Hands bytes to the page as files, the way a paste or a drop does.
FILES = """([files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, {type}));
  }
  return transfer;
}"""


def transfer(page, *files):
    encoded = [
        (name, kind, base64.b64encode(data).decode()) for name, kind, data in files
    ]
    return page.evaluate_handle(FILES, [encoded])


def paste(page, *files):
    page.locator("#composer-message").evaluate(
        """(input, transfer) => input.dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true}))""",
        transfer(page, *files),
    )


def drop(page, *files):
    data = transfer(page, *files)
    target = page.locator("#messages")
    target.dispatch_event("dragover", {"dataTransfer": data})
    target.dispatch_event("drop", {"dataTransfer": data})


def attachments_of(page):
    return page.locator("#messages .message-attachments")


def test_a_pasted_screenshot_and_a_dropped_pdf_reach_everyone(two_here_one_away):
    alice_page, bob_page, carol_page = two_here_one_away

    alice_page.locator("#composer-message").fill("the bug, see the picture")
    paste(alice_page, ("image.png", "image/png", picture((800, 600))))
    expect(alice_page.locator("#composer-files")).to_have_js_property("files.length", 1)
    alice_page.locator("#composer-message").press("Enter")
    expect(alice_page.locator("#composer-message")).to_have_value("")
    expect(alice_page.locator("#composer-files")).to_have_js_property("files.length", 0)

    drop(alice_page, ("report.pdf", "application/pdf", PDF))
    alice_page.locator("#composer-message").press("Enter")

    set_hidden(carol_page, False)
    for page in (alice_page, bob_page, carol_page):
        expect(attachments_of(page)).to_have_count(2)
        image = attachments_of(page).first.locator("img.attachment-image")
        expect(image).to_have_attribute("alt", "image.png")
        # Its own pixels, shown within 600 × 400.
        expect(image).to_have_attribute("width", "533")
        expect(image).to_have_attribute("height", "400")
        expect(image).to_have_js_property("naturalWidth", 800)  # it loaded
        file = attachments_of(page).last.locator("a.attachment-file")
        expect(file.locator(".attachment-name")).to_have_text("report.pdf")
        expect(file.locator(".attachment-size")).to_have_text(f"{len(PDF)}\xa0bytes")
    expect(message_bodies(bob_page).first).to_have_text("the bug, see the picture")
    bob_page.screenshot(path=ARTIFACTS / "attachments-bob.png")

    with bob_page.expect_download() as download:
        attachments_of(bob_page).last.locator("a.attachment-file").click()
    assert download.value.suggested_filename == "report.pdf"
    assert download.value.path().read_bytes() == PDF
    assert not alice_page.errors and not bob_page.errors


def test_a_big_photo_reaches_the_other_screen_as_a_thumbnail(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    photo = camera_photo((2800, 2100), noisy=True)  # about 5 MB
    alice_page.locator("#composer-files").set_input_files(
        files=[{"name": "IMG_0042.JPG", "mimeType": "image/jpeg", "buffer": photo}]
    )
    started = time.monotonic()
    alice_page.locator("#composer-message").press("Enter")
    image = attachments_of(bob_page).locator("img.attachment-image")
    expect(image).to_have_js_property("complete", True)
    expect(image).not_to_have_js_property("naturalWidth", 0)
    print(
        f"\n{len(photo) / 1e6:.1f} MB photo -> thumbnail on the other screen: "
        f"{time.monotonic() - started:.2f} s"
    )
    # Upright and within 1200 x 800.
    assert image.evaluate("i => [i.naturalWidth, i.naturalHeight]")[1] == 800


def test_without_javascript_files_post_with_the_form(open_page, general, alice, bob):
    bob_page = open_page(person=bob)
    join_room(bob_page)
    page = open_page(person=alice, javascript=False)
    page.locator("#composer-message").fill("two files")
    page.locator("form#composer input[type=file][name=attachments]").set_input_files(
        files=[
            {"name": "a.png", "mimeType": "image/png", "buffer": picture()},
            {"name": "b.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ]
    )
    page.get_by_role("button", name="Send").click()
    for shown in (page, bob_page):
        expect(attachments_of(shown).locator("img.attachment-image")).to_have_count(1)
        expect(attachments_of(shown).locator("a.attachment-file")).to_have_count(1)


def test_an_oversize_file_is_refused_and_the_text_kept(open_page, general, alice):
    page = open_page(person=alice)
    join_room(page)
    page.locator("#composer-message").fill("keep me")
    page.locator("#composer-files").set_input_files(
        files=[
            {
                "name": "huge.pdf",
                "mimeType": "application/pdf",
                "buffer": PDF + b"x" * 11 * 2**20,
            }
        ]
    )
    page.locator("#composer-message").press("Enter")
    expect(page.locator("#composer-error")).to_contain_text(
        "“huge.pdf” is 11.0\xa0MB; a file can be at most 10.0\xa0MB."
    )
    expect(page.locator("#composer-message")).to_have_value("keep me")
    expect(page.locator("#upload-progress")).to_be_hidden()
    assert not Attachment.objects.exists()


def test_a_private_rooms_file_is_refused_to_others(open_page, chat_server, alice, bob):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.members.add(alice.user)
    page = open_page("/rooms/secret/", person=alice)
    join_room(page)
    page.locator("#composer-files").set_input_files(
        files=[{"name": "plan.png", "mimeType": "image/png", "buffer": picture()}]
    )
    page.locator("#composer-message").press("Enter")
    expect(attachments_of(page).locator("img")).to_have_js_property("complete", True)
    url = chat_server.url + f"/attachments/{Attachment.objects.get().pk}/"
    assert page.request.get(url).status == 200
    for person in (bob, None):
        other = open_page("/", person=person)
        assert other.goto(url).status == 404


def test_an_uploaded_svg_or_html_page_cannot_run(
    open_page, chat_server, general, alice
):
    page = open_page(person=alice)
    join_room(page)
    page.locator("#composer-files").set_input_files(
        files=[
            {"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": SVG},
            {
                "name": "page.html",
                "mimeType": "text/html",
                "buffer": b"<script>window.__pwned=1</script>",
            },
        ]
    )
    page.locator("#composer-message").press("Enter")
    expect(attachments_of(page).locator("a.attachment-file")).to_have_count(2)
    expect(attachments_of(page).locator("img")).to_have_count(0)
    for attachment in Attachment.objects.all():
        response = page.request.get(chat_server.url + f"/attachments/{attachment.pk}/")
        assert response.headers["content-disposition"].startswith("attachment")
        assert response.headers["content-type"] == "application/octet-stream"
        assert (
            response.headers["content-security-policy"] == "sandbox; default-src 'none'"
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        # Opened straight in a tab it is a download, never a page of ours.
        with page.expect_download():
            page.evaluate("url => { location.href = url; }", response.url)
    assert page.evaluate("() => window.__pwned") is None


def test_a_reader_who_signs_in_over_the_socket_attaches_at_once(
    open_page, general, alice
):
    """The sign-in rotates the CSRF token the page was drawn with."""
    reader = open_page()
    join_room(reader)
    reader.locator("#sign-in-username").fill("alice")
    reader.locator("#sign-in-password").fill(PASSWORD)
    with reader.expect_response("**/accounts/session/"):
        reader.locator("#sign-in").get_by_role("button", name="Sign in").click()
    reader.locator("#composer-files").set_input_files(
        files=[{"name": "first.png", "mimeType": "image/png", "buffer": picture()}]
    )
    reader.locator("#composer-message").fill("signed in, then a picture")
    reader.locator("#composer-message").press("Enter")
    expect(attachments_of(reader).locator("img.attachment-image")).to_have_count(1)
    expect(reader.locator("#composer-error")).to_be_empty()
    expect(reader.locator("#composer-message")).to_have_value("")


def test_what_is_typed_during_an_upload_is_kept(open_page, general, alice):
    page = open_page(person=alice)
    join_room(page)
    composer = page.locator("#composer-message")
    photo = camera_photo((2800, 2100), noisy=True)  # long enough to type during
    page.locator("#composer-files").set_input_files(
        files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    composer.fill("the photo")
    composer.press("Enter")
    composer.press_sequentially(" and more")  # while it uploads
    expect(attachments_of(page).locator("img")).to_have_count(1)
    expect(message_bodies(page)).to_have_text(["the photo"])
    expect(composer).to_have_value(" and more")
