import logging

from asgiref.sync import async_to_sync
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import broadcast

logger = logging.getLogger(__name__)


@receiver(user_logged_out)
def close_sockets_on_sign_out(sender, user, **kwargs):
    # Open sockets keep the user they connected with (django/channels#1324).
    if user is None:
        return
    try:
        async_to_sync(broadcast.user_signed_out)(user.pk)
    except Exception:
        # Django sends this signal before it ends the session: a channel
        # layer outage must not keep anyone signed in.
        logger.exception("Could not close the sockets of user %s", user.pk)
