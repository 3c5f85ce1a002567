"""A message's own pages: posting over HTTP, its files and link preview
pictures, and changing it without JavaScript (edit, delete, react, remove
a preview), and its earlier versions."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts import bots, limits
from rooms.messages import changes, emoji_names, posting
from rooms.messages.forms import MessageForm
from rooms.models import Attachment, LinkPreview, Message
from rooms.models.message import TooManyReactions
from rooms.web.forms import TOO_FAST_TO_CHANGE, TOO_MANY_REACTIONS
from rooms.web.views import for_readers, room_for, show_room


@login_required
@require_POST
def post_message(request, slug):
    """Post over HTTP: without JavaScript, and any message with files.

    The composer sends text alone over the socket; with files it posts here
    (attachments.js, an htmx request), and is answered with the composer.
    """
    room = room_for(request, slug)
    posted = posting.post(room, request.user, request.POST, request.FILES)
    if posted.refused:
        if request.htmx:
            context = {"room": room, "form": posted.form}
            return render(
                request, "rooms/room.html#composer-update", context, status=400
            )
        if posted.form.is_blank():
            return redirect(room)
        return show_room(request, slug, form=posted.form)
    if request.htmx:
        # Stored either way; the alert says it has not gone out live yet.
        alert = None if posted.delivered else "delivery-delayed"
        context = {"room": room, "form": MessageForm(), "alert": alert}
        return render(request, "rooms/room.html#composer-update", context)
    return redirect(room)


def attachment(request, pk, thumbnail=False):
    """Serve a message's file to those who may read its room.

    Nothing uploaded runs here: a picture is shown as the picture its bytes
    are, anything else is a download, and the page it could make is
    sandboxed. From S3, a short-lived signed URL, after the same check.
    A bot asks with its key (Authorization: Bearer), as in the API.
    """
    reader = request.user
    if "Authorization" in request.headers:
        reader = bots.from_authorization(request.headers["Authorization"])
        if reader is None:
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    attachment = get_object_or_404(Attachment.objects.readable_by(reader), pk=pk)
    file = (
        attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.file
    )
    return serve_file(
        file, attachment.content_type, attachment.name, attachment.is_image
    )


def link_preview_image(request, pk):
    """Serve a link preview's picture, the chat's own copy, to those who may
    read its room: readers' browsers never ask the linked site."""
    readable = LinkPreview.objects.readable_by(request.user).exclude(image="")
    preview = get_object_or_404(readable, pk=pk)
    return serve_file(preview.image, preview.image_type, "preview", True)


def serve_file(file, content_type, name, is_image):
    """Answer with a stored file: a picture as the picture its bytes are,
    anything else as a download, and the page it could make sandboxed."""
    as_download = not is_image
    try:
        default_storage.path(file.name)
    except NotImplementedError:  # object storage: it serves the bytes
        parameters = {
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition_header(as_download, name),
        }
        url = default_storage.url(file.name, parameters=parameters, expire=60)
        response = redirect(url)
        # Reused while the signature holds, so pictures are not fetched anew.
        response["Cache-Control"] = "private, max-age=50"
        return response
    response = FileResponse(
        file.open("rb"),
        as_attachment=as_download,
        filename=name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def edit_message(request, pk):
    """Edit a message without JavaScript; the composer does it with."""
    message = message_for(request, pk)
    if not message.can_be_edited_by(request.user):
        raise PermissionDenied
    form = MessageForm(request.POST or None, initial={"message": message.body})
    if form.is_valid():
        try:
            changes.edit(message, request.user, form.cleaned_data["message"])
            return redirect(message)
        except limits.TooFast:
            form.add_error("message", TOO_FAST_TO_CHANGE)
    context = {"message": message, "form": form}
    return render(
        request, "rooms/edit_message.html", context, status=400 if form.errors else 200
    )


@for_readers
def message_history(request, pk):
    """Show a message as it reads now and before each edit, newest first."""
    message = message_for(request, pk)
    context = {"message": message, "versions": message.history()}
    return render(request, "rooms/message_history.html", context)


@login_required
def delete_message(request, pk):
    """Ask, then delete a message; without JavaScript as with."""
    message = message_for(request, pk)
    if not message.can_be_deleted_by(request.user):
        raise PermissionDenied
    context = {"message": message}
    if request.method == "POST":
        try:
            changes.delete(message, request.user)
            return redirect(message)
        except limits.TooFast:
            context["error"] = TOO_FAST_TO_CHANGE
            return render(request, "rooms/delete_message.html", context, status=429)
    return render(request, "rooms/delete_message.html", context)


@login_required
def react(request, pk):
    """React without JavaScript: a reaction button asks here, then posts.
    The picker opens the chooser here: searched by GET, picked by POST."""
    message = message_for(request, pk)
    if message.deleted:
        raise Http404("No such message.")
    emoji = request.POST.get("emoji", request.GET.get("emoji"))
    if emoji is None and request.method == "GET":
        context = {"message": message, **emoji_choices(request)}
        return render(request, "rooms/react_choose.html", context)
    if not emoji_names.is_emoji(emoji):
        raise Http404("No such reaction.")
    context = {"message": message, "emoji": emoji}
    if request.method == "POST":
        try:
            changes.react(message, request.user, emoji)
            return redirect(message)
        except limits.TooFast:
            context["error"] = TOO_FAST_TO_CHANGE
            return render(request, "rooms/react.html", context, status=429)
        except TooManyReactions:
            context["error"] = TOO_MANY_REACTIONS
            return render(request, "rooms/react.html", context, status=400)
    chosen = request.user.pk in message.reactors.get(emoji, [])
    return render(request, "rooms/react.html", {**context, "chosen": chosen})


@login_required
def remove_link_preview(request, pk):
    """Ask, then take a link's preview from under a message, without
    JavaScript (with it, the socket does)."""
    preview = get_object_or_404(LinkPreview.objects.readable_by(request.user), pk=pk)
    message = preview.message
    if not message.can_be_deleted_by(request.user):
        raise PermissionDenied
    context = {"message": message, "preview": preview}
    if request.method == "POST":
        try:
            changes.remove_preview(message, request.user, preview.pk)
            return redirect(message)
        except limits.TooFast:
            context["error"] = TOO_FAST_TO_CHANGE
            return render(request, "rooms/remove_preview.html", context, status=429)
    return render(request, "rooms/remove_preview.html", context)


def emoji_options(request):
    """The chooser's options for the name typed (emoji-chooser.js)."""
    return render(request, "rooms/emoji_options.html", emoji_choices(request))


def emoji_choices(request):
    # Longer than any emoji's name: nothing more to search for.
    typed = request.GET.get("emoji-search", "")[:100]
    found, more = emoji_names.find(typed)
    return {"typed": typed, "choices": found, "more": more}


def message_for(request, pk):
    """Return the message if this person may read its room; 404 hides the rest."""
    readable = Message.objects.readable_by(request.user).select_related("room")
    return get_object_or_404(readable, pk=pk)
