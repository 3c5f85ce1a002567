"""The deploy rehearsal (tests/rehearsal.py) passes: `make rehearsal` in the suite.

It deploys its own clean clone on its own database, so tests/run runs it
once, beside the SQLite suite, not again on Postgres.
"""

import os
import shutil
import signal
import subprocess
import sys

import psycopg
import pytest

from .conftest import ROOT, require
from .rehearsal import POSTGRES_URL


@pytest.mark.one_run("postgres")  # it brings its own database
def test_the_deploy_rehearsal_passes():
    require(shutil.which("chromium"), "Chromium is not installed (make browser)")
    require(
        shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"),
        "nginx is not installed (make proxy)",
    )
    require(shutil.which("prometheus"), "Prometheus is not installed (make prometheus)")
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
        reachable = True
    except psycopg.OperationalError:
        reachable = False
    require(reachable, f"Postgres is not reachable at {POSTGRES_URL}")
    # Its own process group: on a timeout, nginx and the web processes go too,
    # after the rehearsal has had its chance to take them down itself.
    rehearsal = subprocess.Popen(
        [sys.executable, "-m", "tests.rehearsal"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = rehearsal.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(rehearsal.pid, signal.SIGTERM)
        output, _ = rehearsal.communicate(timeout=60)
        pytest.fail(f"the rehearsal took over 300 s:\n{output}")
    assert rehearsal.returncode == 0, output
    assert "rehearsal passed" in output
