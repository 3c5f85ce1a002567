import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, connections, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F
from django.test import Client

from accounts import limits
from bench.servers import free_port, procfile_uvicorn_options
from rooms.live import fanout, heartbeat
from rooms.models import Room

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
IN_CI = os.environ.get("CI") == "true"
# Runs side by side (make test runs SQLite and Postgres at once) share one
# Redis and one artifacts folder: what each names there carries its own id.
RUN = f"{os.getpid()}"


def pytest_sessionstart(session):
    """Remove what a killed run left of this worker's SQLite test database.

    Its WAL and shared-memory files outlive it, and a new database of the
    same name beside them fails with "disk I/O error".
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3"):
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = database["TEST"]["NAME"] + (f"_{worker}" if worker else "")
    for leftover in (name, f"{name}-wal", f"{name}-shm"):
        Path(leftover).unlink(missing_ok=True)


def pytest_collection_modifyitems(config, items):
    """tests/run runs the suite on SQLite and on Postgres side by side
    (SUITE_RUN names which). Each test runs in both unless it runs in one:
    a test marked one_run(name) runs in that run only (it needs that
    database, or the database does not matter to it), and a browser test
    (tests/e2e) runs on SQLite unless marked: the database changes nothing
    a browser sees that the tests beside the database do not check, and
    browsers are most of the suite's time. Outside tests/run every test
    runs."""
    run = os.environ.get("SUITE_RUN")
    if not run:
        return
    elsewhere = [item for item in items if runs_in(item) not in (None, run)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]


def runs_in(item):
    """Return the one run a test runs in, or None for both."""
    if marker := item.get_closest_marker("one_run"):
        return marker.args[0]
    if item.path.is_relative_to(ROOT / "tests" / "e2e"):
        return "sqlite"
    return None


def require(condition, reason):
    """Skip on a bare laptop; in CI a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this cannot be skipped)")
    pytest.skip(reason)


def database_url():
    """Return a URL for the test database pytest-django has set up."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass(eq=False)
class ChatServer:
    """A real uvicorn process serving the project, on its own port."""

    # This process's servers still running, which a flush stops meanwhile.
    running: ClassVar[set] = set()
    # This process's chat_server, which its modules share.
    shared: ClassVar["ChatServer | None"] = None

    port: int
    env: dict
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    def start(self):
        log = self.log_path.open("ab")
        command = [
            sys.executable,
            "manage.py",
            "serve",
            "--",
            *procfile_uvicorn_options(),
        ]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # a group of its own, its workers with it
        )
        self.running.add(self)
        # Long enough for a start on a machine busy with the other workers.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"uvicorn did not listen within 90 s; see {self.log_path}")

    def stop(self):
        self.running.discard(self)
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def kill(self):
        """Die the way an out-of-memory kill does: no cleanup at all."""
        self.running.discard(self)
        self.process.kill()
        self.process.wait(timeout=15)

    def signal(self, number):
        """Send a signal to the server and the workers it started."""
        with suppress(ProcessLookupError):  # it ended by itself
            os.killpg(self.process.pid, number)

    def log(self):
        return self.log_path.read_text(errors="replace")


class PrivateRedis:
    """A Redis of the test's own, so stopping it disturbs nobody else.

    With tls=True it speaks only TLS, with a throwaway self-signed
    certificate, as hosted Redis providers do.
    """

    def __init__(self, tls=False):
        self.port = free_port()
        self.tls = tls
        self.process = None

    @property
    def url(self):
        if self.tls:
            return f"rediss://127.0.0.1:{self.port}/0?ssl_cert_reqs=none"
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = ["redis-server", "--bind", "127.0.0.1", "--save", ""]
        if self.tls:
            command += ["--port", "0", "--tls-port", str(self.port)]
            command += self.certificate_options()
        else:
            command += ["--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--appendonly", "no"], stdout=subprocess.DEVNULL
        )
        wait_for_port(self.port)

    def certificate_options(self):
        ARTIFACTS.mkdir(exist_ok=True)
        cert = ARTIFACTS / f"redis-tls-{self.port}.crt"
        key = ARTIFACTS / f"redis-tls-{self.port}.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"]
            + ["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
            check=True,
            capture_output=True,
        )
        return [
            *("--tls-cert-file", cert, "--tls-key-file", key),
            *("--tls-ca-cert-file", cert, "--tls-auth-clients", "no"),
        ]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def wait_for_port(port):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def server_environment():
    """Return this process's environment minus what only the tests may set."""
    # The browser tests allow sync ORM calls beside Playwright's event loop;
    # a server must never run with that guard off.
    return {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }


def start_chat_server(name, django_db_blocker, **env_overrides):
    """Start uvicorn on the test database; its log goes to tests/artifacts.

    The shared chat_server stops first: its sweeps, on the same database,
    would take work (webhooks, emails, pushes) meant for this one's settings.
    """
    if ChatServer.shared is not None:
        ChatServer.shared.stop()
    ARTIFACTS.mkdir(exist_ok=True)
    with django_db_blocker.unblock():
        url = database_url()
    env = {
        **server_environment(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "PRESENCE_HEARTBEAT_SECONDS": "1",
        "PRESENCE_TTL_SECONDS": "3",
        "PRESENCE_GRACE_SECONDS": "1",
        "UNREAD_POLL_SECONDS": "0.5",
        # Tests flood rooms on purpose; test_limits starts its own servers.
        "MESSAGE_RATE_LIMIT": "100000/1",
        "ROOM_CREATION_LIMIT": "100000/1",
        "SOCKETS_PER_ADDRESS": "100000",
        "SOCKETS_PER_SESSION": "100000",
        "PYTHONUNBUFFERED": "1",
        # Used only when a test gives the server a REDIS_URL.
        "REDIS_PREFIX": redis_prefix(name),
        **env_overrides,
    }
    log_path = ARTIFACTS / f"uvicorn-{name}-{RUN}.log"
    log_path.unlink(missing_ok=True)
    server = ChatServer(port=free_port(), env=env, log_path=log_path)
    server.start()
    return server


def redis_prefix(name):
    """Return the Redis prefix of this run's servers called name."""
    return f"chat-{RUN}-{name}"


def start_processes_on_redis(name, django_db_blocker, redis_url, count=2):
    """Start web processes that share one Redis, as a scaled-out deploy does."""
    shared = {"REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix(name)}
    return [
        start_chat_server(f"{name}-{n}", django_db_blocker, **shared)
        for n in range(1, count + 1)
    ]


@pytest.fixture(autouse=True)
def fresh_limits():
    """Start each test with nobody's in-process limits used: ids repeat."""
    for rate in limits.RATES:
        rate.events.clear()
    limits.sockets.open.clear()


@pytest.fixture(scope="session", autouse=True)
def flushes_with_the_servers_stopped():
    """Empty the tables between tests while this worker's servers are stopped.

    A server is still at work when its test ends: the heartbeat sweeps every
    second, sockets the test closed are still leaving. Flushed beside it,
    the flush (a TRUNCATE on Postgres) and the server lock the same tables,
    and one of them waits, times out or deadlocks. With every server stopped
    nothing competes, unless one was stopped holding a lock: then the flush
    gives up within 0.1 s, lets the servers run a moment, and tries again.
    """
    flush = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        for attempt in itertools.count():
            with servers_stopped(), waiting_briefly(self.connection):
                try:
                    return flush(self, sql_list)
                except OperationalError as error:
                    if not held_elsewhere(error) or attempt == 50:
                        raise
            time.sleep(0.02)

    patch = pytest.MonkeyPatch()
    patch.setattr(BaseDatabaseOperations, "execute_sql_flush", execute_sql_flush)
    yield
    patch.undo()


@contextmanager
def waiting_briefly(connection):
    """Wait 0.1 s at most for a lock in the block: a stopped server never
    lets go of one."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET lock_timeout = '100ms'")
        else:
            cursor.execute("PRAGMA busy_timeout")
            usual = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 100")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("RESET lock_timeout")
            else:
                cursor.execute(f"PRAGMA busy_timeout = {usual}")


def held_elsewhere(error):
    message = str(error)
    return "lock timeout" in message or "database is locked" in message


@contextmanager
def servers_stopped():
    """Stop this process's running servers (SIGSTOP) for the block."""
    stopped = list(ChatServer.running)
    for server in stopped:
        server.signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for server in stopped:
            server.signal(signal.SIGCONT)


@pytest.fixture(scope="session", autouse=True)
def close_connections(django_db_setup):
    """Close every connection first, or dropping the test database fails."""
    yield
    # Async tests' ORM calls ran on asgiref's executor thread; close its own.
    asyncio.run(sync_to_async(connections.close_all)())
    for conn in connections.all():
        if hasattr(conn, "close_pool"):
            conn.close_pool()


@pytest.fixture(scope="session")
def shared_server(django_db_setup, django_db_blocker):
    server = ChatServer.shared = start_chat_server("chat", django_db_blocker)
    yield server
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def shared_server_only_where_asked(request):
    """Stop the shared server for a module none of whose tests asks for it:
    its sweeps would do beside the tests what they do in this process."""
    module = request.module
    items = [item for item in request.session.items if item.module is module]
    if ChatServer.shared and not any("chat_server" in i.fixturenames for i in items):
        ChatServer.shared.stop()


@pytest.fixture
def chat_server(shared_server):
    """One server for every module of this worker that does not start its own.

    A start costs seconds when every worker starts one at once, and what a
    test leaves in the database is flushed with the server stopped (above).
    A module's own server stops it meanwhile (start_chat_server); it starts
    again here, as after a test that stopped it and failed before starting
    it again.
    """
    if shared_server.process.poll() is not None:
        shared_server.start()
    return shared_server


@pytest.fixture
def general(transactional_db):
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    return room


PASSWORD = "correct-horse-battery"


@dataclass
class Person:
    """A user with a signed-in session, as a browser would hold it."""

    user: object
    session_id: str

    @property
    def pk(self):
        return self.user.pk


def sign_up(username):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    client = Client()
    client.force_login(user)
    return Person(user, client.cookies["sessionid"].value)


@pytest.fixture
def alice(transactional_db):
    return sign_up("alice")


@pytest.fixture
def bob(transactional_db):
    return sign_up("bob")


def write_within_a_second(rows, field):
    """Write these rows (a queryset; field as it is) as someone else would,
    waiting a second at most for a lock; return "written" or why not."""
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":  # before BEGIN IMMEDIATE waits
                cursor.execute("PRAGMA busy_timeout = 1000")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
            rows.update(**{field: F(field)})
    except OperationalError as error:
        return f"locked: {error}"
    finally:
        connection.close()
    return "written"


@pytest.fixture
def own_process_state(monkeypatch):
    """Give a consumer run in this process its own fan-out and heartbeat.

    The first consumer starts both on its event loop, which closes with the
    test; a later test's consumer would find them tied to it.
    """
    monkeypatch.setattr(fanout, "rooms", fanout._Rooms())
    monkeypatch.setattr(heartbeat, "_beating", None)
    yield
    if heartbeat._beating is not None:
        heartbeat._beating.cancel()


@contextmanager
def held_open(store):
    """Run store() in a transaction of another thread, and keep it open (its
    rows written, uncommitted) until the block ends; yield what it returned."""
    stored, release, result = threading.Event(), threading.Event(), {}

    def store_and_hold():
        try:
            with transaction.atomic():
                result["stored"] = store()
                stored.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holding = threading.Thread(target=store_and_hold)
    holding.start()
    try:
        assert stored.wait(timeout=10), "the held transaction never stored"
        yield result["stored"]
    finally:
        release.set()
        holding.join()
