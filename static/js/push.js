// The notifications page's "On this device": turn push notifications on
// and off for this browser (a service worker, a push subscription the
// server keeps), and send a test one. Its words are the section's data-
// attributes, in the page's language.
(() => {
  const section = document.getElementById("push");
  const toggle = document.getElementById("notifications-toggle");
  const test = document.getElementById("notifications-test");
  const state = document.getElementById("push-state");
  if (!section || !toggle) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    state.textContent = section.dataset.unsupported;
    return;
  }
  const csrf = section.querySelector("[name=csrfmiddlewaretoken]").value;
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
  // The server's public key, from base64url to the bytes subscribe() takes.
  const serverKey = () => {
    const text = section.dataset.vapidPublicKey.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  };
  const show = (subscription, message) => {
    toggle.hidden = false;
    toggle.textContent = subscription ? section.dataset.turnOff : section.dataset.turnOn;
    toggle.setAttribute("aria-pressed", subscription ? "true" : "false");
    test.hidden = !subscription;
    state.textContent = message || (subscription ? section.dataset.on : section.dataset.off);
  };
  let registration;

  navigator.serviceWorker.register("/service-worker.js").then(async (ready) => {
    registration = ready;
    show(await registration.pushManager.getSubscription());
  }, () => { state.textContent = section.dataset.setupFailed; });

  toggle.addEventListener("click", async () => {
    const current = await registration.pushManager.getSubscription();
    if (current) {
      await post(section.dataset.unsubscribeUrl, { endpoint: current.endpoint });
      await current.unsubscribe();
      show(null);
      return;
    }
    if ((await Notification.requestPermission()) !== "granted") {
      show(null, section.dataset.blocked);
      return;
    }
    try {
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: serverKey(),
      });
      const response = await post(section.dataset.subscribeUrl, subscription.toJSON());
      if (!response.ok) {
        await subscription.unsubscribe();
        show(null, (await response.json()).error);
        return;
      }
      show(subscription);
    } catch (error) {
      show(null, `${section.dataset.subscribeFailed} ${error.message}`);
    }
  });

  test.addEventListener("click", async () => {
    const response = await post(section.dataset.testUrl);
    state.textContent = response.ok
      ? section.dataset.testSent
      : section.dataset.testFailed;
  });
})();
