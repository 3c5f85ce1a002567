"""POST /hooks/<secret>/: Slack's incoming-webhook payloads, posted in the
webhook's room as its bot; and the administrators' page of webhooks.

The answers are Slack's, so its clients need no change: 200 "ok", or a
status with one of its error names as the body.
"""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import limits
from accounts.people import administrators_only
from rooms.messages import posting
from rooms.messages.forms import TOO_FAST
from rooms.models import IncomingWebhook, Room

from . import hooks, slack

# Longer than any secret made (hooks.create): nothing longer is hashed.
SECRET_MAX_LENGTH = 100


def slack_answer(status, body):
    return HttpResponse(body, status=status, content_type="text/plain")


@csrf_exempt
def incoming(request, secret):
    """Post a Slack payload in the webhook's room; answer as Slack does."""
    if request.method != "POST":
        response = slack_answer(405, "invalid_method")
        response["Allow"] = "POST"
        return response
    hook = hooks.from_secret(secret) if len(secret) <= SECRET_MAX_LENGTH else None
    if hook is None:
        return slack_answer(404, "no_service")
    bot, room = hook.bot, hook.room
    if not bot.is_active or not room.admits(bot):
        return slack_answer(403, "action_prohibited")
    if not limits.incoming_webhooks.allows(hook.pk):
        response = slack_answer(429, "rate_limited")
        response["Retry-After"] = "1"
        return response
    payload = payload_of(request)
    if payload is None:
        return slack_answer(400, "invalid_payload")
    text = slack.payload_text(payload)
    if not text:
        return slack_answer(400, "no_text")
    posted = posting.post(room, bot, {"message": with_name(payload, bot, text)})
    if posted.refused:
        return refusal(posted.form)
    return slack_answer(200, "ok")


def payload_of(request):
    """Return the JSON object a request carries: its body, or the form
    field payload= that older clients send; None if there is none."""
    raw = request.body
    if request.content_type == "application/x-www-form-urlencoded":
        raw = request.POST.get("payload", raw)
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def with_name(payload, bot, text):
    """Put the name a payload asks to post under first, in bold: the author
    stays the webhook's bot, so a payload cannot pass for a person."""
    name = payload.get("username")
    if not isinstance(name, str) or not name.strip() or name == bot.username:
        return text
    return f"**{slack.plain(name.strip()[:80])}**\n{text}"


def refusal(form):
    if form.has_error("message", "archived"):
        return slack_answer(410, "channel_is_archived")
    if form.has_error("message", "max_length"):
        return slack_answer(400, "msg_too_long")
    if TOO_FAST in form.errors.get("message", []):
        return slack_answer(429, "rate_limited")
    return slack_answer(400, "invalid_payload")


@administrators_only
def webhooks_page(request, new_url=None, status=200):
    """List the webhooks, each with a revoke button; a form makes one."""
    context = {
        "webhooks": IncomingWebhook.objects.select_related("room", "bot", "created_by"),
        "rooms": Room.objects.exclude(kind=Room.Kind.DIRECT).order_by("name"),
        "new_url": new_url,
    }
    return render(request, "rooms/incoming_webhooks.html", context, status=status)


@administrators_only
def make(request):
    if request.method != "POST":  # the address bar after making one
        return redirect("incoming_webhooks")
    rooms = Room.objects.exclude(kind=Room.Kind.DIRECT)
    room = get_object_or_404(rooms, slug=request.POST.get("room", ""))
    _hook, secret = hooks.create(room, by=request.user)
    # Shown on this answer only: the secret is not kept.
    url = hooks.url_of(secret, request.build_absolute_uri)
    return webhooks_page(request, new_url=url, status=201)


@require_POST
@administrators_only
def revoke(request, pk):
    hook = get_object_or_404(
        IncomingWebhook.objects.select_related("room", "bot"), pk=pk
    )
    hooks.revoke(hook, by=request.user)
    messages.success(
        request,
        _("%(bot)s: revoked; its URL no longer works.") % {"bot": hook.bot.username},
    )
    return redirect("incoming_webhooks")
