// Any emoji as a reaction: a message's picker (.reaction-picker) opens
// #emoji-chooser for that message. A name typed in #emoji-search asks the
// server for the emoji it matches (#emoji-options, drawn by the server, from
// the dialog's data-search-url). ArrowDown goes from the search to the
// emoji, the arrows move among them, and Enter, Space or a click chooses:
// the chosen button submits #emoji-choice, which sends it over the socket
// like the quick reactions. Enter in the search chooses the first emoji.
// Escape closes, and the keyboard goes back to the picker. Without the
// socket (no JavaScript, or a page of history) the picker opens the
// chooser's own page instead.
(() => {
  const WAIT_MS = 100; // after the last keystroke, before asking

  let timer = null;
  let asked = 0; // the latest question; an answer to an earlier one is stale
  let waiting = false; // a name is typed, its emoji not come yet
  let chooseFirst = false; // Enter pressed while waiting
  let opener = null;

  const dialog = () => document.getElementById("emoji-chooser");
  const search = () => document.getElementById("emoji-search");
  const options = () => [...document.querySelectorAll("#emoji-options [data-emoji]")];
  const hasSocket = () => document.body.hasAttribute("hx-ws:connect");

  const open = (picker) => {
    const messageId = Number(picker.closest(".message").id.replace("message-", ""));
    // Read by hx-ws as it sends: which message the emoji is for.
    document.getElementById("emoji-choice").setAttribute("hx-vals", JSON.stringify({ action: "react", message_id: messageId }));
    opener = picker;
    if (search().value) {
      search().value = "";
      ask("");
    }
    dialog().showModal();
    search().focus();
  };

  const show = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html;
    const fresh = template.content.getElementById("emoji-options");
    if (!fresh) return;
    document.getElementById("emoji-options").replaceWith(fresh);
    document.getElementById("emoji-status").textContent = fresh.dataset.status;
  };

  const ask = async (typed) => {
    const question = ++asked;
    waiting = true;
    const url = `${dialog().dataset.searchUrl}?${new URLSearchParams({ "emoji-search": typed })}`;
    let html = null;
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      if (response.ok) html = await response.text();
    } catch {
      // Offline: the emoji shown stay, and nothing could be sent anyway.
    }
    if (question !== asked) return; // something was typed since
    waiting = false;
    if (html) show(html);
    if (chooseFirst) {
      chooseFirst = false;
      options()[0]?.click();
    }
  };

  // The picker opens the chooser; without the socket it is a plain submit.
  document.addEventListener("click", (event) => {
    const picker = event.target.closest?.(".reaction-picker");
    if (!picker || !hasSocket() || !dialog()) return;
    event.preventDefault();
    open(picker);
  });

  // Chosen: sent (hx-ws:send hears the same submit), so close.
  document.addEventListener("submit", (event) => {
    if (event.target.id === "emoji-choice") dialog().close();
  });

  // The dialog gives the keyboard back to whatever had it, if still there;
  // else to the picker, drawn again with the message (same id).
  document.addEventListener(
    "close",
    (event) => {
      if (event.target !== dialog() || !opener) return;
      (opener.isConnected ? opener : document.getElementById(opener.id))?.focus();
      opener = null;
    },
    true,
  );

  document.addEventListener("input", (event) => {
    if (event.target !== search()) return;
    clearTimeout(timer);
    asked += 1; // whatever is on its way answers what was typed before
    waiting = true;
    const typed = search().value;
    timer = setTimeout(() => ask(typed), WAIT_MS);
  });

  // Left and right through the emoji, up and down by rows as they are laid out.
  const move = (from, key) => {
    const all = options();
    const at = all.indexOf(from);
    const perRow = all.filter((option) => option.offsetTop === all[0].offsetTop).length;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow }[key];
    if (key === "Home") return all[0];
    if (key === "End") return all[all.length - 1];
    if (step === undefined) return null;
    if (at + step < 0) return search(); // above the first row
    return all[Math.min(at + step, all.length - 1)];
  };

  document.addEventListener("keydown", (event) => {
    if (!dialog()?.open || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target === search()) {
      if (event.key === "ArrowDown" && options().length) {
        options()[0].focus();
      } else if (event.key === "Enter") {
        if (waiting) chooseFirst = true;
        else options()[0]?.click();
      } else if (event.key === "Escape") {
        dialog().close(); // a search box would only empty itself
      } else {
        return;
      }
      event.preventDefault();
      return;
    }
    if (!event.target.matches?.("#emoji-options [data-emoji]")) return;
    const next = move(event.target, event.key);
    if (!next) return;
    event.preventDefault();
    next.focus();
  });
})();
