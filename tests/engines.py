"""Firefox ESR and WebKit for the browser tests, behind one small interface.

Playwright drives Chromium here and nothing else: its Firefox over WebDriver
BiDi sends emulation commands Firefox ESR 153 does not know, and its WebKit
is a build of its own that cannot be downloaded. So Firefox is driven over
WebDriver BiDi, which it speaks itself (Selenium would need geckodriver,
which Debian lacks), with the dozen commands below over one websocket; and
WebKit by Selenium through WebKitGTK's WebKitWebDriver, on an Xvfb display.
Both take the same calls, so tests/e2e/test_engines.py writes each flow once.
"""

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.webkitgtk.service import Service
from websockets.sync.client import connect

# WebDriver's codes for keys, the same in both protocols.
ENTER = "\ue007"
SHIFT = "\ue008"

MINIBROWSER = Path(
    f"/usr/lib/{os.uname().machine}-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)


class Engine:
    """What a test asks of a browser: scripts, keys, clicks, files, size."""

    name = ""

    def wait(self, condition, timeout=10):
        """Wait until the page's JavaScript condition holds (each 50 ms)."""
        deadline = time.monotonic() + timeout
        while not self.run(f"return Boolean({condition})"):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: still not {condition}")
            time.sleep(0.05)

    def text(self, selector):
        return self.run(
            f"return document.querySelector({json.dumps(selector)})?.textContent"
        )


class Firefox(Engine):
    """Firefox ESR, headless, over WebDriver BiDi."""

    name = "firefox"

    def __init__(self, log_path):
        self.profile = tempfile.mkdtemp(prefix="firefox-")
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            ["firefox-esr", "--headless", "--no-remote", "--profile", self.profile]
            + ["--remote-debugging-port=0"],
            stdout=self.log,
            stderr=self.log,
        )
        self.closing = contextlib.ExitStack()
        url = f"{self.listening(log_path)}/session"
        self.socket = self.closing.enter_context(connect(url, max_size=None))
        self.ids = itertools.count(1)
        self.send("session.new", capabilities={})
        self.context = self.send("browsingContext.getTree")["contexts"][0]["context"]

    def listening(self, log_path, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(
                r"WebDriver BiDi listening on (\S+)", log_path.read_text()
            )
            if found:
                return found[1]
            time.sleep(0.05)
        raise RuntimeError(f"Firefox did not listen; see {log_path}")

    def send(self, method, **params):
        command = next(self.ids)
        self.socket.send(
            json.dumps({"id": command, "method": method, "params": params})
        )
        while True:  # events are not subscribed to: only answers come
            answer = json.loads(self.socket.recv())
            if answer.get("id") == command:
                break
        if answer["type"] == "error":
            raise RuntimeError(f"{method}: {answer['message']}")
        return answer["result"]

    def evaluate(self, expression):
        target = {"context": self.context}
        answer = self.send(
            "script.evaluate", expression=expression, target=target, awaitPromise=True
        )
        if answer["type"] == "exception":
            raise RuntimeError(answer["exceptionDetails"]["text"])
        return answer["result"]

    def run(self, body):
        result = self.evaluate(f"JSON.stringify((() => {{ {body} }})() ?? null)")
        return json.loads(result["value"])

    def element(self, selector):
        node = self.evaluate(f"document.querySelector({json.dumps(selector)})")
        assert node["type"] == "node", f"firefox: no {selector}"
        return {"sharedId": node["sharedId"]}

    def open(self, url):
        self.send(
            "browsingContext.navigate", context=self.context, url=url, wait="complete"
        )

    def type(self, selector, text):
        self.run(f"document.querySelector({json.dumps(selector)}).focus()")
        keys = []
        for key in text:
            keys.append({"type": "keyDown", "value": key})
            if key != SHIFT:  # held down to the end, as Selenium does
                keys.append({"type": "keyUp", "value": key})
        if SHIFT in text:
            keys.append({"type": "keyUp", "value": SHIFT})
        self.actions({"type": "key", "id": "keyboard", "actions": keys})

    def click(self, selector):
        origin = {"type": "element", "element": self.element(selector)}
        self.actions(
            {
                "type": "pointer",
                "id": "mouse",
                "actions": [
                    {"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
                    {"type": "pointerDown", "button": 0},
                    {"type": "pointerUp", "button": 0},
                ],
            }
        )

    def actions(self, source):
        self.send("input.performActions", context=self.context, actions=[source])

    def upload(self, selector, path):
        element = self.element(selector)
        self.send(
            "input.setFiles", context=self.context, element=element, files=[str(path)]
        )

    def resize(self, width, height):
        viewport = {"width": width, "height": height}
        self.send(
            "browsingContext.setViewport", context=self.context, viewport=viewport
        )

    def screenshot(self, path):
        data = self.send("browsingContext.captureScreenshot", context=self.context)
        Path(path).write_bytes(base64.b64decode(data["data"]))

    def delete_cookies(self):
        self.send("storage.deleteCookies")

    def quit(self):
        try:
            self.send("browser.close")
        finally:
            self.closing.close()
            self.process.wait(timeout=15)
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


class WebKit(Engine):
    """WebKitGTK's MiniBrowser, through Selenium and WebKitWebDriver."""

    name = "webkit"

    def __init__(self, log_path):
        read, write = os.pipe()
        # -displayfd: Xvfb picks a free display and says which.
        self.display = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1200x24"]
            + ["-nolisten", "tcp"],
            pass_fds=[write],
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as answer:
            number = answer.readline().strip()
        options = webdriver.WebKitGTKOptions()
        options.binary_location = str(MINIBROWSER)
        options.add_argument("--automation")
        service = Service(
            executable_path=shutil.which("WebKitWebDriver"),
            env={**os.environ, "DISPLAY": f":{number}"},
            log_output=str(log_path),
        )
        self.driver = webdriver.WebKitGTK(options=options, service=service)

    def run(self, body):
        return self.driver.execute_script(body)

    def open(self, url):
        self.driver.get(url)

    def type(self, selector, text):
        self.driver.find_element("css selector", selector).send_keys(text)

    def click(self, selector):
        self.driver.find_element("css selector", selector).click()

    def upload(self, selector, path):
        self.driver.find_element("css selector", selector).send_keys(str(path))

    def resize(self, width, height):
        self.driver.set_window_size(width, height)

    def screenshot(self, path):
        self.driver.save_screenshot(str(path))

    def delete_cookies(self):
        self.driver.delete_all_cookies()

    def quit(self):
        try:
            self.driver.quit()
        finally:
            self.display.terminate()
            self.display.wait(timeout=15)


# Each engine, and the programs it needs (make browser installs them).
ENGINES = {
    "firefox": (Firefox, ["firefox-esr"]),
    "webkit": (WebKit, ["WebKitWebDriver", "Xvfb", str(MINIBROWSER)]),
}
