import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.urls import reverse

# What a hostile page may put under a message: this much text, no more.
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 300
URL_LENGTH = 2000


class LinkPreviewQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Return the previews of the undeleted messages this user may read."""
        # Through the relation: message.py imports this module.
        Message = self.model._meta.get_field("message").related_model
        messages = Message.objects.readable_by(user).filter(deleted=None)
        return self.filter(message__in=messages)


class LinkPreview(models.Model):
    """What a linked page says of itself, read once by the server and shown
    under the message; its picture is a copy in the default storage, so
    readers' browsers never ask the linked site."""

    message = models.ForeignKey(
        "Message", related_name="link_previews", on_delete=models.CASCADE
    )
    # The link as the message has it: where the title goes.
    url = models.URLField(max_length=URL_LENGTH)
    # Text only, capped: whatever the page said is escaped where drawn.
    title = models.CharField(max_length=TITLE_LENGTH)
    description = models.CharField(max_length=DESCRIPTION_LENGTH, blank=True)
    # Decoded and re-encoded here (rooms.messages.uploads), never as sent.
    image = models.FileField(max_length=100, blank=True)
    image_type = models.CharField(max_length=100, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    objects = LinkPreviewQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def image_url(self):
        return reverse("rooms:link_preview_image", args=[self.pk])

    def store_image(self, picture):
        """Write a picture's bytes (an uploads.Upload) to storage."""
        extension = picture.name.rpartition(".")[2]
        key = f"previews/{secrets.token_urlsafe(18)}.{extension}"
        self.image.name = default_storage.save(key, ContentFile(picture.data))
        self.image_type = picture.content_type
        self.width, self.height = picture.width, picture.height

    def delete_image(self):
        """Remove the picture's bytes once the row is gone for good."""
        if self.image.name:
            name = self.image.name
            # Robust, as for attachments: the deletion has committed.
            transaction.on_commit(lambda: default_storage.delete(name), robust=True)
