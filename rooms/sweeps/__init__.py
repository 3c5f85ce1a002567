"""Who is told elsewhere: email, push and bots' webhooks; what linked pages
say of themselves (link previews); and the guard on the URLs they call."""
