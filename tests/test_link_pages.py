"""Reading a linked page's head for its preview: real pages on a loopback
site, the guard, the caps and the deadline."""

import io
import os
import socket
import time

import pytest
from PIL import Image

from accounts import outbound
from rooms.sweeps import link_pages

from .files import camera_photo, picture
from .hostile_payloads import PRIVATE_URLS
from .link_sites import MB, Site, page

pytestmark = pytest.mark.one_run("postgres")  # no database


@pytest.fixture
def site():
    with Site() as site:
        yield site


def read(url, seconds=3):
    return link_pages.read_page(url, seconds=seconds, allow_private=True)


def test_open_graph_comes_first_then_the_title(site):
    site.serve(
        "/og",
        page("The OG title", "What it is about", head_extra="<title>Plain</title>"),
    )
    site.serve("/plain", "<html><head><title> A  plain\n title </title></head>")
    found = read(site.url("/og"))
    assert (found.title, found.description) == ("The OG title", "What it is about")
    assert found.url == site.url("/og")
    found = read(site.url("/plain"))
    assert (found.title, found.description) == ("A plain title", "")


def test_a_page_with_only_a_description_is_titled_by_its_site(site):
    site.serve("/desc", '<head><meta name="description" content="Just this">')
    found = read(site.url("/desc"))
    assert (found.title, found.description) == ("127.0.0.1", "Just this")


def test_a_page_with_nothing_to_say_has_no_preview(site):
    site.serve("/bare", "<html><head></head><body><title>late</title></body>")
    site.serve("/json", '{"title": "no"}', "application/json")
    assert read(site.url("/bare")) is None
    assert read(site.url("/json")) is None


def test_a_hostile_title_is_words_cut_to_length(site):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    site.serve("/hostile", f"<head><title>{hostile}</title></head>")
    site.serve("/long", page("t" * 5000, "d" * 5000))
    assert read(site.url("/hostile")).title == hostile
    found = read(site.url("/long"))
    assert len(found.title) == 200 and found.title.endswith("…")
    assert len(found.description) == 300


def test_the_picture_is_fetched_shrunk_and_stripped(site):
    site.serve("/page", page("With a photo", image="/photo.jpg"))
    site.serve("/photo.jpg", camera_photo((1600, 1200)), "image/jpeg")
    found = read(site.url("/page"))
    shown = Image.open(io.BytesIO(found.picture.data))
    # Turned upright as the camera asked, at most 240 px a side, no EXIF.
    assert shown.size == (180, 240)
    assert not shown.getexif()
    assert (found.picture.width, found.picture.height) == (90, 120)
    assert site.hits["/photo.jpg"] == 1


def test_a_picture_that_is_not_one_or_too_large_is_left_out(site):
    site.serve("/fake", page("Fake", image="/fake.png"))
    site.serve("/fake.png", b"<svg onload=alert(1)>", "image/png")
    site.serve("/big", page("Big", image="/big.png"))
    site.serve("/big.png", noise((2000, 2000)), "image/png")  # 12 MB
    site.serve("/fair", page("Fair", image="/fair.png"))
    site.serve("/fair.png", noise((1500, 1500)), "image/png")  # 6.75 MB
    assert read(site.url("/fake")).picture is None
    assert read(site.url("/big")).picture is None
    assert read(site.url("/fair")).picture is not None


def noise(size):
    """A PNG that hardly compresses: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "PNG")
    return out.getvalue()


def test_a_few_redirects_are_followed_each_checked(site):
    site.redirect("/short", "/long/way")
    site.serve("/long/way", page("Arrived"))
    for n in range(5):
        site.redirect(f"/loop{n}", f"/loop{n + 1}")
    assert read(site.url("/short")).title == "Arrived"
    assert read(site.url("/loop0")) is None
    assert site.hits["/loop4"] == 0  # three redirects, no more


def test_a_compressed_answer_is_refused_unread(site):
    site.serve("/zipped", b"\x1f\x8b" + b"\0" * 100, Content_Encoding="gzip")
    assert read(site.url("/zipped")) is None


def test_a_page_that_never_answers_ends_at_the_deadline(site):
    site.never_answer("/silent")
    site.drip("/drip", every=0.2)
    for path in ("/silent", "/drip"):
        started = time.monotonic()
        assert read(site.url(path), seconds=1) is None
        assert time.monotonic() - started < 2


def test_a_huge_page_is_read_only_to_its_cap(site):
    site.endless_head("/huge")
    started = time.monotonic()
    assert read(site.url("/huge")) is None
    assert time.monotonic() - started < 3
    # What loopback's buffers took before the reader hung up; far from 100 MB.
    assert site.sent["/huge"] < 16 * MB


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_addresses_and_plain_http_are_refused(url):
    assert link_pages.read_page(url, seconds=1) is None


def test_loopback_is_never_reached_without_allow_private(site, monkeypatch):
    site.serve("/page", page("Private"))
    # As if the site spoke https: the guard refuses its address first.
    monkeypatch.setattr(link_pages, "may_fetch", lambda url, allow_private: True)
    assert link_pages.read_page(site.url("/page"), seconds=1) is None
    assert site.hits["/page"] == 0


def test_the_address_checked_is_the_one_connected_to(monkeypatch):
    """DNS rebinding: one lookup, checked, and that address connected to."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    reached = []

    def rebinding(host, port, *args, **kwargs):
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def connect(address, *args, **kwargs):
        reached.append(address[0])
        raise OSError("not on this test's network")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(outbound, "create_connection", connect)
    assert link_pages.read_page("https://rebinding.example/", seconds=1) is None
    assert reached == ["93.184.216.34"]


def test_a_gif_picture_is_kept_still(site):
    frames = [Image.new("RGB", (50, 40), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    site.serve("/anim", page("Moving", image="/anim.gif"))
    site.serve("/anim.gif", out.getvalue(), "image/gif")
    site.serve("/plain.png", picture((30, 20)), "image/png")
    found = read(site.url("/anim"))
    assert found.picture.content_type == "image/png"
    assert not getattr(Image.open(io.BytesIO(found.picture.data)), "is_animated", 0)


def test_a_page_in_another_charset_or_with_twitter_tags_reads_right(site):
    latin = '<head><meta name="twitter:title" content="Café">'.encode("latin-1")
    site.serve("/latin", latin, "text/html; charset=ISO-8859-1")
    site.serve("/odd", "<head><title>Plain</title>", "text/html; charset=nonsense")
    assert read(site.url("/latin")).title == "Café"
    assert read(site.url("/odd")).title == "Plain"
