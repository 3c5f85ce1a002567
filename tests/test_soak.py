"""`make soak`, shortened so it cannot rot: a small crowd, a restart midway."""

import subprocess
import sys

import pytest

from .conftest import ROOT

# It brings its own database: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("sqlite")


def test_a_short_soak_loses_nothing_across_a_restart():
    soak = subprocess.run(
        [sys.executable, "-m", "bench.soak"]
        + ["--people", "20", "--rooms", "2", "--seconds", "20"]
        + ["--log-name", "soak-smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert soak.returncode == 0, soak.stdout + soak.stderr
    assert "lost 0, from another room 0" in soak.stdout
    assert "server log errors: 0" in soak.stdout
