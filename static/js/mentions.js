// "@al" typed in the composer offers the people who may read the room: the
// server draws the list (#mention-options, from the form's
// data-mentions-url), this shows it. ArrowDown/ArrowUp move through it,
// Enter or Tab (or a click) puts "@alice " in place of "@al", Escape
// closes it. While it shows, Enter chooses and does not send: this listens
// first (capture) and composer.js leaves a handled key alone.
(() => {
  const WAIT_MS = 100; // after the last keystroke, before asking
  // Where rooms/formatting.py's MENTION may start a name: "@" not inside a
  // word or an address, then the name so far. \w there is Unicode's.
  const NAME = "[\\p{L}\\p{M}\\p{N}_.@+-]";
  const TYPED = new RegExp(`(?<!${NAME})@(${NAME}*)$`, "u");
  const REST = new RegExp(`^${NAME}*`, "u");

  let timer = null;
  let asked = 0; // the latest question; an answer to an earlier one is stale

  const composer = () => document.getElementById("composer-message");
  const list = () => document.getElementById("mention-options");
  const options = () => [...(list()?.querySelectorAll(".mention-option") ?? [])];
  const isOpen = () => Boolean(list() && !list().hidden && options().length);

  // The "@name" the caret is in or just after: where it starts and ends.
  const typedName = (input) => {
    if (input.selectionStart !== input.selectionEnd) return null;
    const caret = input.selectionStart;
    const found = TYPED.exec(input.value.slice(0, caret));
    if (!found) return null;
    const rest = REST.exec(input.value.slice(caret))[0];
    return { start: found.index, end: caret + rest.length, name: found[1] };
  };

  const close = () => {
    asked += 1;
    clearTimeout(timer);
    const shown = list();
    if (shown) {
      shown.hidden = true;
      shown.replaceChildren();
    }
    composer()?.removeAttribute("aria-expanded");
    composer()?.removeAttribute("aria-activedescendant");
  };

  const show = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html;
    const fresh = template.content.getElementById("mention-options");
    if (!fresh || !list()) return;
    list().replaceWith(fresh);
    document.getElementById("mention-status").textContent = fresh.dataset.status;
    if (options().length) {
      composer().setAttribute("aria-expanded", "true");
      composer().removeAttribute("aria-activedescendant");
    } else {
      close();
    }
  };

  const ask = async (name) => {
    const question = ++asked;
    const url = `${composer().form.dataset.mentionsUrl}?${new URLSearchParams({ q: name })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      const html = response.ok ? await response.text() : null;
      if (question === asked && html) show(html);
    } catch {
      // Offline: no list, and the @username can still be typed.
    }
  };

  const highlight = (option) => {
    for (const each of options()) each.setAttribute("aria-selected", String(each === option));
    composer().setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  const choose = (option) => {
    const input = composer();
    const typed = typedName(input);
    close();
    if (!typed) return;
    input.setRangeText(`@${option.dataset.username} `, typed.start, typed.end, "end");
    input.focus();
    // As if typed: the typing notice and the "too long" check hear it.
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (input.id !== "composer-message" || !input.form?.dataset.mentionsUrl) return;
    const typed = typedName(input);
    // A lone "@" asks nothing: it may not be a mention at all.
    if (!typed?.name) {
      close();
      return;
    }
    asked += 1; // whatever is on its way answers what was typed before
    clearTimeout(timer);
    timer = setTimeout(() => ask(typed.name), WAIT_MS);
  });

  document.addEventListener(
    "keydown",
    (event) => {
      if (event.target !== composer() || !isOpen() || event.isComposing) return;
      const all = options();
      const current = all.findIndex((option) => option.getAttribute("aria-selected") === "true");
      const plain = !(event.shiftKey || event.altKey || event.ctrlKey || event.metaKey);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const step = event.key === "ArrowDown" ? 1 : -1;
        const from = current === -1 && step === -1 ? all.length : current;
        highlight(all[(from + step + all.length) % all.length]);
      } else if ((event.key === "Enter" || event.key === "Tab") && plain) {
        choose(all[Math.max(current, 0)]);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
    },
    true,
  );

  // A click chooses; pressing first would take the focus from the composer.
  document.addEventListener("mousedown", (event) => {
    if (event.target.closest?.(".mention-option")) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    const option = event.target.closest?.(".mention-option");
    if (option) choose(option);
  });
  document.addEventListener("focusout", (event) => {
    if (event.target === composer()) close();
  });
})();
