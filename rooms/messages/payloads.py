"""A message as bots see it: one JSON shape for the API and the webhooks."""


def message_json(message, absolute):
    """Return the message as JSON data; absolute(path) makes a full URL."""
    author = message.author
    return {
        "id": message.pk,
        "room": message.room.slug,
        "author": {"username": author.username, "bot": hasattr(author, "bot")},
        "body": message.body,
        "created": message.created.isoformat(),
        "edited": message.edited.isoformat() if message.edited else None,
        "deleted": message.deleted is not None,
        "url": absolute(message.get_absolute_url()),
        # A reply's thread (its first message's id), or None; how many
        # replies a message's own thread has.
        "thread": message.thread_id,
        "also_in_room": message.thread_id is not None and message.in_room,
        "reply_count": message.reply_count,
        "attachments": [
            {"name": attachment.name, "url": absolute(attachment.get_absolute_url())}
            for attachment in message.attachments.all()
        ],
    }
