"""`tutorial show`: the rendered plan of a lesson, step by step with lines (no cluster)."""

from __future__ import annotations

import json
import sys

import click

from runner.cli.options import catalog_of, complete_lessons, format_option, lessons_option
from runner.core.errors import one_line


@click.command("show")
@click.argument("lesson", shell_complete=complete_lessons)
@click.option("--user", "-u", metavar="USERNAME", help="Fills <username>; object names get it as suffix.")
@click.option(
    "--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a placeholder the lesson declares (repeatable)."
)
@lessons_option
@format_option
def show(lesson: str, user: str | None, sets: tuple[str, ...], lesson_dirs: tuple[str, ...], fmt: str) -> None:
    """Show the plan of LESSON: every step, its line, its type and what it does.

    Without --user, placeholders are shown as written. Unknown placeholders
    (typos such as <usernam>) are reported on stderr with their line. A block
    that cannot run as written (YAML that does not parse, a name that is not
    valid after rendering, an unknown kind) is shown as an invalid step and
    reported on stderr as `file:line: error: ...`; the exit status is then 1
    (0 when every step is usable, 2 when the file itself is unusable).

    \b
    Examples:
      tutorial show storage --user bob
      tutorial show ../wild/tutorial.md --user alice --format json
    """
    from runner.lesson.catalog import load
    from runner.lesson.model import StepType
    from runner.lesson.render import parse_sets, render, unused_sets, values_for
    from runner.lesson.secrets import redacted, redactor_for
    from runner.report import plan as views

    parsed = load(lesson, catalog_of(lesson_dirs))
    set_values = parse_sets(sets)
    values = (
        values_for(parsed, user, set_values, require=False)
        if user is not None
        else {**{p.name: p.default for p in parsed.meta.placeholders if p.default is not None}, **set_values}
    )
    rendered = render(parsed, values)
    shown = redacted(rendered, redactor_for(rendered.lesson, rendered.values))  # what is printed: no secret
    if fmt == "json":
        click.echo(json.dumps(views.plan_json(shown, rendered), indent=2, allow_nan=False))
    else:
        click.echo(views.plan_text(shown))
    for name in unused_sets(parsed, set_values):
        click.echo(one_line(f"tutorial: warning: --set {name}: {parsed.path} has no placeholder `<{name}>`"), err=True)
    if user is not None:
        for u in rendered.unresolved:
            if u.known:
                continue  # the lesson's own placeholder, only not given (--set): shown as written
            click.echo(one_line(f"{u.path}:{u.line}: warning: {u.message()}"), err=True)
    invalid = [s for s in shown.lesson.steps if s.type is StepType.INVALID]
    for s in invalid:
        click.echo(one_line(f"{s.path}:{s.error_line or s.line}: error: {s.error}"), err=True)
    if invalid:
        sys.exit(1)  # the whole plan is shown; a run would fail at these steps
