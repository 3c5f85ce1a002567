// "@al" typed in the composer offers the people who may read the room: the
// server draws the list (#mention-options, from the form's
// data-mentions-url), this shows it. ArrowDown/ArrowUp move through it,
// Enter or Tab (or a click) puts "@alice " in place of "@al", Escape
// closes it. While it shows, Enter chooses and does not send (unless the
// name is typed whole and none chosen with the arrows): this listens
// first (capture) and composer.js leaves a handled key alone.
(() => {
  const WAIT_MS = 100; // after the last keystroke, before asking
  // Where rooms/messages/formatting.py's MENTION may start a name: "@" not inside a
  // word or an address, then the name so far. \w there is Unicode's.
  const NAME = "[\\p{L}\\p{M}\\p{N}_.@+-]";
  const TYPED = new RegExp(`(?<!${NAME})@(${NAME}*)$`, "u");
  const REST = new RegExp(`^${NAME}*`, "u");
  const KEYS = ["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"];

  let timer = null;
  let asked = 0; // the latest question; an answer to an earlier one is stale
  let waiting = false; // a name is typed, its list not come yet
  // Arrows pressed while waiting (and Enter or Tab after them), handled
  // once the list has come, or not: "@al", ArrowDown, Enter chooses however
  // fast it is typed. Enter alone sends as typed until the list shows.
  let early = [];

  const composer = () => document.getElementById("composer-message");
  const list = () => document.getElementById("mention-options");
  const options = () => [...(list()?.querySelectorAll(".mention-option") ?? [])];
  const isOpen = () => Boolean(list() && !list().hidden && options().length);

  // The "@name" the caret is in or just after: where it starts and ends.
  const typedName = (input) => {
    if (!input || input.selectionStart !== input.selectionEnd) return null;
    const caret = input.selectionStart;
    const found = TYPED.exec(input.value.slice(0, caret));
    if (!found) return null;
    const rest = REST.exec(input.value.slice(caret))[0];
    return { start: found.index, end: caret + rest.length, name: found[1] };
  };

  const settle = () => {
    waiting = false;
    const keys = early;
    early = [];
    for (const key of keys) {
      if (isOpen()) press(key);
      else if (key === "Enter") composer()?.form.requestSubmit();
    }
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
    settle();
  };

  const show = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html;
    const fresh = template.content.getElementById("mention-options");
    if (!fresh || !list()) return close();
    list().replaceWith(fresh);
    document.getElementById("mention-status").textContent = fresh.dataset.status;
    if (!options().length) return close();
    composer().setAttribute("aria-expanded", "true");
    composer().removeAttribute("aria-activedescendant");
    settle();
  };

  const ask = async (name) => {
    const question = ++asked;
    const url = `${composer().form.dataset.mentionsUrl}?${new URLSearchParams({ q: name })}`;
    let html = null;
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      if (response.ok) html = await response.text();
    } catch {
      // Offline: no list, and the @username can still be typed.
    }
    if (question !== asked) return; // something was typed since
    // Still what the composer holds (not sent meanwhile)? Then show it.
    if (html && typedName(composer())?.name === name) show(html);
    else close();
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

  // One of KEYS, with the list open.
  const press = (key) => {
    const all = options();
    const current = all.findIndex((option) => option.getAttribute("aria-selected") === "true");
    if (key === "ArrowDown" || key === "ArrowUp") {
      const step = key === "ArrowDown" ? 1 : -1;
      const from = current === -1 && step === -1 ? all.length : current;
      highlight(all[(from + step + all.length) % all.length]);
    } else if (key === "Enter" || key === "Tab") {
      choose(all[Math.max(current, 0)]);
    } else {
      close();
    }
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
    waiting = true;
    clearTimeout(timer);
    timer = setTimeout(() => ask(typed.name), WAIT_MS);
  });

  // Enter on a name typed whole, none chosen with the arrows: nothing to
  // complete, so the message goes as typed ("see you, @bob" Enter sends).
  const typedWhole = () => {
    const typed = typedName(composer())?.name.toLowerCase();
    const chosen = options().some((option) => option.getAttribute("aria-selected") === "true");
    return !chosen && options().some((option) => option.dataset.username.toLowerCase() === typed);
  };

  document.addEventListener(
    "keydown",
    (event) => {
      if (event.target !== composer() || event.isComposing || !KEYS.includes(event.key)) return;
      if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
      if (isOpen() && event.key === "Enter" && typedWhole()) {
        close();
        return; // composer.js sends it
      }
      if (isOpen()) press(event.key);
      else if (!waiting) return;
      else if (event.key === "Escape") close();
      else if (event.key.startsWith("Arrow") || early.length) early.push(event.key);
      else return;
      event.preventDefault();
    },
    true,
  );

  // Sent as typed: a list still coming is for a message gone.
  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    if (event.target.id === "composer") close();
  });

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
