import sentry_sdk
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

FLUSH_SECONDS = 10


class Command(BaseCommand):
    help = "Send one test event to SENTRY_DSN and say whether it was accepted."

    def handle(self, *args, **options):
        if not settings.SENTRY_DSN:
            raise CommandError("SENTRY_DSN is not set: error reports are off.")
        event_id = sentry_sdk.capture_message(
            "check_error_reporting: a test event from manage.py", level="info"
        )
        sentry_sdk.flush(timeout=FLUSH_SECONDS)
        # site_config.errors.ReportingTransport noted the service's answer.
        status = sentry_sdk.get_client().transport.last_status
        if status is None:
            raise CommandError(
                f"The error service did not answer within {FLUSH_SECONDS} s "
                "(check SENTRY_DSN's host, and the network)."
            )
        if not 200 <= status < 300:
            raise CommandError(
                f"The error service refused the test event: HTTP {status}."
            )
        self.stdout.write(f"Test event {event_id} accepted (HTTP {status}).")
