"""Search's words on Postgres: a stored column the database keeps itself.

`search_words` holds each message's body as a tsvector, computed by
Postgres on every insert and edit, also for rows loaded outside Django
(COPY, a restore); a GIN index finds them. Reading the stored words, not
computing them per row, is what lets the planner pick between the index
and the newest messages, and lets ranking read them cheaply.

Not a model field: SQLite has no tsvector, and every other query would
fetch the column for nothing. MessageQuerySet.search alone reads it.
Adding the column rewrites the table once, under an exclusive lock (about
30 s at a million messages). A later change of body's type must drop the
column and add it again: Postgres will not alter a column another is
generated from.
"""

from django.db import migrations

ADD = [
    "ALTER TABLE rooms_message ADD COLUMN search_words tsvector GENERATED ALWAYS"
    " AS (to_tsvector('english'::regconfig, COALESCE(body, ''))) STORED",
    "CREATE INDEX message_search ON rooms_message USING gin (search_words)",
]
REMOVE = [
    "DROP INDEX message_search",
    "ALTER TABLE rooms_message DROP COLUMN search_words",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0009_attachments"),
    ]

    operations = [migrations.RunPython(run(ADD), run(REMOVE))]
