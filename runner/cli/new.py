"""`tutorial new`: turn a published tutorial into an annotated lesson, and say what still needs a person."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from runner.core.errors import UsageError


@click.command("new")
@click.argument("tutorial", type=click.Path(dir_okay=False))
@click.option("-o", "--output", metavar="FILE", help="Where to write the lesson (e.g. lessons/NAME.md); default: stdout ('-').")
@click.option("--id", "lesson_id", metavar="ID", help="The lesson's id (default: the output file's name, else the tutorial's).")
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format.")
def new(tutorial: str, output: str | None, lesson_id: str | None, force: bool, fmt: str) -> None:
    """Turn TUTORIAL (Markdown, as published) into an annotated lesson.

    The text a reader sees stays as it is: everything added is front matter
    (id, title, placeholders, requirements, rubric) or an HTML comment
    (suggested checks where the state they check exists, step annotations
    such as wait= and instead=, commands the prose asks for). The report, on
    stderr, lists what was added and what still needs a person, with lines
    of the new lesson. Exit status 0 when the lesson was written, 2 on bad
    input.

    \b
    Examples:
      tutorial new published/storage.md -o lessons/storage.md
      tutorial new tutorial.md --id intro > lessons/intro.md
    """
    from runner.author import draft, lesson_id_for
    from runner.lesson.parser import read_text

    to_stdout = output in (None, "-")
    if not to_stdout and Path(output or "").exists() and not force:
        raise UsageError(f"{output} exists (use --force to overwrite it)")
    source = read_text(tutorial)
    name = lesson_id or lesson_id_for(tutorial if to_stdout or output is None else output)
    result = draft(source, tutorial, name, None if to_stdout else output)
    if to_stdout:
        sys.stdout.write(result.text)
    else:
        Path(output or "").parent.mkdir(parents=True, exist_ok=True)
        Path(output or "").write_text(result.text, encoding="utf-8")
    where = "stdout" if to_stdout else output
    if fmt == "json":
        click.echo(json.dumps(_report(result, where), indent=2), err=True)
    else:
        click.echo(_text(result, where, "-" if to_stdout else str(output)), err=True)


def _report(result, where) -> dict:
    return {
        "written": where,
        "id": result.lesson.meta.id,
        "checks": [
            {"check": s.check, "args": dict(s.args), "why": s.why, "line": l}
            for s, l in zip(result.suggestions, result.check_steps, strict=False)
        ],
        "steps": [{"line": n.block.line, "annotation": dict(n.keys), "why": n.why} for n in result.notes],
        "commands": [{"command": c.command, "why": c.why} for c in result.commands],
        "needs_a_person": [{"line": t.line, "what": t.what} for t in result.todos],
    }


def _text(result, where, path) -> str:
    lines = [
        f"wrote {where}: lesson {result.lesson.meta.id}, {len(result.suggestions)} checks, "
        f"{len(result.notes)} step annotations, {len(result.commands)} commands from the prose"
    ]
    checks = {s.line: s for s in result.lesson.checks}
    for line in sorted(checks):
        step = checks[line]
        lines.append(f"  {path}:{line}: check {step.check} " + " ".join(f"{k}={v}" for k, v in step.check_args))
    for c in result.commands:
        lines.append(f"  command: {c.command} ({c.why})")
    if result.todos:
        lines.append(f"needs a person ({len(result.todos)}):")
        lines += [f"  {path}:{t.line}: {t.what}" for t in result.todos]
    else:
        lines.append("nothing needs a person")
    return "\n".join(lines)
