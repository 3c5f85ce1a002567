// While the tab is hidden, show in its title how many messages others have
// posted since: "(3) general · Chat". htmx closes a hidden tab's socket, so
// the tab asks the server now and then instead.
(() => {
  const room = document.querySelector("[data-unread-url]");
  if (!room) return;
  const title = document.title;
  let asking = null;

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
      asking = setInterval(showCount, Number(room.dataset.unreadPollSeconds) * 1000);
    } else {
      document.title = title;
    }
  });
})();
