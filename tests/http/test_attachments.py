"""Files posted with messages: stored, drawn, served safely, deleted.

The storage is real: the disk under MEDIA_ROOT, or an S3-compatible server
(moto's) on loopback, which the chat reaches through django-storages and
boto3 exactly as it would a provider's.
"""

import io
import re
import tracemalloc
import unicodedata
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.utils.datastructures import MultiValueDict
from PIL import Image

from accounts import pictures
from rooms.messages import posting
from rooms.messages.uploads import MAX_NAME_BYTES, prepare, safe_name
from rooms.models import Attachment, Message, Room

from ..files import (
    ORIENTATION,
    PDF,
    SVG,
    animation,
    camera_photo,
    gif_bomb,
    opened,
    picture,
    with_metadata,
)
from ..hostile_payloads import PAYLOADS

pytestmark = pytest.mark.django_db


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/x-whatever")


def post(client, *files, message="", room="general", **headers):
    data = {"message": message, "attachments": list(files)}
    return client.post(f"/rooms/{room}/messages/", data, headers=headers)


def fetch(client, url):
    """GET url as client; follow a redirect to storage. Return (headers, body)."""
    response = client.get(url)
    if response.status_code == 302:
        assert "Signature=" in response["Location"] or "X-Amz-" in response["Location"]
        with urllib.request.urlopen(response["Location"]) as stored:
            return stored.headers, stored.read()
    assert response.status_code == 200, response.status_code
    return response.headers, b"".join(response.streaming_content)


def only_attachment():
    return Attachment.objects.get()


def test_a_picture_is_stored_shown_inline_at_its_size_and_served_as_itself(
    alice_client, general, storage
):
    response = post(
        alice_client, upload("lunch.png", picture((40, 30))), message="look"
    )
    assert response.status_code == 302
    attachment = only_attachment()
    assert attachment.message.body == "look"
    assert (attachment.content_type, attachment.width, attachment.height) == (
        "image/png",
        40,
        30,
    )
    page = alice_client.get("/rooms/general/").content.decode()
    image = re.search(r'<div class="message-attachments">.*?</div>', page, re.S)[0]
    assert (
        f'<a class="attachment-image-link" href="/attachments/{attachment.pk}/"'
        in image
    )
    assert (
        f'<img class="attachment-image" src="/attachments/{attachment.pk}/thumbnail/" '
        'width="40" height="30" alt="lunch.png"'
    ) in image

    headers, body = fetch(alice_client, f"/attachments/{attachment.pk}/thumbnail/")
    assert opened(body).format == "PNG"
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"].startswith("inline")
    if storage == "disk":
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_camera_photo_stands_upright_without_its_metadata(
    alice_client, general, storage
):
    post(alice_client, upload("IMG_0001.JPG", camera_photo((4000, 3000))))
    attachment = only_attachment()
    # Turned upright: 3000 wide, 4000 high; its thumbnail within 1200 × 800,
    # shown within 600 × 400.
    assert (attachment.width, attachment.height) == (300, 400)
    _, full = fetch(alice_client, f"/attachments/{attachment.pk}/")
    _, thumbnail = fetch(alice_client, f"/attachments/{attachment.pk}/thumbnail/")
    for data, size in ((full, (3000, 4000)), (thumbnail, (600, 800))):
        image = opened(data)
        assert (image.format, image.size) == ("JPEG", size)
        assert dict(image.getexif()) == {}
        assert b"PhoneCo" not in data
    assert ORIENTATION  # the photo had one: tests/files.py


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("drawing.svg", SVG, "application/octet-stream"),
        (
            "page.html",
            b"<!doctype html><script>window.__pwned=1</script>",
            "application/octet-stream",
        ),
        ("report.pdf", PDF, "application/pdf"),
        (
            "notes.png",
            b"\x89PNG\r\n\x1a\nnot really a picture",
            "application/octet-stream",
        ),
    ],
)
def test_anything_but_a_picture_is_a_download_whatever_its_name(
    alice_client, general, storage, name, data, content_type
):
    post(alice_client, upload(name, data))
    attachment = only_attachment()
    assert attachment.content_type == content_type
    assert not attachment.is_image
    page = alice_client.get("/rooms/general/").content.decode()
    assert (
        f'<a class="attachment-file" href="/attachments/{attachment.pk}/" download>'
        f'<span class="attachment-name">{name}</span> '
        f'<span class="attachment-size">{len(data)}\xa0bytes</span></a>'
    ) in page
    assert "attachment-image" not in page
    headers, body = fetch(alice_client, f"/attachments/{attachment.pk}/")
    assert body == data
    assert headers["Content-Disposition"].startswith("attachment")
    if storage == "disk":
        assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_picture_named_anything_is_shown_as_the_picture_it_is(alice_client, general):
    post(alice_client, upload("setup.exe", picture(format="GIF")))
    assert only_attachment().content_type == "image/gif"


def test_an_animation_keeps_moving(alice_client, general):
    gif = animation()
    post(alice_client, upload("dance.gif", gif))
    _, body = fetch(alice_client, f"/attachments/{only_attachment().pk}/")
    assert body == gif
    assert opened(body).n_frames == 3


def test_deleting_the_message_deletes_its_files(
    alice_client, general, storage, django_capture_on_commit_callbacks
):
    post(alice_client, upload("big.jpg", camera_photo((2400, 1600))), message="bye")
    attachment = only_attachment()
    names = [attachment.file.name, attachment.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/messages/{attachment.message.pk}/delete/")
    assert not Attachment.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert alice_client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_a_message_may_be_files_alone(alice_client, general):
    post(alice_client, upload("a.png", picture()), upload("b.pdf", PDF))
    message = Message.objects.get()
    assert message.body == ""
    assert [a.name for a in message.attachments.all()] == ["a.png", "b.pdf"]


def test_an_oversize_file_is_refused_the_text_kept_and_nothing_stored(
    alice_client, general, settings
):
    settings.MAX_UPLOAD_BYTES = 1000
    stored = list_stored()
    files = upload("fine.png", picture()), upload("huge.pdf", PDF + b"x" * 2000)
    response = post(alice_client, *files, message="see this")
    assert response.status_code == 400
    page = response.content.decode()
    assert "“huge.pdf” is 2.0\xa0KB; a file can be at most 1000\xa0bytes." in page
    assert ">see this</textarea>" in page
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert list_stored() == stored


def test_an_upload_from_the_composer_is_answered_with_the_composer(
    alice_client, general
):
    refused = post(alice_client, message="", HX_Request="true")
    assert refused.status_code == 400
    assert "A message can&#x27;t be empty." in refused.content.decode()
    sent = post(
        alice_client, upload("a.png", picture()), message="hi", HX_Request="true"
    )
    assert sent.status_code == 200
    assert re.search(
        r'<textarea id="composer-message"[^>]*></textarea>', sent.content.decode()
    )
    assert Message.objects.get().body == "hi"


def test_too_many_files_at_once_are_refused(alice_client, general, settings):
    settings.MAX_ATTACHMENTS = 2
    response = post(alice_client, *(upload(f"{n}.png", picture()) for n in range(3)))
    assert response.status_code == 400
    assert "Attach at most 2 files to a message." in response.content.decode()
    assert not Attachment.objects.exists()


def test_files_a_minute_are_limited(alice_client, general, settings):
    settings.UPLOAD_RATE_LIMIT = (3, 60)
    assert (
        post(
            alice_client, upload("1.png", picture()), upload("2.png", picture())
        ).status_code
        == 302
    )
    response = post(
        alice_client, upload("3.png", picture()), upload("4.png", picture())
    )
    assert response.status_code == 400
    assert "You can post 3 files in 60 seconds." in response.content.decode()
    assert Attachment.objects.count() == 2


def test_a_picture_too_large_to_decode_safely_is_refused(alice_client, general):

    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")  # 60 million pixels, tiny
    response = post(alice_client, upload("bomb.png", out.getvalue()))
    assert response.status_code == 400
    assert (
        "“bomb.png” is too large a picture: at most 50 million pixels in all its "
        "frames." in response.content.decode()
    )


def test_a_bomb_of_many_large_frames_is_refused_before_decoding(alice_client, general):
    # 16 frames of 5000×5000: each under the limit, 400 million in all.
    response = post(alice_client, upload("bomb.gif", gif_bomb()), message="see this")
    page = response.content.decode()
    assert response.status_code == 400
    assert "“bomb.gif” is too large a picture" in page
    assert ">see this</textarea>" in page  # the text kept
    assert not Message.objects.exists()
    # Two such frames are within it, and decoded.
    assert prepare(SimpleUploadedFile("ok.gif", gif_bomb((2000, 2000), 2))).thumbnail


def test_large_pictures_take_turns_and_a_small_one_never_waits(monkeypatch):
    budget = pictures.PixelBudget(1500)
    monkeypatch.setattr(pictures, "budget", budget)
    large, small = picture(size=(40, 30)), picture(size=(10, 10))
    with budget.decoding(1000):  # another picture, being decoded
        assert prepare(SimpleUploadedFile("small.png", small)).width == 10
        waiting = ThreadPoolExecutor(1).submit(
            prepare, SimpleUploadedFile("large.png", large)
        )
        with pytest.raises(TimeoutError):
            waiting.result(timeout=0.2)
    assert waiting.result(timeout=5).width == 40
    assert budget.in_use == 0


def test_a_private_rooms_files_are_only_for_its_members(
    alice_client, bob_client, general
):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.members.add(alice_client.user)
    post(alice_client, upload("plan.png", picture()), room="secret")
    post(alice_client, upload("open.png", picture()))
    private, public = Attachment.objects.order_by("pk")
    for url in (f"/attachments/{private.pk}/", f"/attachments/{private.pk}/thumbnail/"):
        assert alice_client.get(url).status_code == 200
        assert bob_client.get(url).status_code == 404
        assert Client().get(url).status_code == 404
    # An open room's pictures are for anyone who may read it.
    assert Client().get(f"/attachments/{public.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ada\\photo.png", "photo.png"),
        ("\u202egnp.exe", "gnp.exe"),
        ("zero\u200bwidth\x00and\tbell.txt", "zerowidth and bell.txt"),
        ("x." + "e" * 20, "x." + "e" * 20),
        ("  ..hidden.txt  ", "hidden.txt"),
        ("", "file"),
        ("...", "file"),
        ("a" * 300 + ".pdf", "a" * (MAX_NAME_BYTES - 4) + ".pdf"),
        ("é" * 200 + ".png", "é" * ((MAX_NAME_BYTES - 4) // 2) + ".png"),
    ],
)
def test_file_names_are_made_safe(given, kept):
    assert safe_name(given) == kept


def list_stored():
    try:
        _, files = default_storage.listdir("attachments")
    except FileNotFoundError:
        return []
    return files


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_every_hostile_name_is_made_a_plain_file_name(payload):
    name = safe_name(payload)
    assert name and len(name.encode()) <= MAX_NAME_BYTES
    assert not {"/", "\\"} & set(name) and not name.startswith(".")
    assert all(unicodedata.category(c)[0] != "C" for c in name)


@pytest.mark.parametrize(
    ("format", "frames", "shown_as"),
    [
        ("JPEG", 1, "image/jpeg"),
        ("PNG", 1, "image/png"),
        ("WEBP", 1, "image/webp"),
        ("PNG", 2, "image/png"),  # an animated PNG
        ("WEBP", 2, "image/webp"),
        ("MPO", 2, "image/jpeg"),  # a JPEG with a second picture in it
    ],
)
def test_no_picture_keeps_its_camera_metadata(format, frames, shown_as):
    upload = prepare(SimpleUploadedFile("p", with_metadata(format, frames)))
    assert upload.content_type == shown_as
    assert b"PhoneCo" not in upload.data
    assert dict(opened(upload.data).getexif()) == {}


def test_a_damaged_picture_is_refused_not_stored_as_it_came():
    damaged = camera_photo((400, 300))[:2000]
    with pytest.raises(ValidationError, match="could not be read as a picture"):
        prepare(SimpleUploadedFile("cut.jpg", damaged))


def test_a_picture_over_pillows_own_limit_is_refused_too():
    out = io.BytesIO()
    Image.new("1", (20_000, 12_000)).save(out, "PNG")  # 240 million pixels
    with pytest.raises(ValidationError, match="too large a picture"):
        prepare(SimpleUploadedFile("bomb.png", out.getvalue()))


def test_a_large_file_goes_to_storage_in_chunks_never_whole_in_memory(
    alice_client, general
):
    """Ten files of 10 MiB may come with one message: none is read whole."""
    size = 8 * 1024 * 1024
    uploaded = TemporaryUploadedFile("backup.tar", "application/x-tar", size, None)
    for _ in range(size // 65536):  # as Django's upload handler writes it
        uploaded.write(b"\x1f" * 65536)
    uploaded.seek(0)
    files = MultiValueDict({"attachments": [uploaded]})
    # Once before, as a running server has: templates compiled, modules read.
    warm_up = MultiValueDict({"attachments": [upload("small.tar", b"\x1f" * 10)]})
    posting.post(general, alice_client.user, {"message": ""}, warm_up)

    tracemalloc.start()
    try:
        posted = posting.post(general, alice_client.user, {"message": ""}, files)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not posted.refused
    assert peak < size / 4, peak
    with Attachment.objects.get(name="backup.tar").file.open("rb") as stored:
        assert sum(len(chunk) for chunk in stored.chunks()) == size
