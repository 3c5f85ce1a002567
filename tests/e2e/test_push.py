"""Turning push notifications on and off in Chromium. The browser's own
push service is out of reach here, so pushManager.subscribe() is stubbed
with a subscription to a loopback endpoint; everything else is real: the
service worker, the permission, the page's script, the server's keeping."""

import pytest
from playwright.sync_api import expect

from accounts.models import PushSubscription

from ..conftest import start_chat_server
from ..test_push import SERVER_PRIVATE, SERVER_PUBLIC
from .conftest import person_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENDPOINT = "http://127.0.0.1:9/a-browser"

# What the browser's push service would hand back, less the network.
STUB_PUSH_SERVICE = """
(() => {
  let current = null;
  const make = () => ({
    endpoint: "ENDPOINT",
    toJSON() {
      return { endpoint: this.endpoint, keys: { p256dh: "SERVER_PUBLIC", auth: "c2VjcmV0LXNlY3JldC0xNg" } };
    },
    unsubscribe: async () => { current = null; return true; },
  });
  PushManager.prototype.getSubscription = async function () { return current; };
  PushManager.prototype.subscribe = async function (options) {
    if (!(options.applicationServerKey instanceof Uint8Array)) throw new Error("no key");
    window.subscribedWithKeyOf = options.applicationServerKey.length;
    current = make();
    return current;
  };
})();
""".replace("ENDPOINT", ENDPOINT).replace("SERVER_PUBLIC", SERVER_PUBLIC)


@pytest.fixture(scope="module")
def push_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "e2e-push",
        django_db_blocker,
        VAPID_PUBLIC_KEY=SERVER_PUBLIC,
        VAPID_PRIVATE_KEY=SERVER_PRIVATE,
        PUSH_ALLOW_PRIVATE="1",
    )
    yield server
    server.stop()


def test_notifications_turn_on_and_off_for_this_browser(
    browser, push_server, general, alice
):
    context = person_context(browser, push_server, alice)
    context.grant_permissions(["notifications"], origin=push_server.url)
    context.add_init_script(STUB_PUSH_SERVICE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(push_server.url + "/accounts/notifications/")

    toggle = page.locator("button#notifications-toggle")
    expect(toggle).to_have_text("Turn on notifications")
    expect(page.locator("#push-state")).to_have_text("Off for this browser.")
    toggle.click()
    expect(page.locator("#push-state")).to_have_text("On for this browser.")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#notifications-test")).to_be_visible()
    assert (
        page.evaluate("window.subscribedWithKeyOf") == 65
    )  # an uncompressed P-256 key
    assert PushSubscription.objects.get().user == alice.user
    worker = page.evaluate(
        "navigator.serviceWorker.ready.then(r => r.active.scriptURL)"
    )
    assert worker == push_server.url + "/service-worker.js"

    toggle.click()
    expect(toggle).to_have_text("Turn on notifications")
    expect(page.locator("#notifications-test")).to_be_hidden()
    assert not PushSubscription.objects.exists()
    assert errors == []
    context.close()
