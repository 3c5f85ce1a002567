"""Pictures of the gallery in dark colours, compared with the approved
ones (tests/e2e/pictures.py): a module of their own, so that a second
worker takes them beside the light ones."""

import pytest

from .pictures import gallery_failures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.one_run("postgres"),
]


def test_gallery_pictures_match_in_dark(browser, chat_server, comparer):
    assert gallery_failures(browser, chat_server, comparer, "dark") == []
