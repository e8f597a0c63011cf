"""The `tutorial` command line: one thin module per command; nothing below this package imports it."""

from runner.cli.main import kubectl_plugin, main, run

__all__ = ["kubectl_plugin", "main", "run"]
