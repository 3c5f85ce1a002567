import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LOG_CONFIG = Path(__file__).resolve().parents[2] / "logging.json"


def metrics_directory():
    """Return a directory for this server's metric files, new and empty.

    Each process writes its figures there (site_config/metrics.py). Named
    after this process, which uvicorn replaces but keeps the id of; those
    of servers no longer running are removed.
    """
    if given := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return given
    parent = Path(tempfile.gettempdir())
    for old in parent.glob("chat-metrics-*"):
        pid = old.name.removeprefix("chat-metrics-")
        if pid.isdigit() and not running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    directory = parent / f"chat-metrics-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    return str(directory)


def running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    return True


def worker_count(uvicorn_args):
    """Return the worker count uvicorn will use for these arguments."""
    for index, arg in enumerate(uvicorn_args):
        if arg == "--workers" and index + 1 < len(uvicorn_args):
            return int(uvicorn_args[index + 1])
        if arg.startswith("--workers="):
            return int(arg.split("=", 1)[1])
    return int(os.environ.get("WEB_CONCURRENCY") or 1)


class Command(BaseCommand):
    help = "Run the chat under uvicorn; arguments after -- go to uvicorn."

    def add_arguments(self, parser):
        parser.add_argument("uvicorn_args", nargs=argparse.REMAINDER)

    def handle(self, *args, uvicorn_args, **options):
        uvicorn_args = [arg for arg in uvicorn_args if arg != "--"]
        workers = worker_count(uvicorn_args)
        in_memory = settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith(
            "InMemoryChannelLayer"
        )
        # uvicorn forks workers by itself (WEB_CONCURRENCY); a check inside
        # the app would only crash-loop them, so refuse here, before it runs.
        if workers > 1 and in_memory:
            raise CommandError(
                f"Refusing to start {workers} workers with the in-memory channel "
                "layer: each process would be its own island and rooms would split. "
                "Set REDIS_URL, or run one worker (WEB_CONCURRENCY=1)."
            )
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_directory()
        if settings.LOG_FORMAT == "json":
            uvicorn_args = ["--log-config", str(LOG_CONFIG), *uvicorn_args]
        uvicorn = [
            *(sys.executable, "-m", "uvicorn", "site_config.asgi:application"),
            # site_config.lifespan reports the database pool at shutdown.
            *("--lifespan", "on"),
            *("--ws", "site_config.websocket:WebSocketProtocol"),
        ]
        # Last, so it wins: uvicorn's own proxy headers would let a client
        # choose its address; site_config/proxies.py reads them instead.
        os.execv(sys.executable, [*uvicorn, *uvicorn_args, "--no-proxy-headers"])
