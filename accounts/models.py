from django.db import models


class SessionHandoff(models.Model):
    """A one-time claim on a session created by a sign-in over the socket."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    session_key = models.CharField(max_length=40)
    csrf_fingerprint = models.CharField(max_length=64)
    expires = models.DateTimeField()

    def __str__(self):
        return f"handoff until {self.expires:%H:%M:%S}"
