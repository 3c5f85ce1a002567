from django.conf import settings
from django.db import models


class Membership(models.Model):
    """A person's place in a private room."""

    room = models.ForeignKey(
        "Room", related_name="memberships", on_delete=models.CASCADE
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)

    # What its person's sockets to the room are told when it is deleted,
    # however that happens (rooms/signals.py): set "left" before deleting
    # it when they leave.
    ended_because = "removed"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_membership")
        ]

    def __str__(self):
        return f"{self.user} in {self.room}"
