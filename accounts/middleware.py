"""Channels' auth middleware, reading the session and user in the thread pool.

channels.auth.get_user runs on asgiref's one shared thread, so a deploy's
thousand reconnects would queue their session and user lookups behind each
other; rooms.db.run sends them to the pool like every other socket query.
"""

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware

from rooms import db


class PooledAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await db.run(get_user.func, scope)


def AuthMiddlewareStack(inner):  # noqa: N802 (named like Channels' own)
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
