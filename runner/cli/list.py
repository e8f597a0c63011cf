"""`tutorial list`: the lessons with where they come from, their steps, checks, points and requirements (no cluster)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from runner.cli.options import catalog_of, format_option, lessons_option
from runner.core.errors import one_line


@click.command("list")
@lessons_option
@format_option
def list_(lesson_dirs: tuple[str, ...], fmt: str) -> None:
    """List the lessons: --lessons folders, $TUTORIAL_LESSONS, ./lessons, then the built-in ones.

    Each line gives the id to use with `show`, `run` and `grade`, the title,
    the number of steps and checks, the points and the requirements, under
    the folder the lesson comes from. A lesson of an earlier folder overrides
    a built-in one with the same id. Exit status 2 when no lesson is found
    (the message says where it looked), or when a file of a folder does not
    parse (it is named on stderr, the others are listed).
    """
    from runner.report import plan as views

    catalog = catalog_of(lesson_dirs)
    entries = catalog.require_some()
    for exc in catalog.broken:
        click.echo(one_line(f"{exc} (not listed)" if exc.location() else f"tutorial: {exc} (not listed)"), err=True)
    if fmt == "json":
        lessons = []
        for e in entries:
            summary = views.lesson_summary(e.lesson)
            summary["source"] = {"origin": e.source.origin, "folder": str(e.source.folder)}
            summary["overrides"] = [{"origin": s.origin, "folder": str(s.folder)} for s in e.hides]
            lessons.append(summary)
        sources = [{"origin": s.origin, "folder": str(s.folder), "exists": s.exists} for s in catalog.sources]
        click.echo(json.dumps({"sources": sources, "lessons": lessons}, indent=2, allow_nan=False))
    else:
        click.echo("\n\n".join(_blocks(catalog, entries, views)))
    if catalog.broken:
        sys.exit(2)  # the others are listed; a lesson that does not parse is bad input


def _blocks(catalog: Any, entries: list[Any], views: Any) -> list[str]:
    blocks = []
    for source in catalog.sources:
        mine = [e for e in entries if e.source is source]
        if not mine:
            continue
        lines = [f"{source.origin} ({source.folder}):" if source.origin != str(source.folder) else f"{source.folder}:"]
        lines += ["  " + line for line in views.lessons_text([e.lesson for e in mine]).splitlines()]
        for e in mine:
            if e.hides:
                lines.append(f"  ({e.id} overrides the one in {', '.join(s.origin for s in e.hides)})")
        blocks.append("\n".join(lines))
    return blocks
