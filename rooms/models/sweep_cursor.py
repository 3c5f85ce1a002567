from django.db import models


class SweepCursor(models.Model):
    """How far a sweep over new messages has gone: the one process holding
    the row's lock takes the next messages (rooms/sweeps/previews.py).
    Pushes and webhooks mark each message instead (Message.swept)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_message_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} up to {self.last_message_id}"

    @classmethod
    def make_if_new(cls, name, *, posted_before=None):
        """Make the sweep's cursor at its first round, at the newest message
        (posted before posted_before, if given): what was posted before the
        sweep was turned on is not swept."""
        from .message import Message  # which the models package imports after

        if not cls.objects.filter(name=name).exists():
            if posted_before is None:
                newest = Message.objects.aggregate(newest=models.Max("pk"))["newest"]
            else:
                # By time, along its index: ids and times rise together.
                older = Message.objects.filter(created__lt=posted_before)
                newest = older.order_by("-created").values_list("pk", flat=True)
                newest = newest.first()
            cls.objects.get_or_create(
                name=name, defaults={"last_message_id": newest or 0}
            )
