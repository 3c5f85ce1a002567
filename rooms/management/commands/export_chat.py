"""python manage.py export_chat OUT.zip: the whole chat, Slack-shaped."""

import sys
import zipfile

from django.core.management.base import BaseCommand

from rooms.slack.exporter import SlackExporter


class Command(BaseCommand):
    help = (
        "Write everything (people without their passwords, rooms, members, "
        "messages with threads, edits, reactions and files) into a zip in a "
        "Slack export's layout, which import_slack reads back."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="the zip file to write")

    def handle(self, *args, out, **options):
        def progress(count):
            sys.stderr.write(f"\r{count:,} messages written")
            sys.stderr.flush()

        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            exporter = SlackExporter(archive, on_progress=progress)
            exporter.write()
        sys.stderr.write("\n")
        self.stdout.write(f"Wrote {exporter.written} messages to {out}.")
