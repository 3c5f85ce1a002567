from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone


class PresenceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(expires__gt=timezone.now())

    def expired(self):
        return self.filter(expires__lte=timezone.now())

    def people_in(self, room):
        """Return the people with a live socket in the room, by name."""
        user_ids = self.live().filter(room=room).values("user_id")
        people = get_user_model().objects.filter(pk__in=user_ids)
        return people.select_related("profile").order_by("username")


class Presence(models.Model):
    """One open socket of a signed-in person in a room, kept alive by heartbeats."""

    room = models.ForeignKey("Room", related_name="presences", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    channel_name = models.CharField(max_length=120, unique=True)
    expires = models.DateTimeField()
    # The socket closed: the row only lasts out its grace and is never renewed.
    closed = models.BooleanField(default=False)

    objects = PresenceQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["room", "expires"], name="presence_room_expires")
        ]

    def __str__(self):
        return f"{self.user} in {self.room}"
