// The log (a column-reverse scroller) follows new messages only for a reader
// at the bottom. A reader scrolled up stays put; when something newer
// arrives, a button offers the way down, and goes once they are there; a
// message of their own takes them down to it.
(() => {
  const scroller = document.querySelector(".messages-scroller");
  const button = document.getElementById("jump-to-newest");
  if (!scroller || !button) return;
  const NEAR_BOTTOM_PX = 40;

  // column-reverse: scrollTop is 0 at the newest and negative above it.
  const atBottom = () => scroller.scrollTop > -NEAR_BOTTOM_PX;
  const newestId = () => document.querySelector("#messages > article.message:last-of-type")?.id;
  let newest = newestId();

  const mine = (id) => {
    const viewer = document.getElementById("composer-message")?.dataset.viewer;
    return viewer && document.getElementById(id)?.dataset.author === viewer;
  };

  document.addEventListener("htmx:ws:after:message:incoming", () => {
    const arrived = newestId();
    if (arrived !== newest && !atBottom()) {
      // Your own message, sent while scrolled up: you go down to it.
      if (mine(arrived)) scroller.scrollTop = 0;
      else button.hidden = false;
    }
    newest = arrived;
  });

  scroller.addEventListener("scroll", () => {
    if (atBottom()) button.hidden = true;
  });

  button.addEventListener("click", () => {
    scroller.scrollTop = 0;
    // The button hides under the keyboard's focus: keep it in the log.
    scroller.focus({ preventScroll: true });
  });
})();
