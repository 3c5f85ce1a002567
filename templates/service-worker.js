{% load i18n static %}// The service worker: shows a push notification (rooms/sweeps/push.py sends
// {title, body, url, tag}) and opens the message when it is clicked,
// in a tab of the chat already open if there is one.
self.addEventListener("push", (event) => {
  const push = event.data ? event.data.json() : {};
  event.waitUntil(
    self.registration.showNotification(push.title || "{% translate "Chat" as fallback %}{{ fallback|escapejs }}", {
      body: push.body || "",
      tag: push.tag,
      icon: "{% static 'icons/icon-192.png' %}",
      data: { url: push.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      const tab = tabs.find((t) => t.url === url) || tabs[0];
      if (tab) return tab.navigate(url).then((t) => (t || tab).focus());
      return self.clients.openWindow(url);
    }),
  );
});
