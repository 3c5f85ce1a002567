// Reading history. A page of older messages loads above the log when its
// link (a.older) scrolls into view, and on a page of history a page of
// newer ones below (a.newer). The message being read stays where it was:
// the browser would keep the scroll offset instead, show the page that
// just loaded, reveal the next link and load the whole history. A
// permalink (?around=) opens at its message, with or without #message-.
(() => {
  const scroller = document.querySelector(".messages-scroller");
  if (!scroller) return;
  let anchor = null;

  function firstVisibleMessage() {
    const top = scroller.getBoundingClientRect().top;
    for (const message of document.querySelectorAll("#messages > .message")) {
      if (message.getBoundingClientRect().bottom > top) return message;
    }
    return null;
  }

  document.addEventListener("htmx:before:swap", (event) => {
    if (!event.target.matches?.("a.older, a.newer")) return;
    const message = firstVisibleMessage();
    anchor = message && { message, top: message.getBoundingClientRect().top };
    // Both swaps (the link, the messages) are done by the next frame.
    requestAnimationFrame(() => { anchor = null; });
  });

  // After each change to the log, before it is drawn: put the message back.
  new MutationObserver(() => {
    if (!anchor?.message.isConnected) return;
    scroller.scrollTop += anchor.message.getBoundingClientRect().top - anchor.top;
  }).observe(document.getElementById("messages"), { childList: true });

  const highlighted = document.querySelector("#messages > .message.is-highlighted");
  if (highlighted && !location.hash) highlighted.scrollIntoView({ block: "center" });
})();
