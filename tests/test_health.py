"""/healthz answers 200 only when the database and the channel layer work."""

import shutil
import time
import urllib.error
import urllib.request

import pytest

from .conftest import PrivateRedis, require, start_chat_server


def get_health(server):
    try:
        response = urllib.request.urlopen(f"{server.url}/healthz", timeout=10)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    return response.status, response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_healthy_server_answers_ok(chat_server):
    assert get_health(chat_server) == (200, "ok")


@pytest.mark.django_db(transaction=True)
def test_a_redis_outage_is_a_503_that_names_it_until_redis_returns(django_db_blocker):
    require(shutil.which("redis-server"), "redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    server = start_chat_server(
        "health-redis-back", django_db_blocker, REDIS_URL=redis.url
    )
    try:
        assert get_health(server) == (200, "ok")
        redis.stop()
        status, reason = get_health(server)
        assert status == 503
        assert reason.startswith("channel layer:")
        redis.start()
        assert wait_until_healthy(server, seconds=10)
    finally:
        server.stop()
        redis.stop()


def wait_until_healthy(server, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if get_health(server)[0] == 200:
            return True
        time.sleep(0.5)
    return False
