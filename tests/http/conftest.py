"""People signed in over plain HTTP: Django test clients, no server."""

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from moto.server import ThreadedMotoServer

from bench.servers import free_port
from rooms.models import Room

from ..conftest import PASSWORD


def client_for(username):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


# Signed-in test clients, for this folder's tests, which only speak HTTP;
# the suite's alice and bob are people with a session cookie for sockets.
@pytest.fixture
def alice_client(db):
    return client_for("alice")


@pytest.fixture
def bob_client(db):
    return client_for("bob")


@pytest.fixture
def carol_client(db):
    return client_for("carol")


# This folder's tests use a plain database, not the suite's transactional
# one (tests/conftest.py), so its room needs its own fixture.
@pytest.fixture
def general(db):
    # The migrations make it; a flushed database has it no longer.
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    return room


BUCKET = "chat-attachments"


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["disk", "s3"])
def storage(request, settings, monkeypatch):
    """Files on disk, or in a bucket of an S3-compatible server (moto's) on
    loopback, which the chat reaches as it would a provider's."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(name, "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }
    return request.param
