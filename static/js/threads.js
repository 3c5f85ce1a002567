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

  document.addEventListener("click", (event) => {
    if (event.target.closest(".thread-close")) close(event);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest?.("#thread") && !event.defaultPrevented) close(event);
  });
})();
