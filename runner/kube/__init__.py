"""The I/O layer over the official kubernetes client: config, errors, objects, waits, exec.

Everything above this package (run, checks, grade) talks to a cluster only
through these small functions, so errors arrive as our own types and waits are
always watches with deadlines.
"""
