"""What a message said before each edit, for its readers to look back on."""

from django.db import models


class MessageVersion(models.Model):
    """One earlier text of a message, kept when an edit replaced it.

    Stored by Message.edit under the room's lock, and deleted with the
    message's text by Message.remove: a deleted message keeps no words.
    """

    message = models.ForeignKey(
        "Message", related_name="versions", on_delete=models.CASCADE
    )
    body = models.TextField()
    # When this text was written: the message's posting, or the edit
    # before the one that replaced it.
    written = models.DateTimeField()

    def __str__(self):
        return f"{self.body[:40]} ({self.written:%Y-%m-%d %H:%M})"

    def body_html(self):
        """Return the text formatted as its message's is.

        Mentions are linked as the message's present text stores them: a
        name mentioned only before shows as typed.
        """
        return self.message.body_html_of(self.body)
