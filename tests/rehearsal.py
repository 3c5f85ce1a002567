"""`make rehearsal`: deploy a clean clone as a platform would, then use it.

Build (a new virtualenv from requirements.txt alone, collectstatic), release
and run from the Procfile: two web processes on Postgres and Redis with
DEBUG off, behind nginx terminating TLS with a self-signed certificate and
passing plain HTTP on another port, as a platform's router does. Then,
over https:// and wss:// in Chromium, what a deployer and two people would
check, and a rolling restart of both processes while two people chat.
Prometheus scrapes both processes' /metrics meanwhile, and its queries
must see the people's messages counted.
Prints each check; exits non-zero at the first that fails.

It deploys what is committed (a clone of HEAD), not the working tree.
"""

import http.client
import io
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests.chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# Chromium, like the resolver here, takes *.localhost to this machine.
HOST = "chat.localhost"
POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "a long rehearsal passphrase"
METRICS_TOKEN = secrets.token_urlsafe(20)
expect.set_options(timeout=15_000)


class Failed(Exception):
    pass


def ok(what):
    print(f"  ok: {what}", flush=True)


def check(condition, what):
    if not condition:
        raise Failed(what)
    ok(what)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failed(f"{name} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise Failed(f"{name} did not listen on {port} within {timeout} s")


def procfile(app):
    """Return the Procfile's commands by process type."""
    lines = (app / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


class Deployment:
    """A clone built, released and run, and nginx in front of it."""

    def __init__(self, work):
        self.work = work
        self.app = work / "app"
        self.venv = work / "venv"
        self.tls_port, self.http_port = free_port(), free_port()
        self.web_ports = [free_port(), free_port()]
        self.processes = []
        self.database = f"rehearsal_{os.getpid()}"
        # One for the whole deployment: both processes read every session.
        self.secret_key = secrets.token_urlsafe(50)

    @property
    def origin(self):
        return f"https://{HOST}:{self.tls_port}"

    def environment(self):
        server = POSTGRES_URL.rsplit("/", 1)[0]
        return {
            "PATH": f"{self.venv / 'bin'}:{os.environ['PATH']}",
            "HOME": os.environ.get("HOME", str(self.work)),
            "DATABASE_URL": f"{server}/{self.database}",
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIX": f"rehearsal-{os.getpid()}",
            "SECRET_KEY": self.secret_key,
            "DEBUG": "0",
            "PROXY_COUNT": "1",
            # And the address Prometheus scrapes each process at.
            "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "METRICS_TOKEN": METRICS_TOKEN,
            "CSRF_TRUSTED_ORIGINS": self.origin,
            # The router's ports are not 80 and 443 here.
            "SECURE_SSL_HOST": f"{HOST}:{self.tls_port}",
            "MEDIA_ROOT": str(self.work / "media"),
            "PYTHONUNBUFFERED": "1",
        }

    def run(self, command):
        done = subprocess.run(
            command,
            cwd=self.app,
            env=self.environment(),
            capture_output=True,
            timeout=600,
        )
        if done.returncode:
            output = (done.stdout + done.stderr).decode(errors="replace")
            raise Failed(f"{' '.join(map(str, command))} failed:\n{output}")

    def build(self):
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", self.app],
            check=True,
        )
        subprocess.run([sys.executable, "-m", "venv", self.venv], check=True)
        pip = [self.venv / "bin" / "pip", "install", "--quiet", "--require-hashes"]
        self.run([*pip, "-r", "requirements.txt"])
        self.run(["python", "manage.py", "collectstatic", "--noinput", "-v0"])
        ok("build: a new virtualenv from requirements.txt, collectstatic")

    def release(self):
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {self.database}")
        self.run(["bash", "-c", procfile(self.app)["release"]])
        ok("release: the Procfile's release line (migrate)")

    def start(self):
        self.webs = [self.start_web(n) for n in range(len(self.web_ports))]
        ok(f"run: the Procfile's web line twice, on ports {self.web_ports}")
        self.start_proxy()

    def start_web(self, n):
        """Start web process n on its port, as the platform runs a dyno."""
        port = self.web_ports[n]
        log = (self.work / f"web-{n}.log").open("ab")
        process = subprocess.Popen(
            ["bash", "-c", f"exec {procfile(self.app)['web']}"],
            cwd=self.app,
            env={**self.environment(), "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        wait_for_port(port, process, f"web process {n}")
        return process

    def restart_web(self, n, grace=30):
        """SIGTERM, the platform's grace period, then a new process; return seconds down."""
        old = self.webs[n]
        old.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            old.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            old.kill()
            raise Failed(f"web process {n} outlived its {grace} s grace") from None
        stopped = time.monotonic() - started
        self.webs[n] = self.start_web(n)
        return stopped, time.monotonic() - started

    def start_proxy(self):
        key, cert = self.work / "key.pem", self.work / "cert.pem"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
                *("-days", "1", "-subj", f"/CN={HOST}"),
                *("-addext", f"subjectAltName=DNS:{HOST}"),
                *("-keyout", key, "-out", cert),
            ],
            check=True,
            capture_output=True,
        )
        config = self.work / "nginx.conf"
        config.write_text(nginx_config(self, key, cert))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        process = subprocess.Popen(
            [nginx, "-p", self.work, "-c", config, "-e", self.work / "nginx-error.log"],
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "nginx-start.log").open("wb"),
        )
        self.processes.append(process)
        wait_for_port(self.tls_port, process, "nginx")
        ok(f"nginx: TLS on {self.tls_port}, plain HTTP on {self.http_port}")

    def start_prometheus(self):
        """Prometheus scraping both web processes every second, as a
        platform's monitoring would (each process, not the router)."""
        self.prometheus_port = free_port()
        targets = ", ".join(f'"127.0.0.1:{port}"' for port in self.web_ports)
        config = self.work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: chat\n"
            f"    authorization: {{credentials: {METRICS_TOKEN}}}\n"
            f"    static_configs: [{{targets: [{targets}]}}]\n"
        )
        process = subprocess.Popen(
            [
                shutil.which("prometheus") or "/usr/bin/prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={self.work / 'prometheus'}",
                f"--web.listen-address=127.0.0.1:{self.prometheus_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "prometheus.log").open("wb"),
        )
        self.processes.append(process)
        wait_for_port(self.prometheus_port, process, "prometheus")

    def query(self, expression):
        """Return Prometheus's answer to expression: its one value, or None."""
        query = urllib.parse.urlencode({"query": expression})
        url = f"http://127.0.0.1:{self.prometheus_port}/api/v1/query?{query}"
        with urllib.request.urlopen(url, timeout=5) as response:
            result = json.load(response)["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def await_query(self, expression, wanted, what, timeout=20):
        deadline = time.monotonic() + timeout
        while (value := self.query(expression)) is None or not wanted(value):
            if time.monotonic() > deadline:
                raise Failed(f"{what}: Prometheus answers {value} to {expression}")
            time.sleep(0.25)
        ok(f"{what} ({expression} = {value:g})")
        return value

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    def web_log(self, n):
        return (self.work / f"web-{n}.log").read_text(errors="replace")

    def show_logs(self):
        for path in sorted(self.work.glob("*.log")):
            print(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")


def nginx_config(deployment, key, cert):
    """Return nginx's configuration: a router as a platform runs one."""
    work = deployment.work
    servers = "\n".join(f"server 127.0.0.1:{port};" for port in deployment.web_ports)
    proxy = """
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 120s;
    """
    locations = f"""
        location /ws/ {{ proxy_pass http://sockets; {proxy} }}
        location / {{ proxy_pass http://web; {proxy} }}
    """
    # Run as root (CI), its workers would otherwise be nobody, who cannot
    # enter this private directory.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{}}
http {{
    access_log {work}/nginx-access.log;
    # Which process served each request; a socket is logged once closed.
    log_format upstream '$request_uri $status $upstream_addr $msec';
    access_log {work}/nginx-upstream.log upstream;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    client_max_body_size 30m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream web {{ {servers} }}
    # Sockets take turns on their own: two people's land on two processes.
    upstream sockets {{ {servers} }}
    server {{
        listen 127.0.0.1:{deployment.tls_port} ssl;
        server_name {HOST};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {locations}
    }}
    server {{
        listen 127.0.0.1:{deployment.http_port};
        server_name {HOST};
        {locations}
    }}
}}
"""


def request(deployment, path, *, tls):
    """GET path through the proxy, no redirects followed; return the response."""
    if tls:
        context = ssl._create_unverified_context()
        connection = http.client.HTTPSConnection(
            "127.0.0.1", deployment.tls_port, context=context, timeout=10
        )
        host = f"{HOST}:{deployment.tls_port}"
    else:
        connection = http.client.HTTPConnection(
            "127.0.0.1", deployment.http_port, timeout=10
        )
        host = f"{HOST}:{deployment.http_port}"
    connection.request("GET", path, headers={"Host": host})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def check_http(deployment):
    plain = request(deployment, "/rooms/general/", tls=False)
    check(
        plain.status == 301
        and plain.getheader("Location") == f"{deployment.origin}/rooms/general/",
        f"plain HTTP redirects to HTTPS ({plain.status} {plain.getheader('Location')})",
    )
    check(
        request(deployment, "/healthz", tls=False).status == 200,
        "/healthz answers over plain HTTP, not redirected",
    )
    secure = request(deployment, "/healthz", tls=True)
    check(secure.status == 200, "/healthz answers through the TLS proxy")
    hsts = request(deployment, "/accounts/login/", tls=True)
    check(
        "max-age=" in (hsts.getheader("Strict-Transport-Security") or ""),
        "HSTS is sent over HTTPS",
    )


def sign_up(browser, deployment, username):
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.goto(f"{deployment.origin}/accounts/signup/?next=/rooms/general/")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#signup button[type=submit]")
    page.wait_for_url("**/rooms/general/")
    return context, page


def say(page, text):
    page.locator("#composer-message").fill(text)
    page.locator("#composer-message").press("Enter")


def sockets_per_process(deployment):
    """Return how many room sockets each web process served, once closed."""
    lines = (deployment.work / "nginx-upstream.log").read_text().splitlines()
    upstreams = [line.split()[2] for line in lines if line.startswith("/ws/rooms/")]
    return [upstreams.count(f"127.0.0.1:{port}") for port in deployment.web_ports]


def check_people(browser, deployment):
    ada_context, ada = sign_up(browser, deployment, "ada")
    expect(ada.locator("#connection")).to_have_attribute("data-state", "open")
    grace_context, grace = sign_up(browser, deployment, "grace")
    expect(grace.locator("#connection")).to_have_attribute("data-state", "open")
    cookies = {cookie["name"]: cookie for cookie in ada_context.cookies()}
    check(
        cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"],
        "session and CSRF cookies are Secure",
    )
    say(ada, "hello from ada")
    expect(grace.locator("#messages")).to_contain_text("hello from ada")
    say(grace, "hello from grace")
    expect(ada.locator("#messages")).to_contain_text("hello from grace")
    ok("two people on two processes chat over wss://")

    # grace's second tab, signed out, signs in inline over the socket.
    second_context = browser.new_context(ignore_https_errors=True)
    second = second_context.new_page()
    second.goto(f"{deployment.origin}/rooms/general/")
    second.fill("#sign-in-username", "grace")
    second.fill("#sign-in-password", PASSWORD)
    second.click("#sign-in button[type=submit]")
    expect(second.locator("#composer-message")).to_be_visible()
    say(second, "grace signed in inline")
    expect(ada.locator("#messages")).to_contain_text("grace signed in inline")
    second.reload()
    # Signed in by the cookie now; a post answered means its socket has
    # finished connecting (and joined grace's group, which sign-out reaches).
    expect(second.locator("#connection")).to_have_attribute("data-state", "open")
    say(second, "grace reloaded")
    expect(ada.locator("#messages")).to_contain_text("grace reloaded")
    ok("an inline sign-in over the socket keeps its session (Secure cookies)")

    # Both of grace's tabs are hers now; signing out in one closes both.
    grace.locator("form.sign-out button").click()
    expect(second.locator("#controls")).to_contain_text("You signed out.")
    ok("signing out closes every tab of that person")

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(picture, "PNG")
    ada.locator("#composer-files").set_input_files(
        {"name": "teal.png", "mimeType": "image/png", "buffer": picture.getvalue()}
    )
    say(ada, "a picture")
    image = ada.locator("#messages .message-attachments img").last
    expect(image).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    ada.screenshot(path=ARTIFACTS / "rehearsal.png")
    link = ada.locator("#messages .attachment-image-link").last.get_attribute("href")
    # Fetched by the page: Chromium resolves chat.localhost, Node does not.
    status, kind = ada.evaluate(
        "url => fetch(url).then(r => [r.status, r.headers.get('content-type')])",
        link,
    )
    check(
        (status, kind) == (200, "image/png"),
        f"an upload round-trips through the proxy ({status} {kind})",
    )
    for context in (ada_context, grace_context, second_context):
        context.close()
    # Closed sockets are logged as nginx sees them close.
    deadline = time.monotonic() + 10
    while not all(sockets_per_process(deployment)) and time.monotonic() < deadline:
        time.sleep(0.1)
    on_each = sockets_per_process(deployment)
    check(all(on_each), f"room sockets were served by both processes: {on_each}")


# Every change of #connection's state, with its time, kept in the page.
WATCH_CONNECTION = """
window.connectionStates = [];
document.addEventListener("DOMContentLoaded", () => {
  const banner = document.getElementById("connection");
  const note = () => window.connectionStates.push(
    [Date.now() / 1000, banner.dataset.state, banner.hasAttribute("data-back")]);
  new MutationObserver(note).observe(banner, { attributes: true });
});
"""


def outages(states):
    """Return (seconds lost, whether "Reconnected" showed) for each outage."""
    found, lost_at, opened = [], None, False
    for at, state, back in states:
        opened = opened or state == "open"  # connecting first is no loss
        if state != "open" and lost_at is None and opened:
            lost_at = at
        elif state == "open" and lost_at is not None:
            found.append((at - lost_at, back))
            lost_at = None
    if lost_at is not None:
        found.append((float("inf"), False))
    return found


def chat_while(restarter, people):
    """Have people take turns to send while the restarts go on; return what was sent."""
    sent = []
    while restarter.is_alive():
        for who, (_, page) in enumerate(people):
            # As a person would: wait for "Live", send, see the composer empty.
            composer = page.locator("#composer-message")
            text = f"rolling-{len(sent):03d} from {who}"
            for _ in range(3):
                expect(page.locator("#connection")).to_have_attribute(
                    "data-state", "open", timeout=10_000
                )
                composer.fill(text)
                composer.press("Enter")
                try:
                    expect(composer).to_have_value("", timeout=5_000)
                    break
                except AssertionError:
                    continue  # not accepted: the socket went; again once back
            else:
                raise Failed(f"{text!r} was never accepted")
            sent.append(text)
        people[0][1].wait_for_timeout(200)  # the pace of a quick chat
    return sent


def check_rolling_restart(browser, deployment):
    """Restart each web process in turn while two people keep chatting."""
    people = []
    for name in ("katherine", "dorothy"):
        context, page = sign_up(browser, deployment, name)
        page.add_init_script(WATCH_CONNECTION)
        page.reload()
        expect(page.locator("#connection")).to_have_attribute("data-state", "open")
        people.append((context, page))
    began = time.time()
    restarts = []

    failures = []

    def restart_each():
        try:
            for n in range(len(deployment.webs)):
                time.sleep(1.5)  # some chat first
                restarts.append(deployment.restart_web(n))
            time.sleep(1.5)
        except Exception as error:  # reported by the main thread
            failures.append(error)

    restarter = threading.Thread(target=restart_each)
    restarter.start()
    try:
        sent = chat_while(restarter, people)
    finally:
        restarter.join()  # no process started after the deployment stops
    if failures:
        raise failures[0]
    logs = []
    for _, page in people:
        for text in sent:
            expect(page.locator("#messages")).to_contain_text(text)
        shown = page.locator("#messages .message-body").all_inner_texts()
        logs.append([text for text in shown if text.startswith("rolling-")])
    check(
        logs[0] == logs[1] and sorted(logs[0]) == sorted(sent),
        f"{len(sent)} messages sent during two restarts, each shown to both "
        f"exactly once and in one order ({len(logs[0])}, {len(logs[1])} shown)",
    )
    for who in (0, 1):
        mine = [text for text in logs[0] if text.endswith(f"from {who}")]
        check(
            mine == [text for text in sent if text.endswith(f"from {who}")],
            f"person {who}'s messages in the order sent",
        )
    for who, (_, page) in enumerate(people):
        lost = outages(page.evaluate("window.connectionStates"))
        check(
            lost and all(seconds <= 5 and back for seconds, back in lost),
            f'person {who} saw "Reconnected" within 5 s of each loss: '
            + ", ".join(f"{seconds:.1f} s" for seconds, _ in lost),
        )
    errors = [
        line
        for line in (deployment.work / "nginx-upstream.log").read_text().splitlines()
        if float(line.split()[-1]) >= began and line.split()[1].startswith("5")
    ]
    check(not errors, f"no 5xx from the proxy during the restarts: {errors[:3]}")
    downs = ", ".join(f"{stopped:.1f} s" for stopped, _ in restarts)
    ok(f"each web process stopped within its grace period: {downs}")
    for context, _ in people:
        context.close()


def main():
    # Stopped from outside (a test's timeout): still take everything down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as workdir:
        deployment = Deployment(Path(workdir))
        try:
            deployment.build()
            deployment.release()
            deployment.start()
            deployment.start_prometheus()
            check_http(deployment)
            deployment.await_query(
                'count(up{job="chat"} == 1)',
                lambda up: up == 2,
                "Prometheus scrapes both processes' /metrics with the token",
            )
            posted = deployment.await_query(
                "sum(chat_messages_posted_total)", lambda _: True, "messages so far"
            )
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
                )
                try:
                    check_people(browser, deployment)
                    # ada's and grace's five messages, on both processes.
                    deployment.await_query(
                        "sum(chat_messages_posted_total)",
                        lambda now: now >= posted + 5,
                        "Prometheus sees the messages posted",
                    )
                    check_rolling_restart(browser, deployment)
                finally:
                    browser.close()
        except Exception as error:
            print(f"FAILED: {error}", flush=True)
            deployment.show_logs()
            return 1
        finally:
            deployment.stop()
    print(f"rehearsal passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
