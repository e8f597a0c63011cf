"""`tutorial grade`: every check of a lesson for every participant; reports, gradebooks, feedback, or the live boards."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

from runner.cli.options import (
    catalog_of,
    cluster_options,
    complete_lessons,
    lessons_option,
    output_option,
    target_of,
    write_output,
)
from runner.core.errors import UsageError

FORMATS = ["table", "json", "csv", "junit", "markdown", "html", "canvas", "gradescope"]


@click.command("grade")
@click.argument("lesson", shell_complete=complete_lessons)
@click.option("--roster", type=click.Path(dir_okay=False), help="One username per line, or a CSV with a 'username' column.")
@click.option("--users", metavar="A,B,C", help="Comma-separated usernames.")
@click.option("--discover", "discover_flag", is_flag=True, help="Find usernames from objects named like the lesson's.")
@cluster_options
@lessons_option
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option(
    "-o",
    "--output",
    folder_ok=True,
    help="Write the report to FILE (a DIR for --format gradescope with several participants).",
)
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False), help="Also write DIR/<user>.html and .md.")
@click.option("--watch", is_flag=True, help="A live board in the terminal, updated as participants progress (Ctrl-C to stop).")
@click.option("--serve", metavar="[HOST:]PORT", help="A live web board on HOST:PORT (127.0.0.1 unless HOST is given).")
@output_option(
    "--progress",
    "progress_file",
    help="Progress file: the boards record when each check first passed; a final grade counts what passed earlier.",
)
@click.option("--concurrency", default=8, show_default=True, help="Checks that exec into pods at once.")
@click.option("--qps", default=20.0, show_default=True, help="Client request rate limit (requests/second).")
def grade(
    lesson, roster, users, discover_flag, sets, fmt, output, feedback_dir, watch, serve, progress_file, concurrency, qps, **target
):
    """Grade LESSON for every participant against their own objects.

    Each check of the lesson is evaluated for each participant (names carry
    their username); points come from the lesson's rubric. Cluster state is
    read once per kind and shared; claims are read in one exec per inspector
    pod; checks that exec into pods run in a bounded pool.

    \b
    Examples:
      tutorial grade storage --roster roster.csv -n workshop
      tutorial grade storage --users ann,bob --format html -o grades.html
      tutorial grade storage --roster roster.csv --watch --progress progress.json
      tutorial grade storage --roster roster.csv --serve 8080 --progress progress.json
      tutorial grade storage --roster roster.csv --progress progress.json --format canvas -o canvas.csv
      tutorial grade storage --users ann --format gradescope -o results.json
      tutorial grade storage --roster roster.csv --progress progress.json --feedback feedback/
    """
    from runner.grade.request import GradeRequest
    from runner.grade.session import grade_once, open_session
    from runner.lesson.render import parse_sets

    lesson = catalog_of(target.pop("lesson_dirs", ())).resolve(lesson)
    address = parse_address(serve) if serve else None
    request = GradeRequest(
        lesson, target_of(target, qps), roster, users, discover_flag, parse_sets(sets), concurrency, progress_file
    )
    session = open_session(request)
    if watch or address:
        from runner.cli.board import board

        board(session, terminal=watch, address=address)
        return
    bar = _bar(len(session.people))
    try:
        report = grade_once(session, progress=bar)
    finally:
        _bar_close(bar)
        session.close()
    report = dataclasses.replace(report, api_requests=session.cluster.requests[0])  # with the inspectors' deletion
    report = report.redacted(session.grader.redact)  # whatever a renderer prints went through the grade's Redactor
    write_report(report, fmt, output)
    if feedback_dir:
        from runner.report.feedback import write_feedback

        pages = write_feedback(report, feedback_dir)
        click.echo(f"wrote {len(pages)} feedback pages to {feedback_dir}", err=True)


def write_report(report, fmt: str, output: str | None) -> None:
    from runner.report.grades import RENDERERS, gradescope_results

    if fmt == "gradescope" and len(report.participants) != 1 and output:
        import json

        folder = Path(output)
        if folder.suffix == ".json":
            raise UsageError(f"{output}: {len(report.participants)} participants need a folder for --format gradescope")
        for p in report.participants:
            (folder / p.user).mkdir(parents=True, exist_ok=True)
            (folder / p.user / "results.json").write_text(json.dumps(gradescope_results(report, p), indent=2))
        click.echo(f"wrote {len(report.participants)} results.json files under {output}", err=True)
        return
    text = RENDERERS[fmt](report)
    if output:
        write_output(output, text)
        click.echo(f"wrote {output} ({len(report.participants)} participants)", err=True)
    else:
        click.echo(text)


def parse_address(text: str) -> tuple[str, int]:
    """[HOST:]PORT (HOST may be [v6]); 127.0.0.1 by default, so a board is not on the network unless asked."""
    host, port = "127.0.0.1", text.strip()
    if port.startswith("["):
        end = port.find("]")
        host, port = port[1:end], port[end + 1 :].lstrip(":")
    elif ":" in port:
        host, port = port.rsplit(":", 1)
        host = host or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--serve {text}: give [HOST:]PORT, e.g. 8080 or 0.0.0.0:8080")
    return host, int(port)


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
