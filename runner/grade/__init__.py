"""Grading a workshop: every check of a lesson for every participant, from one shared read of the cluster."""
