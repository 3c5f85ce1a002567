"""Setting up the chat, deciding who may join, and the people page, in
Chromium, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from ..conftest import ARTIFACTS, PASSWORD, sign_up
from ..files import camera_photo
from .conftest import join_room, message_bodies, send_message

pytestmark = pytest.mark.browser


def fill_sign_up(page, username):
    page.locator("#id_username").fill(username)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#signup button[type=submit]").click()


def test_the_first_visitor_sets_up_the_chat_and_lets_only_the_invited_in(
    open_page, chat_server, general
):
    founder = open_page("/")
    expect(founder).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(founder.locator("#first-run")).to_contain_text("administrator")
    fill_sign_up(founder, "founder")
    expect(founder).to_have_url(re.compile(r"/rooms/general/$"))
    join_room(founder)

    founder.locator("a.account-people").click()
    founder.get_by_label("Only people with the join link or an invitation").check()
    founder.locator("#sign-up-mode button[type=submit]").click()
    expect(founder.locator("#people-notice")).to_contain_text("only people")
    link = founder.locator("#join-link").input_value()
    expect(founder.locator("#join-link + button.copy-button")).to_be_visible()

    stranger = open_page("/accounts/signup/", javascript=False)
    expect(stranger.locator("#signup-refused")).to_contain_text("by invitation")
    stranger.goto(link)
    fill_sign_up(stranger, "newcomer")
    expect(stranger).to_have_url(re.compile(r"/rooms/general/$"))

    founder.locator("#reset-join-link button").click()
    expect(founder.locator("#people-notice")).to_contain_text("old one no longer")
    new_link = founder.locator("#join-link").input_value()
    assert new_link != link
    late = open_page("/accounts/login/")
    late.goto(link)
    expect(late.locator("#signup-refused")).to_contain_text("does not work")
    late.goto(new_link)
    fill_sign_up(late, "latecomer")
    expect(late).to_have_url(re.compile(r"/rooms/general/$"))

    founder.locator("#id_note").fill("Grace")
    founder.locator("#invite button[type=submit]").click()
    invitation = founder.locator("#new-invitation-link").input_value()
    grace = open_page("/accounts/login/", javascript=False)
    grace.goto(invitation)
    fill_sign_up(grace, "grace")
    expect(grace).to_have_url(re.compile(r"/rooms/general/$"))
    again = open_page("/accounts/login/", javascript=False)
    again.goto(invitation)
    expect(again.locator("#signup-refused")).to_be_visible()
    founder.goto(chat_server.url + "/people/")
    expect(founder.locator(".invitation.is-used")).to_contain_text("used by grace")
    assert not founder.errors


def test_the_people_page_works_without_javascript(open_page, general, alice, bob):
    alice.user.is_staff = alice.user.is_superuser = True
    alice.user.save()
    bob_page = open_page(person=bob)
    join_room(bob_page)

    people = open_page("/people/", person=alice, javascript=False)
    row = people.locator('tr[data-person="bob"]')
    row.get_by_role("button", name="Make administrator").click()
    expect(people.locator("#people-notice")).to_contain_text(
        "bob: made an administrator"
    )
    expect(row).to_have_class(re.compile(r"\bis-administrator\b"))
    row.get_by_text("Deactivate…").click()  # asks first
    row.get_by_role("button", name="Deactivate").click()
    expect(people.locator("#people-notice")).to_contain_text("bob: deactivated")
    expect(row).to_have_class(re.compile(r"\bis-inactive\b"))
    # His open tab is closed at once, as after a password change.
    expect(bob_page.locator("#connection")).to_have_attribute("data-state", "closed")
    log = people.locator("#administration-log li")
    expect(log.first).to_contain_text("alice deactivated bob")
    expect(log.nth(1)).to_contain_text("alice made an administrator bob")
    people.screenshot(path=ARTIFACTS / "people-page.png", full_page=True)

    people.locator('tr[data-person="alice"]').get_by_role(
        "button", name="Remove as administrator"
    ).click()
    expect(people.locator("#people-notice")).to_contain_text(
        "at least one administrator"
    )


def test_a_ban_deletes_the_messages_live_and_closes_the_tabs(
    open_page, general, alice, bob
):
    alice.user.is_staff = alice.user.is_superuser = True
    alice.user.save()
    carol = sign_up("carol")
    bob_page, carol_page = open_page(person=bob), open_page(person=carol)
    join_room(bob_page)
    join_room(carol_page)
    send_message(bob_page, "buy cheap watches")
    send_message(carol_page, "no thanks")
    send_message(bob_page, "really cheap")
    expect(message_bodies(carol_page)).to_have_count(3)

    people = open_page("/people/", person=alice)
    people.locator('tr[data-person="bob"] a.person-ban').click()
    expect(people.locator("#ban")).to_contain_text("all 2 of their messages")
    people.locator("#ban button[type=submit]").click()
    expect(people.locator("#people-notice")).to_contain_text(
        "bob: banned, 2 messages deleted."
    )

    expect(carol_page.locator("article.message.message-deleted")).to_have_count(2)
    expect(message_bodies(carol_page)).to_have_text(["no thanks"])
    expect(bob_page.locator("#connection")).to_have_attribute("data-state", "closed")
    assert not carol_page.errors


def test_a_new_name_and_picture_show_live_to_someone_in_the_room(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(bob_page, "who am I?")
    send_message(alice_page, "you are @bob")
    mention = alice_page.locator(f'#messages a.mention[data-user="{bob.pk}"]')
    expect(mention).to_have_text("@bob")
    author = alice_page.locator(
        f'#messages article[data-author="{bob.pk}"] .message-author'
    )
    expect(author).to_have_text("bob")
    avatar = alice_page.locator(f'#messages article[data-author="{bob.pk}"] img.avatar')
    expect(avatar).to_have_attribute("src", re.compile(r"/people/bob/avatar/\?v=0$"))
    alice_page.wait_for_function(  # the initials, drawn
        "img => img.complete && img.naturalWidth > 0", arg=avatar.element_handle()
    )

    profile = open_page("/accounts/profile/", person=bob)
    profile.locator("#id_display_name").fill("Bob Dylan")
    profile.locator("#id_avatar").set_input_files(
        files=[
            {
                "name": "me.jpg",
                "mimeType": "image/jpeg",
                "buffer": camera_photo((600, 400)),
            }
        ]
    )
    profile.locator("#profile-form button[type=submit]").click()
    expect(profile.locator("h1.profile-name")).to_have_text("Bob Dylan")

    expect(author).to_have_text("Bob Dylan")
    expect(avatar).to_have_attribute("src", re.compile(r"/people/bob/avatar/\?v=1$"))
    expect(mention).to_have_text("@Bob Dylan")
    expect(alice_page.locator(f'#online [data-person="{bob.pk}"]')).to_have_text(
        "Bob Dylan"
    )
    alice_page.wait_for_function(
        "img => img.complete && img.naturalWidth === 256", arg=avatar.element_handle()
    )
    # The page drawn afresh says the same.
    alice_page.reload()
    expect(author).to_have_text("Bob Dylan")
    alice_page.screenshot(path=ARTIFACTS / "profile-live.png")
    assert not alice_page.errors and not bob_page.errors


def test_anyone_finds_someone_in_the_directory_and_messages_them(
    open_page, general, alice, bob
):
    sign_up("carol")
    page = open_page("/", person=alice, javascript=False)
    page.locator("a.account-people").click()
    people = page.locator("#people-directory .person")
    expect(people).to_have_count(3)
    expect(page.locator("#sign-up-mode")).to_have_count(0)  # no tools
    page.locator("#people-q").fill("BO")
    page.locator("#people-q").press("Enter")
    expect(people).to_have_count(1)
    expect(people).to_contain_text("@bob")
    page.screenshot(path=ARTIFACTS / "people-directory.png", full_page=True)
    people.get_by_role("link", name="Message bob").click()
    expect(page.locator("#room-name")).to_have_text("alice, bob")
