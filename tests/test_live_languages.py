"""Sockets in two languages in one room: each broadcast drawn once per
language, and each socket sent its own page's."""

import pytest
from django.utils import translation

from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def in_spanish(english):
    with translation.override("es"):
        spanish = translation.gettext(english)
    assert spanish != english, f"no Spanish for {english!r}"
    return spanish


REACT = "Add a reaction"


async def test_each_socket_gets_the_broadcast_in_its_pages_language(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice, lang="en") as a,
        open_tab(chat_server, person=bob, lang="es") as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await alice_tab.expect("bob")
        await alice_tab.send(action="send", message="hola")
        await bob_tab.expect(r"hola")
        frames = await bob_tab.expect(in_spanish(REACT))
        assert f'aria-label="{REACT}"' not in frames
        await bob_tab.send(action="send", message="hello")
        frames = await alice_tab.expect(r"(?s)hello.*" + REACT)
        assert in_spanish(REACT) not in frames


async def test_a_socket_without_lang_speaks_its_browsers_language(
    chat_server, general, alice, bob
):
    spanish_browser = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob, headers=spanish_browser) as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await alice_tab.expect("bob")
        await alice_tab.send(action="send", message="hola")
        await bob_tab.expect(in_spanish(REACT))
