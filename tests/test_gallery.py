"""The fragment gallery: every fragment shown, from fixtures, to staff only."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from site_config.gallery import exhibits

# The database does not matter to it: one of tests/run's two runs.
pytestmark = [pytest.mark.django_db, pytest.mark.one_run("sqlite")]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_user("designer", is_staff=True)
    client.force_login(staff)
    return client


def every_fragment():
    """Yield each template file and each partial of templates/rooms/*.html."""
    for path in sorted(TEMPLATES.rglob("*")):
        name = path.relative_to(TEMPLATES).as_posix()
        if path.is_dir() or name.startswith("gallery/"):
            continue
        yield name
        if name.startswith("rooms/") and name.endswith(".html"):
            for partial in re.findall(r"{% partialdef ([\w-]+)", path.read_text()):
                yield f"{name}#{partial}"


def test_every_fragment_and_template_is_in_the_gallery():
    shown = {exhibit.template for exhibit in exhibits()}
    missing = [name for name in every_fragment() if name not in shown]
    assert missing == [], "add each to site_config.gallery.exhibits()"


def test_every_exhibit_renders_and_writes_nothing(staff_client):
    index = staff_client.get("/gallery/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        for exhibit in exhibits():
            assert f'src="/gallery/{exhibit.slug}/"' in index
            response = staff_client.get(f"/gallery/{exhibit.slug}/")
            assert response.status_code == 200, exhibit.slug
    writes = [q["sql"] for q in queries if not q["sql"].startswith("SELECT")]
    assert writes == []


def test_gallery_is_hidden_from_everyone_but_staff(client, settings):
    settings.DEBUG = False
    assert client.get("/gallery/").status_code == 404
    assert client.get("/gallery/message-short/").status_code == 404
    settings.DEBUG = True
    assert client.get("/gallery/").status_code == 200
