"""The chat's pages: the lobby, a room and its reading marks, members,
conversations, search; and who may read them (for_readers, room_for)."""

import functools

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_POST
from django.views.decorators.vary import vary_on_cookie, vary_on_headers

from accounts import joining
from accounts.models import SignUpPolicy
from accounts.views import safe_next
from rooms.live import broadcast
from rooms.messages.forms import MessageForm
from rooms.models import (
    PAGE_SIZE,
    Message,
    Presence,
    ReadMark,
    Room,
)
from rooms.web import mentions
from rooms.web.forms import (
    ROOM_EXISTS,
    DirectForm,
    HistoryForm,
    MemberForm,
    MentionForm,
    RoomForm,
    SearchForm,
)
from rooms.web.sidebar import page_sidebar_context

# A hidden tab's title counts up to this: "(99)" says enough.
UNREAD_COUNT_LIMIT = 99


def for_readers(view):
    """Send a signed-out visitor to sign in, unless visitors may read."""

    @functools.wraps(view)
    def for_readers(request, *args, **kwargs):
        if not request.user.is_authenticated and not SignUpPolicy.visitors_may_read():
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return for_readers


@for_readers
def lobby(request):
    if not request.user.is_authenticated and joining.no_one_yet():
        return redirect("signup")  # the first run: make the first account
    return render(request, "rooms/lobby.html", page_sidebar_context(request.user))


@login_required
def create_room(request):
    form = RoomForm(request.POST or None, creator=request.user)
    if form.is_valid():
        try:
            with transaction.atomic():
                room = form.save()
                if room.is_private:
                    room.members.add(request.user)
            return redirect(room)
        except IntegrityError:  # its slug, taken since the form checked
            form.add_error("name", ROOM_EXISTS)
    return render(
        request, "rooms/new.html", {"form": form}, status=400 if form.errors else 200
    )


@vary_on_headers("HX-Request")
@for_readers
def show_room(request, slug, form=None):
    room = room_for(request, slug)
    history = HistoryForm(request.GET)
    if not history.is_valid():
        raise Http404("No such page of messages.")
    around = history.cleaned_data["around"]
    if around is not None:
        get_object_or_404(room.messages, pk=around)
    page = room.history(**history.cleaned_data)
    if request.htmx:
        # A page loading into the log as it scrolls: older at the top, or
        # newer at the bottom of a page of history.
        newer = history.cleaned_data["after"] is not None
        context = {"room": room, "page": page, "reached_present": not page.has_newer}
        partial = "newer-page" if newer else "older-page"
        return render(request, f"rooms/room.html#{partial}", context)
    return room_page(request, room, page, form=form, highlighted=around)


def room_page(request, room, page, *, form=None, highlighted=None, thread=None):
    """Draw a room's page: its log, its people and the sidebar, and the
    thread open beside it (threads.py adds its context)."""
    messages = page.messages
    context = {
        "room": room,
        "page": page,
        "messages": messages,
        "highlighted": highlighted,
        "after": page.newest_id,
        "online": Presence.objects.people_in(room),
        "form": form or MessageForm(),
        "unread_poll_seconds": settings.UNREAD_POLL_SECONDS,
        # Opening a room puts the keyboard in the composer (a thread: its own).
        "focus": "composer",
        **(thread or {}),
    }
    if request.user.is_authenticated and not page.has_newer:
        context.update(mark_read(request.user, room, messages))
        async_to_sync(broadcast.room_read)(request.user.pk, room)
    # After the mark: this room is read now.
    context.update(page_sidebar_context(request.user, current_room=room))
    refused = form or (thread and thread["thread_form"].errors)
    return render(request, "rooms/room.html", context, status=400 if refused else 200)


def mark_read(user, room, messages):
    """Mark the room read; return where the new messages start, and muting."""
    before = ReadMark.objects.advance(user, room, messages[-1].pk if messages else 0)
    if before is None:
        return {}  # never here before: nothing is "new since"
    unread = (
        message
        for message in messages
        if message.pk > before.last_read_id and message.author_id != user.pk
    )
    first_unread = next(unread, None)
    return {
        "first_unread_id": first_unread.pk if first_unread else None,
        "muted": before.muted,
    }


@login_required
@require_POST
def mute(request, slug):
    """Mute or unmute a room: muted, only mentions show it as unread."""
    room = room_for(request, slug)
    muted = request.POST.get("muted") == "1"
    ReadMark.objects.update_or_create(
        user=request.user, room=room, defaults={"muted": muted}
    )
    return redirect(room)


@login_required
@require_POST
def read_all(request):
    """Mark every room this person lists read, up to its newest message."""
    rooms = [
        room for room in Room.objects.with_unread_for(request.user) if room.unread_count
    ]
    newest = dict(
        Message.objects.filter(room__in=[room.pk for room in rooms])
        .values("room")
        .annotate(newest=Max("pk"))
        .values_list("room", "newest")
    )
    for room in rooms:
        ReadMark.objects.advance(request.user, room, newest[room.pk])
        async_to_sync(broadcast.room_read)(request.user.pk, room)
    return redirect(safe_next(request) or "rooms:lobby")


@login_required
def mention_options(request, slug):
    """Draw the people to offer for the "@name" being typed in the composer."""
    room = room_for(request, slug)
    form = MentionForm(request.GET)
    people = mentions.offered(room, form.cleaned_data["q"]) if form.is_valid() else []
    context = {"room": room, "offered": people}
    return render(request, "rooms/room.html#mention-options", context)


def unread_count(request, slug):
    """Count messages by others after ?after=, for a hidden tab's title.

    htmx closes a hidden tab's socket, so the tab asks now and then.
    """
    room = room_for(request, slug)
    history = HistoryForm(request.GET)
    after = history.cleaned_data["after"] if history.is_valid() else None
    if after is None:
        return JsonResponse({"count": 0})
    newer = room.messages.in_log().filter(pk__gt=after)
    if request.user.is_authenticated:
        newer = newer.exclude(author=request.user)
    return JsonResponse({"count": newer[:UNREAD_COUNT_LIMIT].count()})


def members(request, slug):
    """List a private room's members; its creator adds people by name."""
    room = room_for(request, slug)
    if room.kind != Room.Kind.PRIVATE:
        raise Http404("Only private rooms have a member list to manage.")
    form = MemberForm(request.POST or None, room=room)
    if request.method == "POST":
        if not room.is_managed_by(request.user):
            raise PermissionDenied
        if form.is_valid():
            room.members.add(form.user)
            return redirect("rooms:members", room.slug)
    context = {
        "room": room,
        "members": room.members.select_related("profile").order_by("username"),
        "manages": room.is_managed_by(request.user),
        "form": form,
    }
    return render(
        request, "rooms/members.html", context, status=400 if form.errors else 200
    )


@require_POST
def remove_member(request, slug, user_id):
    room = room_for(request, slug)
    if not room.is_managed_by(request.user) or user_id == room.created_by_id:
        raise PermissionDenied
    user = get_object_or_404(get_user_model(), pk=user_id)
    room.members.remove(user)  # which closes their sockets (rooms/signals.py)
    return redirect("rooms:members", room.slug)


@login_required
def start_direct(request):
    """The sidebar's "Message someone": open the conversation by username."""
    form = DirectForm(request.GET)
    if form.is_valid():
        return redirect("rooms:direct", form.cleaned_data["username"])
    return render(request, "rooms/start_direct.html", {"form": form}, status=404)


@login_required
def direct(request, username):
    """Open the conversation with this person, starting it the first time."""
    people = get_user_model().objects.filter(username__iexact=username)
    person = get_object_or_404(people.order_by("pk")[:1])
    return redirect(Room.objects.direct_for([request.user, person]))


@for_readers
def search(request):
    """Search the messages this person may read; link each to its context."""
    form = SearchForm(request.GET, user=request.user)
    context = {"terms": request.GET.get("q", "").strip(), "page_size": PAGE_SIZE}
    if not form.is_valid():
        context["errors"] = form.errors["q"]
    elif form.cleaned_data["q"]:
        found = form.found().with_author().select_related("room")
        context.update(
            results=found[:PAGE_SIZE],
            marked=form.cleaned_data["marked"],
            filters=form.cleaned_data,
        )
    return render(request, "rooms/search.html", context)


@conditional_page
@cache_control(private=True, no_cache=True)
@vary_on_cookie
def viewer_css(request):
    """Serve this viewer's own style rules; the URL's ?viewer= only keys it."""
    # Revalidated on every use (ETag): the rules follow the session cookie.
    return render(request, "rooms/viewer.css", content_type="text/css")


def room_for(request, slug):
    """Return the room if this person may read it; 404 hides the others."""
    return get_object_or_404(Room.objects.visible_to(request.user), slug=slug)
