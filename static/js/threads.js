// A thread open beside the room (aside#thread): its links load it there
// (hx-get, the URL pushed), and Close and Escape put the room back without
// a reload, the keyboard on the link that opened it. Without JavaScript
// the same links open the thread's own page.
(() => {
  function close(event) {
    const thread = document.getElementById("thread");
    if (!thread || thread.hidden || !document.getElementById("messages")) return;
    event.preventDefault();
    const started = thread.querySelector("#thread-messages")?.dataset.thread;
    thread.replaceChildren();
    thread.hidden = true;
    history.pushState(null, "", location.pathname.replace(/threads\/\d+\/$/, ""));
    document.querySelector(`#thread-summary-${started} .thread-link`)?.focus();
  }

  // Replies that arrive while the thread is on screen are read: tell the
  // server, at most once a second, so the Threads page agrees.
  let marking = null;
  let marked = null;
  function markRead() {
    const log = document.getElementById("thread-messages");
    const newest = log?.lastElementChild?.id.match(/^reply-(\d+)$/);
    const token = document.querySelector("#thread-composer [name=csrfmiddlewaretoken]");
    if (!newest || !token || document.hidden || newest[1] === marked) return;
    marked = newest[1];
    const body = new FormData();
    body.append("reply", newest[1]);
    fetch(log.dataset.readUrl, { method: "POST", body, headers: { "X-CSRFToken": token.value } });
  }
  new MutationObserver(() => {
    if (!document.getElementById("thread-messages") || marking) return;
    marking = setTimeout(() => {
      marking = null;
      markRead();
    }, 1000);
  }).observe(document.querySelector(".room") ?? document.body, { childList: true, subtree: true });

  document.addEventListener("click", (event) => {
    if (event.target.closest(".thread-close")) close(event);
  });
  document.addEventListener("keydown", (event) => {
    // From the thread, or from anywhere Escape means nothing else.
    const here = event.target.closest?.("#thread") || !event.target.closest?.("input, textarea, select, dialog");
    if (event.key === "Escape" && here && !event.defaultPrevented) close(event);
  });
})();
