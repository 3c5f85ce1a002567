"""The bot API: post in a room, and read its history, with a bot's key.

POST /api/rooms/<slug>/messages/ takes plain text, JSON {"message": ...}
or a multipart form (message, attachments) and posts as the bot through
the same form, limits, storage and broadcast as a person's message; with
"thread" (a message id) it replies in that message's thread, and with
"also_send_to_room" in the room's log too. GET on the same URL returns a
page of the room's log, or with ?thread= of a thread's replies, oldest
first, with a Link header to the page before it.

Only the Authorization header says who is asking: cookies are never read,
which is why these views need no CSRF token. Errors are JSON.
"""

import json

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from accounts import bots
from rooms.messages import posting
from rooms.messages.forms import TOO_FAST
from rooms.messages.payloads import message_json
from rooms.models import PAGE_SIZE, Room
from rooms.web.forms import HistoryForm

NOT_AUTHENTICATED = "A valid bot key is needed: Authorization: Bearer <key>."


def error(status, message, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


@csrf_exempt
def room_messages(request, slug):
    bot = bots.from_authorization(request.headers.get("Authorization", ""))
    if bot is None:
        response = error(401, NOT_AUTHENTICATED)
        response["WWW-Authenticate"] = 'Bearer realm="chat"'
        return response
    room = Room.objects.visible_to(bot).filter(slug=slug).first()
    if room is None:
        return error(404, "No such room, or this bot is not in it.")
    if request.method == "POST":
        return post(request, bot, room)
    if request.method == "GET":
        return history(request, room)
    response = error(405, "Use GET to read or POST to post.")
    response["Allow"] = "GET, POST"
    return response


def post(request, bot, room):
    try:
        data, files = message_data(request)
    except ValueError as problem:
        return error(400, str(problem))
    thread = None
    if data.get("thread") not in (None, ""):
        thread = thread_of(room, data["thread"])
        if thread is None:
            return error(400, "thread must be the id of a message in this room.")
    posted = posting.post(room, bot, data, files, thread=thread)
    if posted.refused:
        form = posted.form
        if form.has_error("message", "archived"):
            return error(403, form.errors["message"][0])
        errors = [str(e) for field in form.errors.values() for e in field]
        status = 429 if TOO_FAST in errors else 400
        return error(status, " ".join(errors), fields=form.errors)
    return JsonResponse(
        message_json(posted.message, request.build_absolute_uri), status=201
    )


def message_data(request):
    """Return the form data and files a request carries, however sent."""
    content_type = request.content_type
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return request.POST, request.FILES
    if content_type == "application/json":
        try:
            body = json.loads(request.body)
        except ValueError:
            raise ValueError("The body is not JSON.") from None
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            raise ValueError('Send JSON like {"message": "Hello"}.')
        data = {"message": body["message"], "thread": body.get("thread")}
        if body.get("also_send_to_room") is True:
            data["also_send_to_room"] = "on"
        return data, {}
    try:
        return {"message": request.body.decode()}, {}
    except UnicodeDecodeError:
        raise ValueError("The body is not UTF-8 text.") from None


def thread_of(room, message_id):
    """Return the thread a message id of this room starts or is a reply in."""
    if not str(message_id).isdigit():
        return None
    message = room.messages.filter(pk=int(message_id)).first()
    if message is not None and message.thread_id is not None:
        return room.messages.get(pk=message.thread_id)
    return message


def history(request, room):
    form = HistoryForm(request.GET)
    if not form.is_valid():
        return error(400, "before must be a message id.")
    before = form.cleaned_data["before"]
    listed = room.messages.in_log()
    link = reverse("api_room_messages", args=[room.slug]) + "?"
    if "thread" in request.GET:
        thread = thread_of(room, request.GET["thread"])
        if thread is None:
            return error(400, "thread must be the id of a message in this room.")
        listed = room.messages.filter(thread=thread)
        link += f"thread={thread.pk}&"
    messages = listed.with_author()
    if before is not None:
        page = messages.older_than(before, PAGE_SIZE)
    else:
        page = messages.latest_page(PAGE_SIZE)
    response = JsonResponse(
        {
            "room": room.slug,
            "messages": [message_json(m, request.build_absolute_uri) for m in page],
        }
    )
    if page and listed.filter(pk__lt=page[0].pk).exists():
        older = request.build_absolute_uri(f"{link}before={page[0].pk}")
        response["Link"] = f'<{older}>; rel="next"'
    return response
