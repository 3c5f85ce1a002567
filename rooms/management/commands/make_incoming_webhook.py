from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rooms.incoming import hooks
from rooms.models import Room


class Command(BaseCommand):
    help = (
        "Make a Slack-compatible incoming webhook for a room and print its "
        "URL (shown this once), or revoke one with --revoke <URL or secret>."
    )

    def add_arguments(self, parser):
        parser.add_argument("room", nargs="?", help="the room's slug")
        parser.add_argument("--revoke", metavar="URL", help="stop this webhook")

    def handle(self, *args, room=None, revoke=None, **options):
        if revoke:
            return self.revoke(revoke)
        if not room:
            raise CommandError("Name a room's slug, or --revoke a webhook's URL.")
        found = Room.objects.filter(slug=room).first()
        if found is None:
            raise CommandError(f"No room “{room}”: give a room's slug, as in its URL.")
        try:
            hook, secret = hooks.create(found)
        except hooks.NotForConversations as refused:
            raise CommandError(refused) from None
        url = hooks.url_of(secret, lambda path: settings.SITE_URL.rstrip("/") + path)
        self.stdout.write(f"{url}\n")
        self.stderr.write(
            f"Posts in #{found.slug} as the bot {hook.bot.username}. Copy the "
            "URL now: it is shown only this once (SITE_URL gives its start)."
        )

    def revoke(self, url):
        secret = url.rstrip("/").rsplit("/", 1)[-1]
        hook = hooks.from_secret(secret)
        if hook is None:
            raise CommandError("No such webhook: already revoked, or never made.")
        hooks.revoke(hook)
        self.stdout.write(f"Revoked {hook.bot.username}'s URL in #{hook.room.slug}.")
