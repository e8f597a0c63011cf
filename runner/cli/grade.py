"""`tutorial grade`: every check of a lesson for every participant; reports, or the live board (--watch)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

from runner.cli.options import catalog_of, cluster_options, complete_lessons, lessons_option, target_of

FORMATS = ["table", "json", "csv", "junit", "markdown", "html"]


@click.command("grade")
@click.argument("lesson", shell_complete=complete_lessons)
@click.option("--roster", type=click.Path(dir_okay=False), help="One username per line, or a CSV with a 'username' column.")
@click.option("--users", metavar="A,B,C", help="Comma-separated usernames.")
@click.option("--discover", "discover_flag", is_flag=True, help="Find usernames from objects named like the lesson's.")
@cluster_options
@lessons_option
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option("--watch", is_flag=True, help="A live board updated as participants progress (Ctrl-C to stop).")
@click.option(
    "--progress",
    "progress_file",
    type=click.Path(dir_okay=False),
    help="Progress file: --watch records when each check first passed; a final grade counts what passed earlier.",
)
@click.option("--concurrency", default=8, show_default=True, help="Checks that exec into pods at once.")
@click.option("--qps", default=20.0, show_default=True, help="Client request rate limit (requests/second).")
def grade(lesson, roster, users, discover_flag, sets, fmt, output, watch, progress_file, concurrency, qps, **target):
    """Grade LESSON for every participant against their own objects.

    Each check of the lesson is evaluated for each participant (names carry
    their username); points come from the lesson's rubric. Cluster state is
    read once per kind and shared; checks that exec run in a bounded pool.

    \b
    Examples:
      tutorial grade storage --roster roster.csv -n workshop
      tutorial grade storage --users ann,bob --format html -o grades.html
      tutorial grade storage --roster roster.txt --watch --progress progress.json
      tutorial grade storage --roster roster.txt --progress progress.json --format csv -o gradebook.csv
    """
    from runner.grade.request import GradeRequest
    from runner.grade.session import grade_once, open_session
    from runner.lesson.render import parse_sets
    from runner.report.grades import RENDERERS

    lesson = catalog_of(target.pop("lesson_dirs", ())).resolve(lesson)
    request = GradeRequest(
        lesson, target_of(target, qps), roster, users, discover_flag, parse_sets(sets), concurrency, progress_file
    )
    session = open_session(request)
    if watch:
        from runner.cli.board import board

        board(session)
        return
    bar = _bar(len(session.people))
    try:
        report = grade_once(session, progress=bar)
    finally:
        _bar_close(bar)
        session.close()
    text = RENDERERS[fmt](report)
    if output:
        Path(output).write_text(text)
        click.echo(f"wrote {output} ({len(report.participants)} participants)", err=True)
    else:
        click.echo(text)


class _Bar:
    """The grading progress bar on stderr; called as the grader's progress callback."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress = progress
        self.task = task

    def __call__(self, done: int, total_: int, user: str) -> None:
        self.progress.update(self.task, completed=done, description=f"grading {user}")


def _bar(total: int) -> _Bar | None:
    if not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    progress = Progress(transient=True)
    task = progress.add_task("grading", total=total)
    progress.start()
    return _Bar(progress, task)


def _bar_close(bar: _Bar | None) -> None:
    if bar is not None:
        bar.progress.stop()
