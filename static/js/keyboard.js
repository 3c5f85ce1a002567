// The keyboard's shortcuts (listed in #shortcuts, templates/keyboard.html):
// Ctrl+K (⌘K on a Mac) opens #switcher, which asks the server what matches
// as one types (rooms/web/switcher.py) and opens the first with Enter;
// Alt+↑/↓ go to the previous or next room of the sidebar; "?" opens the
// list. Keys that mean something where they are pressed (a letter in a
// field, Alt+↑ in text) are left alone.
// The log (#messages-scroller) is one stop for Tab: its controls leave the
// tab order, ↑/↓ (Home/End) move among its messages, and the message the
// keyboard is on has its controls back. When the socket redraws that
// message (a reaction, an edit, a delete), the keyboard stays on it.
(() => {
  const WAIT_MS = 100; // after the last keystroke, before asking
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  const mac = /Mac|iPhone|iPad/.test(navigator.platform);

  const byId = (id) => document.getElementById(id);
  const isField = (element) => element.closest?.("input, textarea, select, [contenteditable]");

  // ---- The switcher ----
  let timer = null;
  let asked = 0; // the latest question; an answer to an earlier one is stale
  let answered = Promise.resolve();

  function ask() {
    const question = ++asked;
    const query = byId("switcher-query").value;
    const url = `${byId("switcher").dataset.url}?${new URLSearchParams({ "switcher-query": query })}`;
    answered = fetch(url)
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (question !== asked || html === null) return;
        const template = document.createElement("template");
        template.innerHTML = html;
        const fresh = template.content.getElementById("switcher-results");
        byId("switcher-results").replaceWith(fresh);
        byId("switcher-status").textContent = fresh.dataset.status;
      });
  }

  function openSwitcher() {
    const dialog = byId("switcher");
    if (dialog.open) return;
    byId("switcher-query").value = "";
    ask();
    dialog.showModal();
    byId("switcher-query").focus();
  }

  document.addEventListener("input", (event) => {
    if (event.target.id !== "switcher-query") return;
    clearTimeout(timer);
    timer = setTimeout(ask, WAIT_MS);
  });

  function switcherKeys(event) {
    const links = [...document.querySelectorAll("#switcher-results a")];
    if (event.target.id === "switcher-query" && event.key === "Enter") {
      event.preventDefault();
      // What was typed last decides, even if its answer is still coming.
      clearTimeout(timer);
      if (timer !== null) ask();
      timer = null;
      answered.then(() => document.querySelector("#switcher-results a")?.click());
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const at = links.indexOf(document.activeElement);
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      (next < 0 ? byId("switcher-query") : links[Math.min(next, links.length - 1)])?.focus();
    }
  }

  // ---- The rooms' list ----
  function moveRoom(step) {
    const links = [...document.querySelectorAll("#sidebar .room-list a")];
    if (!links.length) return;
    const at = links.findIndex((link) => link.getAttribute("aria-current") === "page");
    const next = at === -1 ? (step > 0 ? 0 : links.length - 1) : at + step;
    links[next]?.click();
  }

  // ---- The log ----
  const scroller = () => byId("messages-scroller");
  const messages = () => [...document.querySelectorAll("#messages .message")];
  let current = null; // the message whose controls are in the tab order

  // Out of the tab order: the messages themselves (the arrows' stops) too.
  function quiet(root) {
    for (const element of root.querySelectorAll(`${FOCUSABLE}, .message`)) element.tabIndex = -1;
  }

  function wake(message) {
    for (const element of message.querySelectorAll(FOCUSABLE)) element.removeAttribute("tabindex");
  }

  function settle() {
    const log = byId("messages");
    if (!log) return;
    quiet(log);
    if (current?.isConnected) wake(current);
  }

  function moveMessage(event) {
    const all = messages();
    if (!all.length) return;
    const at = all.indexOf(event.target.closest(".message"));
    const step = { ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity }[event.key];
    // From the log itself, the newest is the first stop.
    const next = at === -1 ? all.length - 1 : Math.max(0, Math.min(all.length - 1, at + step));
    event.preventDefault();
    all[next].focus();
  }

  document.addEventListener("focusin", (event) => {
    const message = event.target.closest?.("#messages .message") ?? null;
    if (message === current) return;
    if (current?.isConnected) quiet(current);
    current = message;
    if (current) wake(current);
  });

  // Where the keyboard was, to find it again in what the socket draws.
  let was = null;
  document.addEventListener("htmx:before:swap", () => {
    const focused = document.activeElement;
    const message = focused?.closest?.("#messages .message");
    was = message && {
      message: message.id,
      id: focused.id,
      index: [...message.querySelectorAll(FOCUSABLE)].indexOf(focused),
    };
  });
  document.addEventListener("htmx:after:swap", () => {
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!was || !lost) return;
    const message = byId(was.message);
    // A deleted message keeps none of its controls: the keyboard goes to it.
    const control = message?.matches(".message-deleted") ? null : message?.querySelectorAll(FOCUSABLE)[was.index];
    const again = byId(was.id) ?? control ?? message;
    was = null;
    again?.focus();
  });

  document.addEventListener("DOMContentLoaded", () => {
    settle();
    // Messages loaded as the log scrolls, or put there by history.js.
    const log = byId("messages");
    if (log) new MutationObserver(settle).observe(log, { childList: true, subtree: true });
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return;
    const { key, target } = event;
    const command = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
    if (command && !event.altKey && !event.shiftKey && key.toLowerCase() === "k") {
      event.preventDefault();
      openSwitcher();
    } else if (target.closest?.("#switcher")) {
      switcherKeys(event);
    } else if (event.altKey && !event.ctrlKey && !event.metaKey && (key === "ArrowUp" || key === "ArrowDown")) {
      // In text Alt+↑/↓ move the caret (a Mac's paragraphs): not there.
      if (isField(target) && target.value) return;
      event.preventDefault();
      moveRoom(key === "ArrowUp" ? -1 : 1);
    } else if (key === "?" && !isField(target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      byId("shortcuts").showModal();
    } else if (["ArrowUp", "ArrowDown", "Home", "End"].includes(key) && !isField(target)) {
      if (target === scroller() || target.matches?.("#messages .message")) moveMessage(event);
    }
  });
})();
