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
@click.option(
    "--serve",
    metavar="[HOST:]PORT",
    help="A live web board on HOST:PORT (127.0.0.1 unless HOST is given; on any other address every page needs a key).",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False),
    help="The board's instructor key, read from FILE, or a random one written there (mode 600) if it does not exist: "
    "the instructor URL and participants' links then stay the same across restarts.",
)
@output_option(
    "--links",
    "links_file",
    help="Write each participant's own board link to FILE (CSV kind,user,name,url; mode 600), "
    "and the room's view (no names) as its first row.",
)
@click.option("--url", "base_url", metavar="URL", help="The board's address as participants reach it (default: from --serve).")
@click.option(
    "--tls",
    "tls_mode",
    type=click.Choice(["self-signed"]),
    help="Serve HTTPS with a certificate made at start; its fingerprint is printed.",
)
@click.option("--tls-cert", type=click.Path(dir_okay=False), help="Serve HTTPS with this PEM certificate (with --tls-key).")
@click.option("--tls-key", type=click.Path(dir_okay=False), help="The PEM private key of --tls-cert.")
@output_option(
    "--progress",
    "progress_file",
    help="Progress file: the boards record when each check first passed; a final grade counts what passed earlier.",
)
@click.option("--concurrency", default=8, show_default=True, help="Checks that exec into pods at once.")
@click.option("--qps", default=20.0, show_default=True, help="Client request rate limit (requests/second).")
def grade(
    lesson,
    roster,
    users,
    discover_flag,
    sets,
    fmt,
    output,
    feedback_dir,
    watch,
    serve,
    key_file,
    links_file,
    base_url,
    tls_mode,
    tls_cert,
    tls_key,
    progress_file,
    concurrency,
    qps,
    **target,
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
      tutorial grade storage --roster roster.csv --serve 0.0.0.0:8443 --tls self-signed \\
          --key-file board.key --links links.csv --progress progress.json
      tutorial grade storage --roster roster.csv --progress progress.json --format canvas -o canvas.csv
      tutorial grade storage --users ann --format gradescope -o results.json
      tutorial grade storage --roster roster.csv --progress progress.json --feedback feedback/
    """
    from runner.grade.request import GradeRequest
    from runner.grade.session import grade_once, open_session
    from runner.lesson.render import parse_sets

    lesson = catalog_of(target.pop("lesson_dirs", ())).resolve(lesson)
    address = parse_address(serve) if serve else None
    web = serve_options(address, key_file, links_file, base_url, tls_mode, tls_cert, tls_key)
    request = GradeRequest(
        lesson, target_of(target, qps), roster, users, discover_flag, parse_sets(sets), concurrency, progress_file
    )
    session = open_session(request)
    if watch or address:
        from runner.cli.board import board

        board(session, terminal=watch, web=web)
        return
    if web is not None and web.links_file:  # links for a board started later with the same --key-file
        from runner.web.links import BoardLinks

        assert web.base_url is not None and web.keys is not None
        write_links(BoardLinks(web.base_url, web.keys), session.people, web.links_file)
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


def serve_options(address, key_file, links_file, base_url, tls_mode, tls_cert, tls_key):
    """The web board's options checked together, before anything connects: one clear line for each wrong combination."""
    from runner.web.server import ServeOptions

    if links_file == "-":
        raise UsageError("--links writes a file (it holds every participant's key): give a file name, not -")
    if (tls_cert is None) != (tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together: give both (or --tls self-signed)")
    if tls_mode and tls_cert:
        raise UsageError("--tls self-signed or --tls-cert/--tls-key, not both")
    if address is None:
        for flag, value in (("--tls", tls_mode), ("--tls-cert", tls_cert)):
            if value:
                raise UsageError(f"{flag} is for the web board: add --serve [HOST:]PORT")
        if links_file and not (key_file and base_url):
            raise UsageError(
                "--links without --serve writes links to a board started later: give --key-file (the same key then) "
                "and --url (where that board will be)"
            )
        if base_url and not links_file:
            raise UsageError("--url is the web board's address: add --serve [HOST:]PORT or --links FILE")
        if key_file and not links_file:
            raise UsageError("--key-file is the web board's key: add --serve [HOST:]PORT or --links FILE")
        if not links_file:
            return None
    from runner.web.access import BoardKeys

    keys = BoardKeys.from_file(key_file) if key_file else None
    if base_url and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--url {base_url}: give the board's address as participants reach it, e.g. https://board.example:8443/")
    return ServeOptions(address, keys, tls_mode, tls_cert, tls_key, base_url, links_file)


def write_links(links, people, path: str) -> None:
    from runner.cli.options import write_private

    write_private(path, links.csv((p.user, p.extra.get("name", "")) for p in people))
    click.echo(
        f"wrote {path}: {len(people)} participants' own links and the room's (keep it private; hand out one row each)", err=True
    )


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
