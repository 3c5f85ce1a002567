// Edit in the composer: the Edit link, or Up in an empty composer, asks the
// server for a message of yours as typed (its Markdown, its lines), which
// it puts in the composer; Enter saves it, Escape gives up. Whatever was
// being written before comes back either way. Edit and Delete are plain
// links (for pages without JavaScript); with the socket, both go over it
// (hx-ws:send) and the links do not navigate.
(() => {
  const composer = () => document.getElementById("composer-message");
  const hasSocket = () => document.body.hasAttribute("hx-ws:connect");
  let asked = false;
  // The unsent text the composer held when an edit began.
  let draft = null;

  function stopEditing() {
    const input = composer();
    input.value = draft ?? "";
    draft = null;
    delete input.dataset.editing;
  }

  document.addEventListener("click", (event) => {
    if (!hasSocket()) return;
    const link = event.target.closest(".message-edit, .message-delete");
    // A reply's Edit opens its own page (the room's composer may be hidden).
    if (!link || link.matches("#thread .message-edit")) return;
    event.preventDefault();
    asked = link.matches(".message-edit");
    if (asked && !composer().dataset.editing) draft = composer().value;
    if (link.matches(".message-delete")) askToDelete(link);
  });

  // Delete asks first, beside the link; its answer sends (hx-trigger="confirmed").
  function askToDelete(link) {
    const actions = link.closest(".message-actions");
    actions.parentElement.querySelector(".delete-confirm")?.remove();
    const question = document.getElementById("delete-confirm-template").content.firstElementChild.cloneNode(true);
    actions.after(question);
    question.querySelector(".delete-confirm-yes").addEventListener("click", () => {
      // On the link while the deletion goes: the keyboard stays on the message.
      link.focus();
      question.remove();
      htmx.trigger(link, "confirmed");
    });
    const keep = () => {
      question.remove();
      link.focus();
    };
    question.querySelector(".delete-confirm-no").addEventListener("click", keep);
    question.addEventListener("keydown", (event) => {
      if (event.key === "Escape") keep();
    });
    question.querySelector(".delete-confirm-yes").focus();
  }

  // The server's emptied composer after a saved edit: the draft instead.
  document.addEventListener("htmx:before:swap", (event) => {
    if (draft === null || !composer()?.dataset.editing) return;
    for (const task of event.detail.tasks) {
      const fresh = task.target?.id === "composer-message" && task.fragment.querySelector("#composer-message");
      if (fresh && !fresh.dataset.editing && !fresh.value) {
        fresh.textContent = draft;
        draft = null;
      }
    }
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
    // A key mentions.js took (Escape closing its list) is not for editing.
    if (!hasSocket() || event.target !== input || event.defaultPrevented) return;
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
