"""`python -m runner.cli ...` is `tutorial ...`."""

from runner.cli.main import main

main(prog_name="tutorial")
