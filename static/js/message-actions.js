// Edit in the composer: the Edit link, or Up in an empty composer, puts a
// message of yours there; Enter saves it, Escape gives up. Edit and Delete
// are plain links (for pages without JavaScript); with the socket, Delete
// goes over it (hx-ws:send) and the links do not navigate.
(() => {
  const composer = () => document.getElementById("composer-message");
  const hasSocket = () => document.body.hasAttribute("hx-ws:connect");

  function startEditing(message) {
    const input = composer();
    input.value = message.querySelector(".message-body").innerText;
    input.dataset.editing = message.id.replace("message-", "");
    input.focus();
  }

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
    if (link.matches(".message-edit")) startEditing(link.closest(".message"));
  });

  document.addEventListener("keydown", (event) => {
    const input = composer();
    if (!hasSocket() || event.target !== input) return;
    if (event.key === "Escape" && input.dataset.editing) {
      stopEditing();
    } else if (event.key === "ArrowUp" && input.value === "") {
      const mine = document.querySelectorAll(
        `#messages .message[data-author="${input.dataset.viewer}"]:not(.message-deleted)`
      );
      if (mine.length) {
        event.preventDefault();
        startEditing(mine[mine.length - 1]);
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
