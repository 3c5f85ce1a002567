"""The switcher (Ctrl+K, static/js/keyboard.js): the rooms, conversations
and people whose names hold what is typed, among those the person may see."""

from django.shortcuts import render

from accounts.people import directory
from rooms.models import Room
from rooms.web.views import for_readers

# Of each kind: enough to choose from while typing, few enough to read.
SHOWN = 5


@for_readers
def switcher(request):
    q = request.GET.get("switcher-query", "").strip()[:100]
    rooms = Room.objects.visible_to(request.user).filter(name__icontains=q)
    found = {
        "rooms": rooms.exclude(kind=Room.Kind.DIRECT).order_by("name")[:SHOWN],
        "conversations": rooms.filter(kind=Room.Kind.DIRECT).order_by("name")[:SHOWN],
        "people": [],
    }
    # The people directory is for the signed in (accounts/people.py).
    if request.user.is_authenticated:
        found["people"] = directory(q).exclude(pk=request.user.pk)[:SHOWN]
    found = {kind: list(shown) for kind, shown in found.items()}
    count = sum(len(shown) for shown in found.values())
    return render(request, "rooms/switcher.html", {**found, "q": q, "count": count})
