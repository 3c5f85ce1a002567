import asyncio

# The event loop keeps only weak references to tasks; these would be
# collected mid-flight once their caller (often a closed socket) is gone.
_running = set()


def run_in_background(coroutine):
    """Run coroutine as a task that outlives its caller."""
    task = asyncio.create_task(coroutine)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task
