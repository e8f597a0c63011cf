"""`tutorial checks`: the check catalogue (what each check checks, takes and reads), from the checks' own specs."""

from __future__ import annotations

import click


@click.command("checks")
@click.argument("names", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for a terminal, json for scripts, markdown for the docs (docs/checks.md is this output).",
)
def checks(names: tuple[str, ...], fmt: str) -> None:
    """List the checks a lesson's `<!-- check: NAME key=value -->` annotations can name.

    For each check: what it checks, its arguments (type, required or the
    default, meaning), the kinds of objects it reads, and whether it is a
    final-state check. Give NAMES to see only those. No cluster is needed.

    \b
    Examples:
      tutorial checks
      tutorial checks pvc-bound scratch-on-disk
      tutorial checks --format markdown > docs/checks.md

    Exit status 2 when a NAME is not a check (the message says which one is close).
    """
    from checks.registry import load_all
    from runner.core.errors import UsageError
    from runner.lesson.placeholders import near_miss
    from runner.report.checks import RENDERERS

    registry = load_all()
    specs = registry.specs()
    if names:
        unknown = [n for n in names if registry.get(n) is None]
        if unknown:
            close = near_miss(unknown[0], registry.names())
            hint = f"did you mean '{close}'? " if close else ""
            raise UsageError(f"no check '{unknown[0]}' ({hint}checks: {', '.join(registry.names())})")
        specs = [s for s in specs if s.name in names]
    click.echo(RENDERERS[fmt](specs), nl=False)
