from django.conf import settings
from django.db import models


class IncomingWebhook(models.Model):
    """A secret URL that posts what Slack's clients send in one room, as
    its own bot (rooms/incoming/). Only the secret's SHA-256 is kept: the
    URL is shown once, to whoever made it. Revoking deletes the row."""

    room = models.ForeignKey(
        "Room", related_name="incoming_webhooks", on_delete=models.CASCADE
    )
    # A bot account of its own: its posts carry the bot label, and the
    # people page deactivates or bans it like any bot.
    bot = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        related_name="incoming_webhook",
        on_delete=models.CASCADE,
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"incoming webhook {self.bot} in {self.room}"
