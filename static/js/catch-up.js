// Keep the socket URL's ?after= at the newest message on the page, so every
// reconnect (network loss, restart, a tab shown again) asks the server for
// exactly what this page has not seen.
(() => {
  function newestMessageId() {
    const newest = document.querySelector("#messages > article.message:last-of-type");
    return newest ? newest.id.replace("message-", "") : "0";
  }

  function pointAtNewest(event) {
    const connection = event.detail.connection;
    const url = new URL(connection.url);
    url.searchParams.set("after", newestMessageId());
    connection.url = url.toString();
  }

  document.addEventListener("htmx:ws:before:connection", pointAtNewest);
  document.addEventListener("htmx:ws:after:message:incoming", pointAtNewest);
})();
