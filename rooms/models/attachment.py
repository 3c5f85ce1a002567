import secrets

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.urls import reverse

# The images shown inline; every other file is only ever a download.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


class AttachmentQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Return the files of the undeleted messages this user may read."""
        # Through the relation: message.py imports this module.
        Message = self.model._meta.get_field("message").related_model
        messages = Message.objects.readable_by(user).filter(deleted=None)
        return self.filter(message__in=messages)

    def posted_by_since(self, author, since):
        return self.filter(message__author=author, created__gte=since)


class Attachment(models.Model):
    """A file posted with a message, its bytes in the default storage."""

    message = models.ForeignKey(
        "Message", related_name="attachments", on_delete=models.CASCADE
    )
    # Storage keys are random, never the name a person gave the file.
    file = models.FileField(max_length=100)
    # Blank when the image is small enough to be its own thumbnail.
    thumbnail = models.FileField(max_length=100, blank=True)
    # As shown and downloaded, made safe (rooms.messages.uploads.safe_name).
    name = models.CharField(max_length=255)
    # Read from the bytes, not the name or the browser.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    # An image's size in the log (rooms.messages.uploads.DISPLAY_SIZE at most).
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("rooms:attachment", args=[self.pk])

    @classmethod
    def store(cls, upload):
        """Write an upload's bytes to storage; return it, not yet saved."""
        key = f"attachments/{secrets.token_urlsafe(18)}"
        extension = EXTENSIONS.get(upload.content_type, "")
        # A file as it came is written in chunks, never read whole.
        data = upload.data
        content = data if isinstance(data, File) else ContentFile(data)
        attachment = cls(
            name=upload.name,
            content_type=upload.content_type,
            size=content.size,
            width=upload.width,
            height=upload.height,
        )
        attachment.file.name = default_storage.save(key + extension, content)
        if upload.thumbnail is not None:
            attachment.thumbnail.name = default_storage.save(
                f"{key}-thumbnail{extension}", ContentFile(upload.thumbnail)
            )
        return attachment

    def thumbnail_url(self):
        return reverse("rooms:attachment_thumbnail", args=[self.pk])

    @property
    def is_image(self):
        return self.content_type in IMAGE_TYPES

    def delete_files(self):
        """Remove the bytes from storage, once the rows are gone for good."""
        names = [self.file.name, self.thumbnail.name]

        def delete():
            for name in filter(None, names):
                default_storage.delete(name)

        # Robust: a storage that fails here must not fail the deletion,
        # which has committed; the error is logged, the bytes left over.
        transaction.on_commit(delete, robust=True)
