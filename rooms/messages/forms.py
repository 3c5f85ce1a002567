"""The message form: text and files from the page, the socket, the API and
bots' answers alike, checked against the limits before any file is read."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms.messages.uploads import prepare, safe_name
from rooms.models import MESSAGE_MAX_LENGTH, Attachment, count_messages_posted_since

TOO_FAST = gettext_lazy(
    "You are sending messages too fast. Wait a few seconds, then send again."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files from one input, each within MAX_UPLOAD_BYTES."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(AttachmentsField, self).clean(file, initial) for file in files]
        for file in files:
            if file.size > settings.MAX_UPLOAD_BYTES:
                raise forms.ValidationError(
                    _("“%(file)s” is %(size)s; a file can be at most %(most)s.")
                    % {
                        "file": safe_name(file.name),
                        "size": filesizeformat(file.size),
                        "most": filesizeformat(settings.MAX_UPLOAD_BYTES),
                    }
                )
        return files


class MessageForm(forms.Form):
    """A message, from the socket or the no-JavaScript form alike.

    Only the form posted over HTTP carries files; a message may be text,
    files, or both.
    """

    message = forms.CharField(max_length=MESSAGE_MAX_LENGTH, required=False)
    attachments = AttachmentsField(required=False)
    # A reply in a thread only: show it in the room's log too.
    also_send_to_room = forms.BooleanField(required=False)

    def __init__(self, *args, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.author = author

    def is_blank(self):
        return self.has_error("message", "required")

    def clean_message(self):
        # A form post ends a textarea's lines with CRLF, the socket with LF.
        return self.cleaned_data["message"].replace("\r\n", "\n").replace("\r", "\n")

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if len(files) > settings.MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("Attach at most %(most)d files to a message.")
                % {"most": settings.MAX_ATTACHMENTS}
            )
        return files

    def clean(self):
        """Check the limits, then read the files (rooms.messages.uploads.prepare).

        Reading a picture costs CPU and memory: never before every cheap
        check has passed. Without files, the limits are counted once, when
        the message is stored (Room.post's check).
        """
        text = self.cleaned_data.get("message")
        files = self.cleaned_data.get("attachments")
        if not text and not files and not self.errors:
            self.add_error(
                "message",
                forms.ValidationError(_("A message can't be empty."), code="required"),
            )
        if files and self.author is not None and not self.errors:
            try:
                self.check_limits()
            except forms.ValidationError as over_limit:
                self.add_error(None, over_limit)
        if files and not self.errors:
            try:
                self.cleaned_data["attachments"] = [prepare(file) for file in files]
            except forms.ValidationError as error:
                self.add_error("attachments", error)

    def check_limits(self):
        """Raise ValidationError ({field: error}) if posting this would pass
        the author's limit of messages or of files.

        Counted from stored messages and files, so every web process agrees;
        posting checks again under the author's lock, where two posts at
        once are counted one after the other.
        """
        count, seconds = settings.MESSAGE_RATE_LIMIT
        since = timezone.now() - timedelta(seconds=seconds)
        if count_messages_posted_since(self.author, since) >= count:
            raise forms.ValidationError({"message": TOO_FAST})
        files = self.cleaned_data.get("attachments")
        if files:
            count, seconds = settings.UPLOAD_RATE_LIMIT
            since = timezone.now() - timedelta(seconds=seconds)
            posted = Attachment.objects.posted_by_since(self.author, since).count()
            if posted + len(files) > count:
                raise forms.ValidationError(
                    {
                        "attachments": _(
                            "You can post %(count)d files in %(seconds)d "
                            "seconds. Wait a little, then send again."
                        )
                        % {"count": count, "seconds": seconds}
                    }
                )
