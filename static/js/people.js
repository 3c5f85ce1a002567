// Someone changed their name or avatar: the server sends one fragment to
// every room (#person-updates); show it on their messages, their mentions
// and in the online list, in place. Without JavaScript the next page shows it.
(() => {
  const updates = document.getElementById("person-updates");
  if (!updates) return;
  const apply = (update) => {
    const { person, name, avatar, profileLabel } = update.dataset;
    const theirs = `#messages article.message[data-author="${person}"]`;
    for (const shown of document.querySelectorAll(
      `${theirs} .message-author, #online a[data-person="${person}"]`
    )) {
      shown.textContent = name;
    }
    for (const mention of document.querySelectorAll(`#messages a.mention[data-user="${person}"]`)) {
      mention.textContent = `@${name}`;
    }
    for (const link of document.querySelectorAll(`${theirs} a.message-avatar`)) {
      link.setAttribute("aria-label", profileLabel);
      link.querySelector("img.avatar").src = avatar;
    }
    update.remove();
  };
  new MutationObserver(() => {
    for (const update of updates.querySelectorAll("[data-person]")) apply(update);
  }).observe(updates, { childList: true });
})();
