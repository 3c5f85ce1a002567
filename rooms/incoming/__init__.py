"""Incoming webhooks, Slack-compatible: a secret URL per room that takes
what Slack's clients send (hooks.py makes and revokes them, slack.py reads
Slack's markup, views.py answers the POST and draws the administrators'
page)."""
