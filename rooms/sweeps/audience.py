"""Who is told of a message elsewhere: the one rule push, email and bots'
webhooks share.

Told: the people a message mentions, those who follow the thread it
replies in (as a mention), and in a direct conversation its other
members. Never its author, nor anyone deactivated or banned, nor anyone
who may not read the room, nor anyone who has read it already; in a room
or conversation they muted, only a mention. Each way of telling narrows
this further (a browser subscribed, an address confirmed, a webhook set).
"""

from collections import defaultdict

from django.contrib.auth import get_user_model

from rooms.models import Membership, Message, ReadMark, Room, ThreadFollow


def told_of(messages, *, only=None):
    """Return {message id: ids of the people to tell of it} for these
    messages (their rooms selected), in a few queries for them all; only
    these people's ids, if given (a mention an edit added)."""
    messages = list(messages)
    mentioned = defaultdict(set)
    for message_id, user_id in Message.mentions.through.objects.filter(
        message__in=messages
    ).values_list("message", "user"):
        mentioned[message_id].add(user_id)
    following = ThreadFollow.objects.followers(
        m.thread_id for m in messages if m.thread_id is not None
    )
    for message in messages:
        if message.thread_id is not None:
            mentioned[message.pk] |= following[message.thread_id]
    closed = {m.room_id for m in messages if m.room.kind != Room.Kind.OPEN}
    members = defaultdict(set)
    for room_id, user_id in Membership.objects.filter(room__in=closed).values_list(
        "room", "user"
    ):
        members[room_id].add(user_id)
    concerned = {}
    for message in messages:
        people = set(mentioned[message.pk])
        if message.room.is_direct:
            people |= members[message.room_id]
        if message.room_id in closed:
            people &= members[message.room_id]
        people.discard(message.author_id)
        if only is not None:
            people &= set(only)
        concerned[message.pk] = people
    everyone = set().union(*concerned.values())
    active = set(
        get_user_model()
        .objects.filter(pk__in=everyone, is_active=True)
        .values_list("pk", flat=True)
    )
    marks = {
        (user_id, room_id): (last_read, muted)
        for user_id, room_id, last_read, muted in ReadMark.objects.filter(
            user__in=active, room__in={m.room_id for m in messages}
        ).values_list("user", "room", "last_read_id", "muted")
    }
    told = {}
    for message in messages:
        told[message.pk] = set()
        for user_id in concerned[message.pk] & active:
            last_read, muted = marks.get((user_id, message.room_id), (0, False))
            if last_read >= message.pk:
                continue
            if muted and user_id not in mentioned[message.pk]:
                continue
            told[message.pk].add(user_id)
    return told
