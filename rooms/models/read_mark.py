from django.conf import settings
from django.db import models


class ReadMarkQuerySet(models.QuerySet):
    def advance(self, user, room, message_id):
        """Move this person's mark in the room up to message_id, never back.

        Return the mark as it was before, or None the first time they are
        here. Tabs close in any order; the one that read furthest wins.
        """
        mark, created = self.get_or_create(
            user=user, room=room, defaults={"last_read_id": message_id}
        )
        if created:
            return None
        self.move_up(user, room, message_id)
        if mark.left_room:  # opening a room they left lists it again
            self.filter(pk=mark.pk).update(left_room=False)
        return mark

    def move_up(self, user, room, message_id):
        """Move an existing mark up to message_id, never back; create none."""
        self.filter(user=user, room=room, last_read_id__lt=message_id).update(
            last_read_id=message_id
        )


class ReadMark(models.Model):
    """How far a person has read a room, and whether they muted it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    room = models.ForeignKey(
        "Room", related_name="read_marks", on_delete=models.CASCADE
    )
    # The newest message id this person was shown in the room.
    last_read_id = models.BigIntegerField(default=0)
    # A muted room shows as unread only for messages that mention them.
    muted = models.BooleanField(default=False)
    # Left an open room: unlisted in their sidebar until they open it again.
    left_room = models.BooleanField(default=False)

    objects = ReadMarkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], name="one_read_mark")
        ]

    def __str__(self):
        return f"{self.user} read {self.room} to {self.last_read_id}"
