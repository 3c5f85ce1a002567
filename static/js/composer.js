// The composer is a textarea: Enter sends, Shift+Enter starts a new line;
// so is a thread's (#thread-composer-message).
// The server clears it by re-rendering it once the message is stored;
// whatever the person typed after pressing Enter must survive that.
(() => {
  let sent = null;

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    const composers = ["composer-message", "thread-composer-message"];
    if (!composers.includes(input.id) || event.key !== "Enter") return;
    // Taken already: Enter chose a person to mention (mentions.js).
    if (event.defaultPrevented) return;
    // Shift adds a line; an input method composing a word uses Enter itself.
    if (event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    input.form.requestSubmit();
  });

  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    const form = event.target;
    if (form.id !== "composer") return;
    const message = event.detail.message.values.message;
    // The server refuses long messages with a clear error, but a huge paste
    // would exceed the socket's frame limit and close it for good. Count
    // characters as the server does: an emoji is one, not two UTF-16 units.
    if ([...message].length > Number(form.dataset.maxLength)) {
      event.detail.cancelled = true;
      document.getElementById("composer-error").textContent = form.dataset.tooLong;
    }
  });

  // The "too long" error goes once the text fits again (or is gone).
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (input.id !== "composer-message") return;
    const error = document.getElementById("composer-error");
    if (error?.textContent === input.form.dataset.tooLong && [...input.value].length <= Number(input.form.dataset.maxLength)) {
      error.textContent = "";
    }
  });

  // field-sizing: content grows the text box as one types; where the engine
  // lacks it (WebKit), fit it to its text here. Through the CSSOM, which the
  // CSP's style-src-attr allows (it blocks style attributes, not this).
  if (!CSS.supports("field-sizing", "content")) {
    document.addEventListener("input", (event) => {
      const input = event.target;
      if (!["composer-message", "thread-composer-message"].includes(input.id)) return;
      input.style.height = "auto";
      input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
    });
  }

  // What went out, over the socket or with files over HTTP (attachments.js);
  // a send cancelled on its way (too long, an upload still going) did not.
  document.addEventListener("htmx:ws:after:message:outgoing", (event) => {
    if (event.target.id === "composer") sent = event.detail.message.values.message;
  });
  document.addEventListener("composer:sent", (event) => {
    sent = event.detail;
  });

  document.addEventListener("htmx:before:swap", (event) => {
    const typed = document.getElementById("composer-message")?.value ?? "";
    if (sent === null || typed === sent) return;
    for (const task of event.detail.tasks) {
      const fresh = task.target?.id === "composer-message" && task.fragment.querySelector("#composer-message");
      if (fresh && !fresh.value) {
        fresh.textContent = typed.startsWith(sent) ? typed.slice(sent.length) : typed;
      }
    }
  });

  // A room opens with the composer focused (autofocus), which a short screen
  // (a phone, a page zoomed to 400 %) would show mid-screen: put it at the
  // foot first, so the newest messages fill the space above it.
  if (document.getElementById("composer-message")?.autofocus) {
    document.getElementById("composer").scrollIntoView({ block: "end" });
  }
})();
