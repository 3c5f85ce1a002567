"""The web app manifest and the service worker: what makes the chat
installable, as Campfire is, and able to show push notifications."""

from django.shortcuts import render
from django.views.decorators.cache import cache_control


@cache_control(public=True, max_age=60 * 60 * 24)
def web_app_manifest(request):
    # A template, so the icons' URLs are the hashed static ones.
    return render(
        request, "manifest.webmanifest", content_type="application/manifest+json"
    )


@cache_control(no_cache=True)
def service_worker(request):
    # At the site's root, so it may serve every page; revalidated on every
    # check, so a new release's worker is picked up.
    return render(request, "service-worker.js", content_type="text/javascript")
