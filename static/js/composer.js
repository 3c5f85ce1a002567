// The server clears the composer by re-rendering it once the message is
// stored. Whatever the person typed after pressing Enter must survive that.
(() => {
  let sent = null;

  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    if (event.target.id === "composer") sent = event.detail.message.values.message;
  });

  document.addEventListener("htmx:before:swap", (event) => {
    const typed = document.getElementById("composer-message")?.value ?? "";
    if (sent === null || typed === sent) return;
    for (const task of event.detail.tasks) {
      const fresh = task.target?.id === "composer-message" && task.fragment.querySelector("#composer-message");
      if (fresh && !fresh.value) {
        fresh.setAttribute("value", typed.startsWith(sent) ? typed.slice(sent.length) : typed);
      }
    }
  });
})();
