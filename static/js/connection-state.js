// Mirror the room socket's state on #connection[data-state]; CSS shows the
// matching words. Closes hx-ws will retry read as "connecting".
(() => {
  const retried = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

  function show(state) {
    const banner = document.getElementById("connection");
    if (!banner) return;
    banner.dataset.state = state;
    banner.hidden = false;
  }

  document.addEventListener("htmx:ws:before:connection", () => show("connecting"));
  document.addEventListener("htmx:ws:after:connection", () => show("open"));
  document.addEventListener("htmx:ws:close", (event) => {
    // A hidden tab's socket is closed on purpose and reopens when shown.
    const willRetry = retried.has(event.detail.code) || document.hidden;
    show(willRetry ? "connecting" : "closed");
  });
})();
