"""The floor under ours at N = 10: what a posted message costs before any socket.

Three steps only ours takes for every message: validate it (the form),
store it (the rate limit's count included), and draw it (Markdown and the
template, once per language). Each runs alone here in a warm loop, in the bench's process on
the bench's database, before any server starts. A server does them amid
everything else, with colder caches, so this is less than it pays.
"""

import itertools
import statistics
import time

from django.contrib.auth import get_user_model

ROUNDS, RUNS = 200, 3


def measure():
    """Return µs of CPU per message for each step: the median of RUNS loops."""
    from rooms.live.broadcast import drawn
    from rooms.messages.forms import MessageForm
    from rooms.models import Room

    # Private and with no members: no socket of a later phase lists it.
    room = Room.objects.create(slug="floor", name="floor", kind=Room.Kind.PRIVATE)
    author = get_user_model().objects.get(username="person0")
    numbers = itertools.count()

    def body():
        # Each one new: Markdown keeps what it drew of bodies seen before.
        return f"message {next(numbers)} of the floor, *new*"

    def validate():
        form = MessageForm({"message": body()}, author=author)
        if not form.is_valid():
            raise RuntimeError(f"the floor's message is refused: {form.errors}")

    # The rate limit's count runs under the author's lock as the message
    # is stored, as posting runs it.
    checked = MessageForm({"message": "checked"}, author=author)
    checked.is_valid()

    def store():
        return room.post(author, body(), check=checked.check_limits)

    def draw(message):
        # Once per language the chat speaks, as a broadcast is.
        drawn("rooms/room.html#message-posted", {"messages": [message]})

    steps = {"validate": [], "store": [], "draw": []}
    for _ in range(RUNS):
        steps["validate"].append(per_call(validate, [()] * ROUNDS))
        steps["store"].append(per_call(store, [()] * ROUNDS))
        fresh = [(store(),) for _ in range(ROUNDS)]
        steps["draw"].append(per_call(draw, fresh))
    return {step: statistics.median(runs) for step, runs in steps.items()}


def per_call(function, arguments):
    started = time.thread_time()
    for args in arguments:
        function(*args)
    return (time.thread_time() - started) / len(arguments) * 1e6


def brief(floor):
    steps = ", ".join(f"{step} {us:.0f}" for step, us in floor.items())
    return f"{steps}: {sum(floor.values()):.0f} µs CPU per message"
