"""The web process refuses a start that would split rooms between processes."""

import subprocess
import sys

from .conftest import ROOT, server_environment


def serve(env_overrides, *args):
    env = {
        key: value for key, value in server_environment().items() if key != "REDIS_URL"
    }
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


def test_production_settings_pass_the_deploy_check():
    env = {key: value for key, value in server_environment().items() if key != "DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="site_config.settings",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijkl",
        ALLOWED_HOSTS="chat.example.com",
        CSRF_TRUSTED_ORIGINS="https://chat.example.com",
    )
    command = [
        sys.executable,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {
        key: value
        for key, value in server_environment().items()
        if key not in {"DEBUG", "SECRET_KEY"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "site_config.settings"
    command = [sys.executable, "manage.py", "check"]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
