"""`tutorial run`: execute a lesson end to end on a cluster, then clean up.

Exit statuses: 0 everything passed, 1 a step or check failed (or cleanup did),
2 bad input, 3 cluster unreachable or forbidden, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

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
from runner.report.run import RENDERERS


@click.command("run")
@click.argument("lesson", required=False, shell_complete=complete_lessons)
@click.option("--user", "-u", metavar="USERNAME", help="Participant name; fills <username> and labels every object.")
@click.option(
    "--all",
    "run_all",
    is_flag=True,
    help="Run every lesson of the first place that has any (--lessons DIR, else $TUTORIAL_LESSONS, else ./lessons, else the built-in ones), concurrently, each for its own user.",
)
@click.option("--parallel", default=2, show_default=True, metavar="N", help="With --all: lessons at once.")
@output_option("--summary", "summary_file", help="With --all: write a Markdown summary (default: $GITHUB_STEP_SUMMARY when set).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@cluster_options
@lessons_option
@click.option(
    "--section",
    "sections",
    multiple=True,
    metavar="TEXT",
    help="Only run steps of sections whose heading contains TEXT (repeatable).",
)
@click.option(
    "--wait",
    is_flag=True,
    help="When another run of this lesson and user is going on, queue behind it instead of stopping at once.",
)
@click.option(
    "--wait-timeout",
    type=float,
    default=1800.0,
    show_default=True,
    metavar="SECONDS",
    help="With --wait: give up (exit 1) after this long.",
)
@click.option("--keep", is_flag=True, help="Keep every object for inspection (prints how to clean later).")
@click.option("--keep-on-failure", is_flag=True, help="Keep the objects only when something failed.")
@click.option("--keep-going", is_flag=True, help="Go on after a failed step instead of stopping.")
@click.option("--strict", is_flag=True, help="A skipped step (missing requirement, interactive) counts as a failure.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(RENDERERS)),
    default="text",
    show_default=True,
    help="How the report is printed: text reads well in a terminal and a CI log, json is stable for scripts; "
    "the others are for CI systems.",
)
@output_option("--report", "report_file", help="Also write the report: .json, .xml (JUnit) or .md (Markdown).")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Working directory of the run (default: a new temporary one; with --all, one folder per lesson).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the evidence of every step, not only of failures.")
def run(**options: Any) -> None:
    """Run LESSON end to end for --user on a cluster, check it, and clean up.

    The cluster is chosen like kubectl does (--kubeconfig, --context, -n,
    $KUBECONFIG, in-cluster); --profile adds what the cluster offers (storage
    classes, images, git server, GPU). Every object the run creates carries the
    labels tutorial-runner.io/{lesson,user,run}; leftovers of an earlier run of
    the same lesson and user are deleted first, and everything is deleted at
    the end, also after a failure or Ctrl-C.

    One run per lesson and user at a time: a run holds a Lease
    (coordination.k8s.io) for its namespace, lesson and user. A second run
    stops at once naming the holder (run id, host, start time), or queues
    behind it with --wait. The lease of a killed run expires within 15 s; the
    next run says that it waits for it, then runs.

    \b
    Examples:
      tutorial run storage --user bob --profile local
      tutorial run tutorial.md --user ci-1 -n workshop --report run.xml
      tutorial run --all --parallel 3 --profile local --report lessons.xml
    """
    from runner.lesson.render import parse_sets
    from runner.run.request import RunRequest

    lesson, user = options["lesson"], options["user"]
    if options["run_all"]:
        if lesson:
            raise UsageError("give either LESSON or --all, not both")
    elif not lesson:
        raise UsageError("missing LESSON (an id from `tutorial list` or a path), or --all")
    elif not user:
        raise UsageError("missing --user USERNAME (it fills <username> and names the objects)")
    catalog = catalog_of(options["lesson_dirs"])
    request = RunRequest(
        lesson=catalog.resolve(lesson) if lesson else "",
        user=user or "",
        target=target_of(options),
        sets=parse_sets(options["sets"]),
        sections=tuple(options["sections"]),
        keep=options["keep"],
        keep_on_failure=options["keep_on_failure"],
        keep_going=options["keep_going"],
        strict=options["strict"],
        workdir=options["workdir"],
        wait=options["wait"],
        wait_timeout=options["wait_timeout"],
    )
    if options["run_all"]:
        sys.exit(_run_all(request, options, catalog))
    sys.exit(_run_one(request, options))


def _run_one(request: Any, options: dict[str, Any]) -> int:
    from runner.cli.progress import Progress
    from runner.lesson.catalog import load
    from runner.lesson.render import unused_sets
    from runner.report.run import file_format, render
    from runner.run.flow import run_lesson

    lesson = load(request.lesson)
    for name in unused_sets(lesson, request.sets):
        click.echo(f"tutorial: warning: --set {name}: {lesson.path} has no placeholder `<{name}>`", err=True)
    bar = Progress(f"{Path(request.lesson).stem}/{request.user}")
    try:
        report = run_lesson(request, progress=bar)
    finally:
        bar.close()
    click.echo(render(options["fmt"], [report], options["verbose"]))
    if options["report_file"]:
        write_output(options["report_file"], render(file_format(options["report_file"]), [report]))
    return 0 if report.status == "passed" else 130 if report.status == "interrupted" else 1


def _run_all(request: Any, options: dict[str, Any], catalog: Any) -> int:
    from runner.report.run import file_format, render, summary_text
    from runner.run.all import run_all

    files = [e.path for e in catalog.first_with_lessons().require_some()]

    def done(r: Any) -> None:
        click.echo(f"{r.lesson:<12} {r.user:<24} {r.status:<8} {r.seconds:6.1f}s", err=True)

    def notice(user: str, message: str) -> None:
        click.echo(f"{user}: {message}", err=True)

    reports = run_all(request, files, options["parallel"], on_done=done, on_notice=notice)
    for r in reports:
        if options["verbose"]:
            click.echo(summary_text(r, True))
        click.echo(
            f"{r.lesson}: {r.status} ({sum(s.status == 'passed' for s in r.steps)}/{len(r.steps)} steps, "
            f"{sum(c.status == 'passed' for c in r.checks)}/{len(r.checks)} checks, {r.seconds:.0f}s)"
        )
    if options["fmt"] != "text":
        click.echo(render(options["fmt"], reports, many=True))
    if options["report_file"]:
        write_output(options["report_file"], render(file_format(options["report_file"]), reports, many=True))
    target = options["summary_file"] or os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render("markdown", reports))
    if any(r.status == "interrupted" for r in reports):
        return 130
    if any(r.extra.get("exit_code") == 3 for r in reports):
        return 3  # the cluster refused us or could not be reached: say so, not "a lesson failed"
    return 0 if all(r.status == "passed" for r in reports) else 1
