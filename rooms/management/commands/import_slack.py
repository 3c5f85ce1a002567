"""python manage.py import_slack EXPORT: a Slack workspace export moved in."""

import csv
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from rooms.slack.export import ExportProblem, opened
from rooms.slack.importer import SlackImport


class Command(BaseCommand):
    help = (
        "Import a Slack workspace export (a .zip, its unpacked folder, or an "
        "https URL to it): people, channels, private channels, direct "
        "messages, history with threads, reactions and files. Run it again "
        "to go on after a stop: nothing is imported twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="the export: a .zip, a folder or a URL")
        parser.add_argument(
            "--claims",
            default="slack-claims.csv",
            help="where to write each new person's link to claim their account "
            "(default: slack-claims.csv)",
        )

    def handle(self, *args, export, claims, **options):
        bar = ProgressBar(sys.stderr)
        try:
            with opened(export) as source:
                run = SlackImport(source, on_progress=bar.show)
                run.run()
        except ExportProblem as problem:
            raise CommandError(f"Nothing imported: {problem}") from None
        bar.show(run, final=True)
        self.write_claims(run.claims, Path(claims))
        self.report(run, claims)

    def write_claims(self, claimed, path):
        if not claimed:
            return
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["username", "email", "claim_link"])
            for user, code in claimed:
                link = settings.SITE_URL + reverse("claim", args=[code])
                writer.writerow([user.username, user.email, link])

    def report(self, run, claims):
        counts = run.counts
        self.stdout.write(
            f"Imported {counts['messages']} messages in {counts['conversations']} "
            f"conversations ({counts['rooms']} new rooms, {counts['rooms merged']} "
            f"merged); {counts['people']} people, {counts['bots']} bots, "
            f"{counts['people found by their confirmed email']} found by their "
            "confirmed email."
        )
        if counts["messages already here"]:
            self.stdout.write(
                f"{counts['messages already here']} messages were already here."
            )
        if run.claims:
            self.stdout.write(
                f"Links for {len(run.claims)} people to claim their accounts: {claims}"
            )
        if run.problems:
            self.stdout.write(f"Not imported, or not as it was ({len(run.problems)}):")
            for where, what in run.problems:
                self.stdout.write(f"  {where}: {what}")


class ProgressBar:
    """A line on the terminal, redrawn at most twice a second."""

    WIDTH = 30

    def __init__(self, out):
        self.out, self.started, self.drawn = out, time.monotonic(), 0.0

    def show(self, run, final=False):
        now = time.monotonic()
        if not final and now - self.drawn < 0.5:
            return
        self.drawn = now
        counts = run.counts
        total = counts["conversations"] or 1
        done = counts["conversations done"]
        filled = round(self.WIDTH * done / total)
        rate = counts["messages"] / max(now - self.started, 0.001)
        self.out.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{done}/{counts['conversations']} conversations · "
            f"{counts['messages']:,} messages · {rate:,.0f}/s"
        )
        if final:
            self.out.write("\n")
        self.out.flush()
