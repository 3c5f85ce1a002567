"""A room's settings page: rename, describe, archive, leave.

Renaming, the topic and archiving are for the room's creator and the
administrators (Room.may_be_changed_by); anyone who lists a room may leave
it. Each is a plain form POST, so it all works without JavaScript; a
change shows at once to everyone in the room and in their sidebars.
"""

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rooms.live import broadcast
from rooms.models import ReadMark
from rooms.web.forms import RoomSettingsForm
from rooms.web.views import room_for


@login_required
def room_settings(request, slug):
    room = settings_room(request, slug)
    may_change = room.may_be_changed_by(request.user)
    form = RoomSettingsForm(request.POST or None, instance=room)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            broadcast.room_changed(room)
            return redirect(room)
    context = {
        "room": room,
        "form": form,
        "may_change": may_change,
        "may_leave": may_leave(room, request.user),
    }
    status = 400 if form.errors else 200
    return render(request, "rooms/room_settings.html", context, status=status)


@login_required
@require_POST
def archive(request, slug):
    """Archive the room, or bring it back: posted as archived=1 or 0."""
    room = settings_room(request, slug)
    if not room.may_be_changed_by(request.user):
        raise PermissionDenied
    archived = request.POST.get("archived") == "1"
    room.archived = timezone.now() if archived else None
    room.save(update_fields=["archived"])
    broadcast.room_changed(room)
    return redirect(room)


@login_required
@require_POST
def leave(request, slug):
    """Leave a private room, or unlist an open one until opened again."""
    room = settings_room(request, slug)
    if not may_leave(room, request.user):
        raise PermissionDenied
    if room.is_private:
        # Deleting it closes their sockets to the room (rooms/signals.py).
        membership = room.memberships.filter(user=request.user).first()
        if membership is not None:
            membership.ended_because = "left"
            membership.delete()
    else:
        ReadMark.objects.update_or_create(
            user=request.user, room=room, defaults={"left_room": True}
        )
        # Read on in the tabs that show it; unlisted in the sidebars.
        async_to_sync(broadcast.member_removed)(
            room.pk, request.user.pk, "left-open-room"
        )
    return redirect("rooms:lobby")


def settings_room(request, slug):
    room = room_for(request, slug)
    if room.is_direct:
        raise Http404("A conversation has no settings.")
    return room


def may_leave(room, user):
    """Anyone may leave a room, but the one who manages a private room's
    members: nobody else could add them then. They archive it instead."""
    return not room.is_managed_by(user)
