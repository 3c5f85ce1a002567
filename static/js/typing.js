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

  // Report a draft only: emptying the composer is not typing, and neither
  // is the message just sent (the throttle's last report can fire after
  // Enter, before the server clears the composer).
  let sent = null;
  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    const values = event.detail.message.values;
    if (values.action === "send") sent = values.message;
    if (values.action !== "typing") return;
    const draft = document.getElementById("composer-message")?.value ?? "";
    if (!draft.trim() || draft === sent) event.detail.cancelled = true;
  });
})();
