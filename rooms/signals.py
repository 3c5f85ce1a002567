import logging

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts import signals as accounts_signals
from rooms.live import broadcast
from rooms.messages import changes

from .models import Attachment, LinkPreview, Membership, Room

logger = logging.getLogger(__name__)

# Open sockets keep the user they connected with (django/channels#1324), so
# every way a session ends must close them.


@receiver(user_logged_out)
def close_sockets_on_sign_out(sender, request, user, **kwargs):
    # Django sends this before it flushes the session; flush first, so a
    # socket that joins after the event finds the session gone (a second
    # flush does nothing). Channels' logout sends no request: the consumer
    # tells the sockets itself, after its flush.
    if user is not None and request is not None:
        request.session.flush()
        close_sockets(user.pk, "signed-out")


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def close_sockets_when_access_changes(sender, instance, update_fields, **kwargs):
    """A new password or a deactivation ends every session, sockets too."""
    if update_fields and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login, on every sign-in
    before = (
        get_user_model()
        .objects.filter(pk=instance.pk)
        .values("password", "is_active")
        .first()
    )
    if before is None or (
        before["password"] == instance.password
        and before["is_active"] <= instance.is_active
    ):
        return
    # Said as it is: a deactivation (or a ban) is not a password change.
    reason = "deactivated" if not instance.is_active else "account-changed"
    transaction.on_commit(lambda: close_sockets(instance.pk, reason))


def close_sockets(user_id, reason):
    async_to_sync(broadcast.user_signed_out)(user_id, reason)


@receiver(post_delete, sender=Attachment)
def delete_attachment_files(sender, instance, **kwargs):
    """A file goes with its row, however the row went (a deletion, a cascade)."""
    instance.delete_files()


@receiver(post_delete, sender=LinkPreview)
def delete_link_preview_image(sender, instance, **kwargs):
    """A preview's picture goes with its row, as a file does."""
    instance.delete_image()


@receiver(post_delete, sender=Membership)
def close_sockets_of_former_members(sender, instance, **kwargs):
    """However a membership ends (the members page, leaving, the admin, a
    shell, a deleted room), its person's sockets to the room close and
    their sidebars unlist it, once that commits."""
    room_id, user_id = instance.room_id, instance.user_id
    reason = instance.ended_because

    def tell():
        try:
            async_to_sync(broadcast.member_removed)(room_id, user_id, reason)
        except Exception:  # the socket reads the room no longer on its next page
            logger.exception(
                "Could not close the sockets of %s to %s", user_id, room_id
            )

    transaction.on_commit(tell)


@receiver(m2m_changed, sender=Room.members.through)
def list_new_rooms_in_sidebars(sender, instance, action, reverse, pk_set, **kwargs):
    """Someone let into a room (a conversation started with them) sees it
    in their open sidebars, and hears of it from then on."""
    if action != "post_add" or not pk_set:
        return
    if reverse:  # user.room_set.add(...)
        pairs = [(room_id, instance.pk) for room_id in pk_set]
    else:
        pairs = [(instance.pk, user_id) for user_id in pk_set]

    def tell():
        for room_id, user_id in pairs:
            try:
                async_to_sync(broadcast.room_added)(room_id, user_id)
            except Exception:  # they see it on their next page
                logger.exception("Could not list room %s for %s", room_id, user_id)

    transaction.on_commit(tell)


@receiver(post_save, sender=Room)
def list_open_rooms_in_sidebars(sender, instance, created, raw, **kwargs):
    """A new open room shows in every signed-in sidebar: anyone may read it."""
    if raw or not created or instance.kind != Room.Kind.OPEN:
        return

    def tell():
        try:
            async_to_sync(broadcast.room_opened)(instance)
        except Exception:  # they see it on their next page
            logger.exception("Could not list the new room %s", instance.pk)

    transaction.on_commit(tell)


@receiver(accounts_signals.person_changed)
def show_new_name_and_picture(sender, person, **kwargs):
    broadcast.person_changed(person)


@receiver(accounts_signals.person_banned)
def delete_banned_messages(sender, person, **kwargs):
    """Delete a banned person's messages, in the ban's transaction; return
    how many."""
    return changes.delete_all(person.messages.all())
