from django.db import models


class Imported(models.Model):
    """What an import made of something from elsewhere (a Slack user, bot
    or conversation), so a second import finds it instead of making another."""

    class Kind(models.TextChoices):
        PERSON = "person"
        ROOM = "room"

    # The workspace it came from (Slack's team id, or the chat an export
    # came from): two workspaces' "U1" are two people.
    workspace = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind)
    source_id = models.CharField(max_length=100)
    # A user's or a room's pk.
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "source_id"], name="one_import"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.source_id} → {self.object_id}"
