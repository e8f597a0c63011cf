"""`tutorial show`: the rendered plan of a lesson, step by step with lines (no cluster)."""

from __future__ import annotations

import json

import click

from runner.cli.options import format_option
from runner.core.errors import one_line


@click.command("show")
@click.argument("lesson")
@click.option("--user", "-u", metavar="USERNAME", help="Fills <username>; object names get it as suffix.")
@click.option(
    "--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a placeholder the lesson declares (repeatable)."
)
@format_option
def show(lesson: str, user: str | None, sets: tuple[str, ...], fmt: str) -> None:
    """Show the plan of LESSON: every step, its line, its type and what it does.

    Without --user, placeholders are shown as written. Unknown placeholders
    (typos such as <usernam>) are reported on stderr with their line.

    \b
    Examples:
      tutorial show storage --user bob
      tutorial show ../wild/tutorial.md --user alice --format json
    """
    from runner.lesson.catalog import load
    from runner.lesson.render import parse_sets, render, values_for
    from runner.lesson.secrets import redacted, redactor_for
    from runner.report import plan as views

    parsed = load(lesson)
    set_values = parse_sets(sets)
    values = (
        values_for(parsed, user, set_values, require=False)
        if user is not None
        else {**{p.name: p.default for p in parsed.meta.placeholders if p.default is not None}, **set_values}
    )
    rendered = render(parsed, values)
    shown = redacted(rendered, redactor_for(rendered.lesson, rendered.values))  # what is printed: no secret
    if fmt == "json":
        click.echo(json.dumps(views.plan_json(shown), indent=2, allow_nan=False))
    else:
        click.echo(views.plan_text(shown))
    if user is not None:
        for u in rendered.unresolved:
            if parsed.placeholder(u.name) is not None:
                continue  # declared, only not given (--set): shown as written
            click.echo(one_line(f"{u.path}:{u.line}: warning: {u.message()}"), err=True)
