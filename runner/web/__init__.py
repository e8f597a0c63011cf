"""The web board of `tutorial grade --serve`: a read-only page per class and per participant, live over server-sent events."""
