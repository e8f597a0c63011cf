"""The web board of `tutorial grade --serve`: a read-only page per class, per participant and for the room, live over server-sent events; keys decide who sees which."""
