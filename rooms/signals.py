from asgiref.sync import async_to_sync
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import broadcast


@receiver(user_logged_out)
def close_sockets_on_sign_out(sender, user, **kwargs):
    # Open sockets keep the user they connected with (django/channels#1324).
    if user is not None:
        async_to_sync(broadcast.user_signed_out)(user.pk)
