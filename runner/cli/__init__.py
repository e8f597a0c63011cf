"""The `tutorial` command line: one thin module per command; nothing below this package imports it."""

from runner.cli.main import main, run

__all__ = ["main", "run"]
