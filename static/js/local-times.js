// Times in the reader's own zone and format. The server writes every
// time[datetime] in UTC, one rendering for all; this rewrites them and
// redraws the log's day dividers by the reader's day ("Today",
// "Yesterday", a date), for first paint and for every message that comes
// later: live, caught up or from an older page.
(() => {
  // In the page's language (<html lang>), as the reader's browser writes it
  // (en-GB or en-US for an English page); the page's language alone when
  // the browser's languages are others.
  const language = document.documentElement.lang;
  const locale = navigator.languages.find((tag) => tag.split("-")[0] === language)
    || language || undefined;
  const clock = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const dated = new Intl.DateTimeFormat(locale, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
  const longDay = new Intl.DateTimeFormat(locale, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
  });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });

  // Whole local days from `date` to now: 0 today, 1 yesterday.
  function daysAgo(date) {
    const day = new Date(date).setHours(0, 0, 0, 0);
    const today = new Date().setHours(0, 0, 0, 0);
    return Math.round((today - day) / 86_400_000);
  }

  function dayLabel(date) {
    const ago = daysAgo(date);
    if (ago !== 0 && ago !== 1) return longDay.format(date);
    const word = relative.format(-ago, "day");
    return word[0].toLocaleUpperCase() + word.slice(1);
  }

  function localDate(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  // Each time once: rewriting them all on every message would cost a long
  // log dearly. (A tab left open past midnight keeps "today's" clock form.)
  function localiseTimes(root) {
    for (const time of root.querySelectorAll("time:is(.message-time, .local-time)[datetime]:not([title])")) {
      const at = new Date(time.dateTime);
      if (Number.isNaN(at.getTime())) continue;
      time.textContent = daysAgo(at) === 0 ? clock.format(at) : dated.format(at);
      time.title = full.format(at);
    }
  }

  // Only the dividers that change are added or removed: the log is a live
  // region, and a divider put back would be read out again.
  function redrawDividers(log, template) {
    const kept = new Set();
    let previousDay = null;
    for (const message of log.querySelectorAll(":scope > .message")) {
      const time = message.querySelector("time.message-time[datetime]");
      if (!time) continue;
      const at = new Date(time.dateTime);
      const day = localDate(at);
      if (day === previousDay) continue;
      previousDay = day;
      // Above "New since you were here" when that line heads this message.
      let above = message;
      if (above.previousElementSibling && above.previousElementSibling.id === "unread-line") {
        above = above.previousElementSibling;
      }
      const existing = above.previousElementSibling;
      const label = dayLabel(at);
      if (existing && existing.matches(".day-divider")
          && existing.querySelector("time").dateTime === day
          && existing.textContent.trim() === label) {
        kept.add(existing);
        continue;
      }
      const divider = template.content.querySelector(".day-divider").cloneNode(true);
      const dividerTime = divider.querySelector("time");
      dividerTime.dateTime = day;
      dividerTime.textContent = label;
      log.insertBefore(divider, above);
      kept.add(divider);
    }
    for (const divider of log.querySelectorAll(":scope > .day-divider")) {
      if (!kept.has(divider)) divider.remove();
    }
  }

  localiseTimes(document);
  // A thread opened beside the room, and its replies as they come.
  document.addEventListener("htmx:after:swap", () => {
    const thread = document.getElementById("thread");
    if (thread && !thread.hidden) localiseTimes(thread);
  });
  const log = document.getElementById("messages");
  const template = document.getElementById("day-divider-template");
  if (!log || !template) return;
  // Messages arrive as children of the log (upserted by id); redrawing
  // changes its children too, so stop listening while it does.
  const observer = new MutationObserver(update);
  function update() {
    observer.disconnect();
    localiseTimes(log);
    redrawDividers(log, template);
    observer.observe(log, { childList: true });
  }
  update();
})();
