// Keep the newest message in view while the reader is at the bottom of the
// log; leave the scroll alone while they read older messages.
(() => {
  let following = true;

  function log() {
    return document.getElementById("messages");
  }

  function atBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  }

  function follow() {
    const element = log();
    if (element && following) element.scrollTop = element.scrollHeight;
  }

  document.addEventListener("DOMContentLoaded", follow);
  document.addEventListener("htmx:ws:before:message:incoming", () => {
    const element = log();
    following = !element || atBottom(element);
  });
  document.addEventListener("htmx:ws:after:message:incoming", follow);
})();
