"""Moving in from Slack: reading a workspace export (export.py), its markup
(markup.py), and storing its people, conversations and history (importer.py)."""
