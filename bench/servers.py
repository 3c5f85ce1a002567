"""The three servers under test, each a real uvicorn pinned to one core."""

import asyncio
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE, LOAD_CORE = 0, 1
TICKS = os.sysconf("SC_CLK_TCK")
LOGS = ROOT / "bench" / "logs"

# What each server runs; every one gets the Procfile's uvicorn options.
COMMANDS = {
    "ours": ["manage.py", "serve", "--"],
    "stock": ["-m", "uvicorn", "bench.stock:application", "--lifespan", "off"],
    "bare": ["-m", "uvicorn", "bench.bare:application", "--lifespan", "off"],
}


def procfile_uvicorn_options():
    """Return the web process's uvicorn options from the Procfile, less host and port."""
    web = next(
        line
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    options = shlex.split(web.split(" -- ", 1)[1])
    for name in ("--host", "--port"):
        index = options.index(name)
        del options[index : index + 2]
    return options


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One uvicorn process serving `kind` on its own port and core."""

    def __init__(self, kind, env, log_name=None):
        self.kind = kind
        self.env = env
        self.port = free_port()
        self.log_path = LOGS / f"{log_name or kind}.log"
        self.process = None
        # One log for the server's life, restarts included.
        LOGS.mkdir(exist_ok=True)
        self.log_path.unlink(missing_ok=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, room, after=0):
        # ?after=: the newest message the page showed; a fresh room has none.
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{room}/?after={after}"

    def ws_urls(self, room, after=0):
        return [self.ws_url(room, after)]

    def start(self, timeout=30):
        command = [
            *("taskset", "-c", str(SERVER_CORE), sys.executable),
            *COMMANDS[self.kind],
            *procfile_uvicorn_options(),
            *("--host", "127.0.0.1", "--port", str(self.port)),
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(
            f"{self.kind} did not listen in {timeout} s; see {self.log_path}"
        )

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cpu_seconds(self):
        """Return the process's user + system CPU time, all threads."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_bytes(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    async def quiet(self, seconds=1.5, limit=90):
        """Return once the process has used under 5 % of its core for `seconds`.

        Closed sockets leave work behind (presence goodbyes after the grace
        period, deferred frees); nothing signals its end, so watch the CPU.
        """
        step, still = 0.25, 0.0
        deadline = time.monotonic() + limit
        while still < seconds and time.monotonic() < deadline:
            before = self.cpu_seconds()
            await asyncio.sleep(step)
            still = still + step if self.cpu_seconds() - before < 0.05 * step else 0


class Processes:
    """Servers of one kind on one channel layer, measured as one server:
    sockets dealt out among them, their CPU added up."""

    def __init__(self, kind, env, count):
        self.kind = kind
        self.servers = [
            Server(kind, env, log_name=f"{kind}-{n + 1}-of-{count}")
            for n in range(count)
        ]

    def start(self):
        for server in self.servers:
            server.start()
        return self

    def stop(self):
        for server in self.servers:
            server.stop()

    def ws_urls(self, room, after=0):
        return [server.ws_url(room, after) for server in self.servers]

    def cpu_seconds(self):
        return sum(server.cpu_seconds() for server in self.servers)

    async def quiet(self):
        for server in self.servers:
            await server.quiet()
