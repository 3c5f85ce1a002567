"""The vendored htmx is the pinned release, byte for byte."""

import hashlib
import re

import pytest

from .conftest import ROOT

# The database does not matter to it: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("postgres")

VERSION = "4.0.1"
VENDOR = ROOT / "static" / "vendor" / f"htmx-{VERSION}"


def test_vendored_files_match_their_checksums():
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_htmx_declares_the_pinned_version():
    assert f'version="{VERSION}"' in (VENDOR / "htmx.min.js").read_text()


def test_room_page_and_readme_name_the_same_version():
    scripts = re.findall(
        r"vendor/htmx-([\d.]+)/", (ROOT / "templates/rooms/room.html").read_text()
    )
    assert scripts and set(scripts) == {VERSION}
    assert f"htmx {VERSION}" in (ROOT / "README.md").read_text()
