// Keep the socket URL's ?after= at the newest message on the page, and
// ?revision= at the newest change it shows, so every reconnect (network
// loss, restart, a tab shown again) asks the server for exactly what this
// page has not seen: new messages, and edits, deletions and reactions.
(() => {
  function newestMessageId() {
    const newest = document.querySelector("#messages > article.message:last-of-type");
    return newest ? newest.id.replace("message-", "") : "0";
  }

  function newestRevision(url) {
    let newest = Number(url.searchParams.get("revision")) || 0;
    for (const message of document.querySelectorAll("#messages > article.message")) {
      newest = Math.max(newest, Number(message.dataset.revision) || 0);
    }
    return String(newest);
  }

  function pointAtNewest(event) {
    const connection = event.detail.connection;
    const url = new URL(connection.url);
    url.searchParams.set("after", newestMessageId());
    url.searchParams.set("revision", newestRevision(url));
    connection.url = url.toString();
  }

  // Every connection after the first says so, for the server's count of
  // reconnects.
  let connected = false;
  document.addEventListener("htmx:ws:before:connection", (event) => {
    if (connected) {
      const url = new URL(event.detail.connection.url);
      url.searchParams.set("reconnect", "1");
      event.detail.connection.url = url.toString();
    }
    connected = true;
  });
  document.addEventListener("htmx:ws:before:connection", pointAtNewest);
  document.addEventListener("htmx:ws:after:message:incoming", pointAtNewest);
})();
