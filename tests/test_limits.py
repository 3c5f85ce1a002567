"""Posting too fast is refused with a clear message; nobody else is held up."""

import pytest

from rooms.models import Message

from .conftest import start_chat_server
from .test_socket import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    server = start_chat_server("limits", django_db_blocker, MESSAGE_RATE_LIMIT="3/10")
    yield server
    server.stop()


async def test_posting_too_fast_is_refused_and_the_text_kept(
    server, general, alice, bob
):
    async with open_tab(server, person=alice) as a, open_tab(server, person=bob) as b:
        writer, reader = Tab(a), Tab(b)
        await reader.expect("bob joined")
        for n in range(4):
            await writer.send(action="send", message=f"quick {n}")
        await writer.expect("You are sending messages too fast.")
        assert 'value="quick 3"' in writer.seen
        await reader.expect("quick 2")
        # The limit is alice's own: bob goes on talking.
        await reader.send(action="send", message="bob is fine")
        await writer.expect("bob is fine")
    assert "quick 3" not in reader.seen
    assert await Message.objects.acount() == 4
