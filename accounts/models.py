from django.db import models


class SessionHandoff(models.Model):
    """A one-time claim on a session created by a sign-in over the socket."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    session_key = models.CharField(max_length=40)
    csrf_fingerprint = models.CharField(max_length=64)
    expires = models.DateTimeField()

    def __str__(self):
        return f"handoff until {self.expires:%H:%M:%S}"


class FailedSignIn(models.Model):
    """A wrong password, counted against the account and the address."""

    username = models.CharField(max_length=150)
    client_address = models.CharField(max_length=45)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["username", "created"], name="failed_sign_in_username"
            ),
            models.Index(
                fields=["client_address", "created"], name="failed_sign_in_address"
            ),
        ]

    def __str__(self):
        return f"{self.username} from {self.client_address} at {self.created:%H:%M:%S}"
