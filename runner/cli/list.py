"""`tutorial list`: the lessons with their steps, checks, points and requirements (no cluster)."""

from __future__ import annotations

import json

import click

from runner.cli.options import format_option


@click.command("list")
@format_option
def list_(fmt: str) -> None:
    """List the lessons in the lessons folder (`$TUTORIAL_LESSONS` or ./lessons).

    Each line gives the id to use with `show`, `run` and `grade`, the title,
    the number of steps and checks, the points and the requirements.
    """
    from runner.lesson.catalog import lesson_files, lessons_dir
    from runner.lesson.parser import parse_file
    from runner.report import plan as views

    lessons = [parse_file(p) for p in lesson_files()]
    if fmt == "json":
        click.echo(
            json.dumps(
                {"lessons_dir": str(lessons_dir()), "lessons": [views.lesson_summary(l) for l in lessons]},
                indent=2,
                allow_nan=False,
            )
        )
    else:
        click.echo(views.lessons_text(lessons))
