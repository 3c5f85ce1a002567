"""Avatars from storage: kept by browsers no longer than their address holds."""

import time
import urllib.parse
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ..files import opened, picture

pytestmark = pytest.mark.django_db


def test_an_avatar_is_kept_for_good_on_disk_and_only_while_signed_in_a_bucket(
    alice_client, storage
):
    face = SimpleUploadedFile("face.png", picture((80, 80)), "image/png")
    assert alice_client.post("/accounts/profile/", {"avatar": face}).status_code == 302

    response = alice_client.get("/people/alice/avatar/?v=1")
    if storage == "disk":
        assert response["Cache-Control"] == "private, max-age=31536000, immutable"
        return
    # A signed address expires: a browser keeping it for good would show a
    # broken picture from then on.
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=50"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)
    assert 50 < int(query["Expires"][0]) - time.time() <= 60
    with urllib.request.urlopen(response["Location"]) as stored:
        assert opened(stored.read()).size == (256, 256)
