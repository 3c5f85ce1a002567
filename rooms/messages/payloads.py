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
        "attachments": [
            {"name": attachment.name, "url": absolute(attachment.get_absolute_url())}
            for attachment in message.attachments.all()
        ],
    }
