"""Phones: no page scrolls sideways, controls fit a finger, the chat installs."""

import pytest
from playwright.sync_api import expect

from rooms.models import Room
from site_config.gallery import exhibits

from .conftest import join_room, person_context

# Page widths: the database does not change them.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_run("sqlite")]

PHONES = [{"width": 390, "height": 844}, {"width": 360, "height": 740}]


def phone(browser, server, viewport, person=None):
    context = person_context(
        browser, server, person, viewport=viewport, is_mobile=True, has_touch=True
    )
    return context, context.new_page()


def skip_frames(route):
    if route.request.frame.parent_frame is not None:
        route.abort()
    else:
        route.continue_()


def scrolls_sideways(page):
    return page.evaluate(
        "() => document.documentElement.scrollWidth"
        " > document.documentElement.clientWidth"
    )


# Every gallery exhibit at the narrowest width, in Spanish, whose words run
# longer; the pages alone at the other, in English.
@pytest.mark.parametrize(
    "viewport, language, with_gallery",
    [(PHONES[0], "en-US", False), (PHONES[1], "es-ES", True)],
    ids=["390px-en", "360px-es"],
)
def test_no_page_scrolls_sideways_on_a_phone(
    browser, chat_server, general, alice, viewport, language, with_gallery
):
    general.post(alice.user, "a word too long for a phone: " + "x" * 90)
    secret = Room.objects.create(
        name="secret", slug="secret", kind="private", created_by=alice.user
    )
    secret.members.add(alice.user)
    anonymous = ["/rooms/general/", "/accounts/login/", "/accounts/signup/"]
    signed_in = [
        "/rooms/general/",
        "/",
        "/search/?q=phone",
        "/rooms/secret/members/",
        "/rooms/new/",
        "/accounts/profile/",
        "/people/",
    ]
    if with_gallery:
        signed_in += ["/gallery/", *(f"/gallery/{e.slug}/" for e in exhibits())]
    for person, paths in [(None, anonymous), (alice, signed_in)]:
        context = person_context(
            browser,
            chat_server,
            person,
            viewport=viewport,
            is_mobile=True,
            has_touch=True,
            locale=language,
        )
        page = context.new_page()
        # The index frames every exhibit; each is visited on its own below.
        page.route("**/gallery/*/", skip_frames)
        wide = []
        for path in paths:
            page.goto(chat_server.url + path)
            assert page.locator("html").get_attribute("lang") == language[:2], path
            if scrolls_sideways(page):
                wide.append(path)
        context.close()
        assert wide == [], f"scroll sideways at {viewport['width']} px in {language}"


def test_the_composer_and_its_controls_fit_a_finger(
    browser, chat_server, general, alice
):
    context, page = phone(browser, chat_server, PHONES[1], alice)
    page.goto(chat_server.url + "/rooms/general/")
    join_room(page)
    controls = page.locator(
        "#composer-message, #composer button[type=submit], .site-search input,"
        " #account button, #account a"
    )
    expect(controls.first).to_be_visible()
    for control in controls.all():
        if not control.is_visible():
            continue  # the password link: the profile page has it on a phone
        box = control.bounding_box()
        assert box["height"] >= 44, control.evaluate("e => e.outerHTML")
        # Every link of the account in sight, none scrolled off the side.
        assert box["x"] + box["width"] <= PHONES[1]["width"], control.inner_text()
    # The header leaves the phone's screen to the room (190 px before).
    assert page.locator(".site-header").bounding_box()["height"] <= 110
    # The message box takes the phone's width, not a sliver of it.
    assert page.locator("#composer-message").bounding_box()["width"] > 250
    context.close()


def test_on_a_phone_edit_and_delete_show_only_on_ones_own_messages(
    browser, chat_server, general, alice, bob
):
    general.post(alice.user, "alice's")
    general.post(bob.user, "bob's")
    context, page = phone(browser, chat_server, PHONES[0], bob)
    page.goto(chat_server.url + "/rooms/general/")
    join_room(page)
    theirs, mine = page.locator("#messages .message").all()
    for action in (".message-edit", ".message-delete"):
        expect(theirs.locator(action)).to_be_hidden()
        expect(mine.locator(action)).to_be_visible()
        assert mine.locator(action).bounding_box()["height"] >= 44
    # The author's name and picture, and a search result, fit a finger too.
    for target in ("a.message-author", "a.message-avatar"):
        assert theirs.locator(target).bounding_box()["height"] >= 44, target
    page.goto(chat_server.url + "/search/?q=alice")
    assert page.locator(".search-result > a").bounding_box()["height"] >= 44
    context.close()


def test_the_chat_is_installable(browser, chat_server, alice):
    context, page = phone(browser, chat_server, PHONES[0], alice)
    page.goto(chat_server.url + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(chat_server.url + href)
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {}
    for icon in manifest["icons"]:
        picture = page.request.get(chat_server.url + icon["src"])
        assert picture.ok and picture.headers["content-type"] == icon["type"]
        sizes[icon["sizes"]] = icon["type"]
    # What Chromium asks of an installable app: PNGs of 192 and 512 px.
    assert sizes["192x192"] == sizes["512x512"] == "image/png"
    context.close()
