"""The pure planner: from a rendered lesson and the facts of a cluster (and its profile) to the actions of a run."""
