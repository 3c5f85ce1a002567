// "alice is typing…": the server adds a .typist name to #typing (chat.css
// words the line) each time that person's composer reports typing. A name
// goes by itself a few seconds after its last report; a new report replaces
// the element, and the new one starts its own clock.
(() => {
  const typing = document.getElementById("typing");
  if (!typing) return;
  const LASTS_MS = 5000; // more than two reports apart (room.html: 2 s)

  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const name of change.addedNodes) setTimeout(() => name.remove(), LASTS_MS);
    }
  }).observe(typing, { childList: true });

  // A closed socket hears no more reports, so what is shown may be over.
  document.addEventListener("htmx:ws:close", () => typing.replaceChildren());

  // Report a draft, now: emptying the composer is not typing, nor is the
  // message just sent (the throttle's last report can fire after Enter,
  // before the server clears the composer). A closed socket would queue the
  // report, to arrive stale, and a full queue refuses the message itself.
  let sent = null;
  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    const { connection, message } = event.detail;
    if (message.values.action === "send") sent = message.values.message;
    if (message.values.action !== "typing") return;
    const draft = document.getElementById("composer-message")?.value ?? "";
    const open = connection.socket?.readyState === WebSocket.OPEN;
    if (!open || !draft.trim() || draft === sent) event.detail.cancelled = true;
  });
})();
