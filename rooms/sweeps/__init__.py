"""Who is told elsewhere: email, push and bots' webhooks, and the guard on
the URLs they call."""
