"""The chat's pages and forms, the sidebar, search and the bot API."""
