"""What people post: changing messages, formatting, files and pictures."""
