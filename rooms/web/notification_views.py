"""A person's notification settings: the email about what they missed, and
push in each of their browsers; and the link in an email that stops them.

Here, not in accounts: they ask the sweeps (rooms/sweeps) whether they send
and how. The URLs stay under /accounts/ (site_config/urls.py).
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse, RawPostDataException
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import email_address
from accounts.forms import NotificationsForm
from accounts.models import EmailNotifications, PushSubscription
from rooms.sweeps import notify, push


@login_required
def notifications(request):
    """A person's email address, and whether they are emailed what they missed."""
    form = NotificationsForm(request.POST or None, instance=request.user)
    if form.is_valid():
        user = form.save()
        if "email" in form.changed_data:
            email_address.ask_to_confirm(user)
        return redirect(reverse("notifications") + "?saved=1")
    context = {
        "form": form,
        "saved": "saved" in request.GET,
        "link_sent": "link_sent" in request.GET,
        "link_failed": "link_failed" in request.GET,
        "confirmed": email_address.is_confirmed(request.user),
        "sending": notify.enabled(),
        "wait_minutes": notify.wait_minutes(),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY if push.enabled() else "",
    }
    return render(
        request,
        "accounts/notifications.html",
        context,
        status=400 if form.errors else 200,
    )


def json_body(request):
    """Return the request's JSON body; ValueError if there is none."""
    try:
        return json.loads(request.body)
    except RawPostDataException:  # a form was posted, and read as one
        raise ValueError("not JSON") from None


@login_required
@require_POST
def push_subscribe(request):
    """Keep a browser's push subscription (static/js/push.js sends it)."""
    try:
        data = json_body(request)
        endpoint, keys = data["endpoint"], data["keys"]
        fields = {"p256dh": keys["p256dh"], "auth": keys["auth"]}
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("Not a push subscription.")}, status=400)
    if not (
        isinstance(endpoint, str)
        and push.endpoint_allowed(endpoint)
        and push.can_sign_for(endpoint)
    ):
        return JsonResponse(
            {"error": _("This browser's push service cannot be reached from here.")},
            status=400,
        )
    if not all(isinstance(v, str) and 0 < len(v) <= 200 for v in fields.values()):
        return JsonResponse({"error": _("Not a push subscription.")}, status=400)
    PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": request.user, **fields}
    )
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request):
    try:
        endpoint = json_body(request)["endpoint"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "Which browser?"}, status=400)
    request.user.push_subscriptions.filter(endpoint=endpoint).delete()
    return JsonResponse({"subscribed": False})


@login_required
@require_POST
def push_test(request):
    """Push a test notification to this person's browsers, at once."""
    payload = {
        "title": _("Chat"),
        "body": _("Notifications are on: this is how a mention will look."),
        "url": reverse("notifications"),
        "tag": "test",
    }
    subscriptions = list(request.user.push_subscriptions.all())
    sent = sum(push.send(subscription, payload) for subscription in subscriptions)
    return JsonResponse({"sent": sent}, status=200 if sent else 502)


@csrf_exempt  # the signed link is the proof; mail programs POST it (RFC 8058)
def notifications_off(request, token):
    """Turn the emails off from the link in one, signed in or not."""
    user_id = notify.person_to_unsubscribe(token)
    if user_id is None:
        return render(
            request, "accounts/notifications_off.html", {"invalid": True}, status=404
        )
    if request.method == "POST":
        EmailNotifications.objects.update_or_create(
            user_id=user_id, defaults={"enabled": False}
        )
        return render(request, "accounts/notifications_off.html", {"done": True})
    return render(request, "accounts/notifications_off.html", {"token": token})
