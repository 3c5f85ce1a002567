"""A person's own messages and files, to take with them (from their profile)."""

import tempfile
import zipfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _

from accounts import limits
from rooms.slack.exporter import SlackExporter


@login_required
def my_messages(request):
    """A zip in a Slack export's layout of what this person wrote, with its files."""
    if not limits.own_exports.allows(request.user.pk):
        return HttpResponse(
            _(
                "You downloaded your messages a few times just now. "
                "Try again in an hour."
            ),
            status=429,
            content_type="text/plain",
        )
    # Closed by FileResponse once sent.
    spooled = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
    with zipfile.ZipFile(spooled, "w", zipfile.ZIP_DEFLATED) as archive:
        SlackExporter(archive, author=request.user).write()
    spooled.seek(0)
    name = f"{request.user.username}-messages.zip"
    return FileResponse(spooled, as_attachment=True, filename=name)
