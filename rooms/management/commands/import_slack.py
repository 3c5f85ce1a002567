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
            help="the CSV each new person's link to claim their account is "
            "added to as it is made (default: slack-claims.csv)",
        )
        parser.add_argument(
            "--reissue-claims",
            action="store_true",
            help="give new links to the people of an earlier run who have not "
            "claimed their accounts (their old links stop working)",
        )

    def handle(self, *args, export, claims, reissue_claims, **options):
        bar = ProgressBar(sys.stderr)
        path = Path(claims)
        new_file = not path.exists() or path.stat().st_size == 0
        with path.open("a", newline="") as out:
            writer = csv.writer(out)
            if new_file:
                writer.writerow(["username", "email", "claim_link"])

            def write_claim(user, code):
                link = settings.SITE_URL + reverse("claim", args=[code])
                writer.writerow([user.username, user.email, link])
                out.flush()

            try:
                with opened(export) as source:
                    run = SlackImport(
                        source,
                        on_progress=bar.show,
                        on_claim=write_claim,
                        reissue_claims=reissue_claims,
                    )
                    run.run()
            except ExportProblem as problem:
                raise CommandError(f"Nothing imported: {problem}") from None
        bar.show(run, final=True)
        self.report(run, claims)

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
