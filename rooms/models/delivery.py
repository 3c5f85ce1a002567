import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# A delivery not made within this of its message is given up.
GIVE_UP_AFTER = timedelta(hours=1)


def backoff(attempts):
    """How long to wait after this many failed attempts: DELIVERY_RETRY_SECONDS,
    doubling, at most 10 minutes."""
    first = settings.DELIVERY_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** (attempts - 1), 600))


class Delivery(models.Model):
    """A push to one browser, or a call of one bot's webhook, about one
    message: stored before it is tried, deleted once done, so a failure or
    a killed process leaves it to try again (rooms/sweeps/deliveries.py)."""

    class Kind(models.TextChoices):
        PUSH = "push"
        WEBHOOK = "webhook"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.ForeignKey("Message", on_delete=models.CASCADE)
    # The person pushed to, or the bot called.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    subscription = models.ForeignKey(
        "accounts.PushSubscription", null=True, blank=True, on_delete=models.CASCADE
    )
    # Sent with each attempt (X-Chat-Delivery), so a bot can drop a repeat.
    key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    due = models.DateTimeField(default=timezone.now)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "due"], name="delivery_kind_due")]

    def __str__(self):
        return f"{self.kind} of {self.message_id} to {self.user_id}"
