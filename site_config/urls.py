from django.contrib import admin
from django.urls import include, path

from accounts import people
from accounts import views as accounts_views
from rooms.web import api

from . import gallery
from .health import healthz
from .manifest import service_worker, web_app_manifest

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("manifest.webmanifest", web_app_manifest, name="manifest"),
    path("service-worker.js", service_worker, name="service_worker"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("join/<str:code>/", accounts_views.join, name="join"),
    path("people/", include(people.urlpatterns)),
    path(
        "api/rooms/<slug:slug>/messages/",
        api.room_messages,
        name="api_room_messages",
    ),
    path("gallery/", gallery.index, name="gallery"),
    path("gallery/viewer.css", gallery.viewer_css, name="gallery_viewer_css"),
    path("gallery/<slug:slug>/", gallery.exhibit, name="gallery_exhibit"),
    path("", include("rooms.urls")),
]
