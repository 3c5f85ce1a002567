from django.contrib import admin
from django.urls import include, path

from accounts import people
from accounts import views as accounts_views
from rooms.incoming import views as incoming
from rooms.web import api, export_views, notification_views

from . import gallery
from .health import healthz
from .manifest import service_worker, web_app_manifest
from .metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("manifest.webmanifest", web_app_manifest, name="manifest"),
    path("service-worker.js", service_worker, name="service_worker"),
    path("admin/", admin.site.urls),
    # A person's notification settings, under /accounts/ with the rest of
    # theirs; drawn by rooms, which sends the notifications.
    path(
        "accounts/notifications/",
        notification_views.notifications,
        name="notifications",
    ),
    path(
        "accounts/notifications/off/<str:token>/",
        notification_views.notifications_off,
        name="notifications_off",
    ),
    path(
        "accounts/push/subscribe/",
        notification_views.push_subscribe,
        name="push_subscribe",
    ),
    path(
        "accounts/push/unsubscribe/",
        notification_views.push_unsubscribe,
        name="push_unsubscribe",
    ),
    path("accounts/push/test/", notification_views.push_test, name="push_test"),
    path("accounts/profile/messages.zip", export_views.my_messages, name="my_messages"),
    path("accounts/", include("accounts.urls")),
    path("join/<str:code>/", accounts_views.join, name="join"),
    path("claim/<str:code>/", accounts_views.claim, name="claim"),
    # Drawn by rooms, beside the people page's bots.
    path("people/webhooks/", incoming.webhooks_page, name="incoming_webhooks"),
    path("people/webhooks/new/", incoming.make, name="incoming_webhooks_make"),
    path(
        "people/webhooks/<int:pk>/revoke/",
        incoming.revoke,
        name="incoming_webhooks_revoke",
    ),
    path("people/", include(people.urlpatterns)),
    path(
        "api/rooms/<slug:slug>/messages/",
        api.room_messages,
        name="api_room_messages",
    ),
    # Where Slack's incoming-webhook URLs pointed: the secret is the key.
    path("hooks/<str:secret>/", incoming.incoming, name="incoming_webhook"),
    path("gallery/", gallery.index, name="gallery"),
    path("gallery/viewer.css", gallery.viewer_css, name="gallery_viewer_css"),
    path("gallery/<slug:slug>/", gallery.exhibit, name="gallery_exhibit"),
    path("", include("rooms.urls")),
]
