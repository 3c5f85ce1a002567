"""Bots' webhooks are never called on private or loopback addresses
unless WEBHOOK_ALLOW_PRIVATE: a server of its own, without it (every
server on the test database sweeps for webhooks, so this one is alone)."""

import socket
import time

import pytest
import requests

from accounts import bots, outbound
from rooms.models import Delivery, Message

from .conftest import start_chat_server
from .hostile_payloads import PRIVATE_URLS
from .test_api import Receiver, bearer, messages_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def guarded_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "webhook-guard", django_db_blocker, WEBHOOK_SWEEP_SECONDS="0.1"
    )
    yield server
    server.stop()


def test_a_webhook_on_loopback_is_not_called(guarded_server, general, alice):
    helper, _ = bots.create("helper", "", by=alice.user)
    _, asker_key = bots.create("asker", "", by=alice.user)
    with Receiver(answer="should not be asked") as receiver:
        helper.webhook_url = receiver.url
        helper.save()
        asked = requests.post(
            messages_url(guarded_server),
            json={"message": "@helper are you there?"},
            headers=bearer(asker_key),
        )
        wait_until_delivered(asked.json()["id"])
        assert receiver.calls.empty()
    assert "is not public" in guarded_server.log()
    assert not Message.objects.filter(author=helper.user).exists()


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_addresses_and_plain_http_are_refused(url):
    assert not outbound.may_request(url)


def wait_until_delivered(message_id, timeout=10):
    """Wait until the sweep has read the message and tried its calls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        swept = Message.objects.filter(pk=message_id, swept=True).exists()
        if swept and not Delivery.objects.filter(message=message_id).exists():
            return
        time.sleep(0.05)
    raise AssertionError(f"the webhook sweep never delivered message {message_id}")


def test_a_host_that_answers_a_private_address_second_is_never_reached(
    monkeypatch,
):
    """DNS rebinding: the check's lookup says public, the next says loopback.

    The connection looks up the host itself and connects to the address it
    checked, so the loopback answer is refused, not connected to.
    """
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    reached = []

    def rebinding(host, port, *args, **kwargs):
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def connect(address, *args, **kwargs):
        reached.append(address)
        raise OSError("not on this test's network")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(outbound, "create_connection", connect)
    url = "https://rebinding.example/hook"
    assert outbound.may_request(url)
    with pytest.raises(requests.ConnectionError, match="not on the public internet"):
        outbound.session().post(url, data=b"{}", timeout=1)
    assert reached == []
