"""The web process refuses a start that would split rooms between processes."""

import os
import subprocess
import sys

from .conftest import ROOT


def serve(env_overrides, *args):
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DEBUG="1", **env_overrides)
    command = [sys.executable, "manage.py", "serve", "--", "--port", "0", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )


def test_refuses_several_workers_with_the_in_memory_layer():
    result = serve({"WEB_CONCURRENCY": "3"})
    assert result.returncode != 0
    assert (
        "Refusing to start 3 workers with the in-memory channel layer" in result.stderr
    )
    assert "Set REDIS_URL" in result.stderr


def test_refuses_an_explicit_workers_flag_too():
    result = serve({}, "--workers", "2")
    assert "Refusing to start 2 workers" in result.stderr
