"""Threads: one open beside its room (a page of its own on a phone and
without JavaScript), replying in it, and the threads a person follows."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rooms.messages import posting
from rooms.messages.forms import MessageForm
from rooms.models import ThreadFollow
from rooms.web.views import for_readers, room_for, room_page


@vary_on_headers("HX-Request")
@for_readers
def thread(request, slug, pk):
    """Show a thread; POST replies in it."""
    room = room_for(request, slug)
    started = get_object_or_404(room.messages.with_author(), pk=pk)
    if started.thread_id is not None:
        if request.method != "POST":
            # A reply's own URL: its thread, opened at it.
            return redirect(started.get_absolute_url())
        started = room.messages.with_author().get(pk=started.thread_id)
    if request.method == "POST":
        return reply(request, room, started)
    return show(request, room, started)


def show(request, room, started, form=None):
    # The room's page first: its socket starts after the newest message as
    # of then, so a reply posted while the thread is read still comes.
    page = None if request.htmx else room.history()
    # Through the room: each reply's link needs it, read once.
    replies = list(room.messages.filter(thread=started).with_author().order_by("pk"))
    if request.user.is_authenticated and replies:
        ThreadFollow.objects.mark_read(request.user, started, replies[-1].pk)
    context = {
        "thread": started,
        "replies": replies,
        "thread_form": form or MessageForm(),
        "focus": "thread" if form is not None else None,
    }
    if request.htmx:  # opened beside the room: the reply box takes the keyboard
        context |= {"room": room, "focus": "thread"}
        return render(request, "rooms/room.html#thread-panel", context)
    return room_page(request, room, page, thread=context)


def reply(request, room, started):
    if not request.user.is_authenticated:
        return redirect_to_login(started.thread_url())
    posted = posting.post(
        room, request.user, request.POST, request.FILES, thread=started
    )
    if request.htmx:
        # The reply itself arrives over the socket, as every message does.
        status = 200
        if posted.refused:
            status = 403 if posted.form.has_error("message", "archived") else 400
        form = posted.form if posted.refused else MessageForm()
        context = {"thread": started, "thread_form": form, "focus": "thread"}
        return render(
            request, "rooms/room.html#thread-composer", context, status=status
        )
    if posted.refused:
        if posted.form.is_blank():
            return redirect(started.thread_url())
        return show(request, room, started, posted.form)
    return redirect(posted.message.get_absolute_url())


@login_required
@require_POST
def read(request, slug, pk):
    """Mark a thread read up to ?reply=, from a tab showing it (threads.js)."""
    started = get_object_or_404(room_for(request, slug).messages, pk=pk)
    reply_id = request.POST.get("reply", "")
    if not reply_id.isdigit():
        return HttpResponseBadRequest("reply must be a message id.")
    ThreadFollow.objects.mark_read(request.user, started, int(reply_id))
    return HttpResponse(status=204)


@login_required
def followed(request):
    """The threads this person follows, unread first."""
    follows = ThreadFollow.objects.for_list(request.user)
    return render(request, "rooms/threads.html", {"follows": follows[:100]})
