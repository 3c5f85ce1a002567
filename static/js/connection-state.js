// Mirror the room socket's state on #connection[data-state]; CSS shows the
// matching words. A lost socket reads "closed" with data-reconnecting while
// hx-ws retries it, and "open" with data-back for a moment once it is back.
(() => {
  const retried = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);
  const BACK_SHOWN_MS = 4000;
  const banner = document.getElementById("connection");
  if (!banner) return;
  let backTimer;

  function show(state, { reconnecting = false, back = false } = {}) {
    banner.dataset.state = state;
    banner.toggleAttribute("data-reconnecting", reconnecting);
    banner.toggleAttribute("data-back", back);
    banner.hidden = false;
  }

  const lost = () => banner.dataset.state === "closed" && banner.hasAttribute("data-reconnecting");

  document.addEventListener("htmx:ws:before:connection", () => {
    if (!lost()) show("connecting"); // each retry keeps saying it is lost
  });
  document.addEventListener("htmx:ws:after:connection", () => {
    const back = lost();
    show("open", { back });
    clearTimeout(backTimer);
    if (back) backTimer = setTimeout(() => banner.removeAttribute("data-back"), BACK_SHOWN_MS);
  });
  document.addEventListener("htmx:ws:close", (event) => {
    // A hidden tab's socket is closed on purpose and reopens when shown.
    if (document.hidden) return show("connecting");
    show("closed", { reconnecting: retried.has(event.detail.code) });
    // Refused by the server (4xxx: signed out, removed, too many tabs): its
    // own words say why and what to do, so the banner says nothing more.
    if (event.detail.code >= 4000) banner.hidden = true;
  });
})();
