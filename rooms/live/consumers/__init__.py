"""The sockets: a room tab (room.py) and a lobby (lobby.py), on one base.

A room socket's catch-up (catch_up.py) and what a person does over it
(actions.py) are mixed into its consumer.
"""
