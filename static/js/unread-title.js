// While the tab is hidden, show in its title how many messages others have
// posted since: "(3) general · Chat". htmx closes a hidden tab's socket, so
// the tab asks the server now and then instead. Back on the tab, what others
// said meanwhile comes with the catch-up, under a "New since you were here"
// line.
(() => {
  const room = document.querySelector("[data-unread-url]");
  if (!room) return;
  const title = document.title;
  let asking = null;
  // The newest message when the tab was hidden, until the catch-up on return.
  let seenUpTo = null;

  function markNewSince(id) {
    const viewer = document.getElementById("composer-message")?.dataset.viewer;
    const first = [...document.querySelectorAll("#messages > article.message")].find(
      (message) => Number(message.id.replace("message-", "")) > id && message.dataset.author !== viewer
    );
    if (!first) return;
    document.getElementById("unread-line")?.remove();
    const line = document.getElementById("unread-line-template").content.firstElementChild.cloneNode(true);
    line.id = "unread-line";
    // Keyed like the message below it, so live messages sort after it.
    line.dataset.key = first.id;
    first.before(line);
  }

  document.addEventListener("htmx:ws:after:message:incoming", () => {
    if (seenUpTo === null || document.hidden) return;
    markNewSince(seenUpTo);
    seenUpTo = null;
  });

  function newestMessageId() {
    const newest = document.querySelector("#messages > article.message:last-of-type");
    return newest ? newest.id.replace("message-", "") : "0";
  }

  async function showCount() {
    const url = new URL(room.dataset.unreadUrl, location.href);
    url.searchParams.set("after", newestMessageId());
    try {
      const response = await fetch(url);
      const { count } = await response.json();
      if (document.hidden) document.title = count ? `(${count}) ${title}` : title;
    } catch {
      // Offline or restarting: ask again next time.
    }
  }

  document.addEventListener("visibilitychange", () => {
    clearInterval(asking);
    if (document.hidden) {
      seenUpTo = Number(newestMessageId());
      asking = setInterval(showCount, Number(room.dataset.unreadPollSeconds) * 1000);
    } else {
      document.title = title;
    }
  });
})();
