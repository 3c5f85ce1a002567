"""Database work for async code, run in a pool of threads.

Channels' database_sync_to_async and Django's async ORM default to
thread_sensitive=True, and outside an HTTP request nothing gives a socket a
thread of its own: every query of every socket in the process would queue
behind one thread. Socket work keeps no transaction open across calls, so
it runs in the event loop's thread pool instead.
"""

from channels.db import database_sync_to_async


async def run(function, *args, **kwargs):
    """Run blocking database work in the thread pool; return its result."""
    in_pool = database_sync_to_async(function, thread_sensitive=False)
    return await in_pool(*args, **kwargs)
