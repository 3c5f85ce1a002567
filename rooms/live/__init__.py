"""How a room is delivered live: sockets, broadcasts, the fan-out, presence."""
