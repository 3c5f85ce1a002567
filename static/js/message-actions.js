// Edit in the composer: the Edit link, or Up in an empty composer, asks the
// server for a message of yours as typed (its Markdown, its lines), which
// it puts in the composer; Enter saves it, Escape gives up. Edit and Delete
// are plain links (for pages without JavaScript); with the socket, both go
// over it (hx-ws:send) and the links do not navigate.
(() => {
  const composer = () => document.getElementById("composer-message");
  const hasSocket = () => document.body.hasAttribute("hx-ws:connect");
  let asked = false;

  function stopEditing() {
    const input = composer();
    input.value = "";
    delete input.dataset.editing;
  }

  document.addEventListener("click", (event) => {
    if (!hasSocket()) return;
    const link = event.target.closest(".message-edit, .message-delete");
    if (!link) return;
    event.preventDefault();
    asked = link.matches(".message-edit");
  });

  // The server's composer keeps the focus but not the caret: put it at the end.
  document.addEventListener("htmx:after:swap", () => {
    const input = composer();
    if (!asked || !input?.dataset.editing) return;
    asked = false;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  });

  document.addEventListener("keydown", (event) => {
    const input = composer();
    if (!hasSocket() || event.target !== input) return;
    if (event.key === "Escape" && input.dataset.editing) {
      stopEditing();
    } else if (event.key === "ArrowUp" && input.value === "") {
      const mine = document.querySelectorAll(
        `#messages .message[data-author="${input.dataset.viewer}"]:not(.message-deleted) .message-edit`
      );
      if (mine.length) {
        event.preventDefault();
        mine[mine.length - 1].click();
      }
    }
  });

  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    const editing = event.target.id === "composer" && composer().dataset.editing;
    if (!editing) return;
    event.detail.message.values.action = "edit";
    event.detail.message.values.message_id = Number(editing);
  });
})();
