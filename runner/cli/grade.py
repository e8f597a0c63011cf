"""`tutorial grade` and `tutorial clean`: the instructor's commands."""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import click

from runner.core.errors import UsageError
from runner.cli.run import cluster_options, connect_for

FORMATS = ["table", "json", "csv", "junit", "markdown", "html"]


def _people(lesson, roster, users, discover_flag, cache):
    from runner.grade.roster import discover, from_users, load_roster
    chosen = [x for x in (roster, users, discover_flag) if x]
    if len(chosen) != 1:
        raise UsageError("name the participants with exactly one of --roster FILE, --users a,b,c or --discover")
    if roster:
        return load_roster(roster)
    if users:
        return from_users(users)
    found = discover(lesson, cache.snapshot())
    if not found:
        raise UsageError(f"--discover found nobody: no objects named like the lesson's ({lesson.meta.id}) in {cache.cluster.namespace}")
    return found


@click.command("grade")
@click.argument("lesson")
@click.option("--roster", type=click.Path(dir_okay=False), help="One username per line, or a CSV with a 'username' column.")
@click.option("--users", metavar="A,B,C", help="Comma-separated usernames.")
@click.option("--discover", "discover_flag", is_flag=True, help="Find usernames from objects named like the lesson's.")
@cluster_options
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Value for a lesson placeholder (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option("--watch", is_flag=True, help="A live board updated as participants progress (Ctrl-C to stop).")
@click.option("--progress", "progress_file", type=click.Path(dir_okay=False),
              help="Progress file: --watch records when each check first passed; a final grade counts what passed earlier.")
@click.option("--concurrency", default=8, show_default=True, help="Checks that exec into pods at once.")
@click.option("--qps", default=20.0, show_default=True, help="Client request rate limit (requests/second).")
def grade(lesson, roster, users, discover_flag, kubeconfig, context, namespace, profile_name, sets, fmt, output, watch,
          progress_file, concurrency, qps):
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
    from checks.registry import load_all
    from runner.lesson.catalog import load
    from runner.kube.client import check_access
    from runner.lesson.render import parse_sets
    from runner.grade import progressfile
    from runner.grade.cache import ClusterCache
    from runner.grade.engine import cache_kinds, claims_to_read, grade_all
    from runner.grade.gprobe import CachedProbe
    from runner.grade.result import RENDERERS

    lesson_obj = load(lesson)
    cluster, profile = connect_for(kubeconfig, context, namespace, profile_name, qps=qps)
    check_access(cluster)
    values = {p.name: p.default for p in lesson_obj.meta.placeholders if p.default is not None}
    if profile:
        values.update({k: v for k, v in profile.values.items() if lesson_obj.placeholder(k)})
    values.update(parse_sets(list(sets)))
    cache = ClusterCache(cluster, cache_kinds(lesson_obj))
    cache.load()
    people = _people(lesson_obj, roster, users, discover_flag, cache)
    probe = CachedProbe(cluster, labels={"tutorial-runner.io/lesson": lesson_obj.meta.id, "tutorial-runner.io/role": "inspector"},
                        inspector_image=(profile.image_for("busybox") if profile else None) or "busybox",
                        simulated_gpu=bool(profile and profile.gpu_simulated), cache=cache)
    registry = load_all()
    best = progressfile.load(progress_file) if progress_file else {}
    if watch:
        _board(lesson_obj, people, probe, registry, values, profile, concurrency, cache, best, progress_file)
        return
    bar = _bar(len(people))
    try:
        probe.prefetch_claims(claims_to_read(lesson_obj, people, values))
        report = grade_all(lesson_obj, people, probe, registry, values, profile, concurrency, progress=bar,
                           best=best if progress_file else None)
    finally:
        _bar_close(bar)
        probe.close()
    import dataclasses
    report = dataclasses.replace(report, api_requests=cluster.requests[0])
    if progress_file:  # a one-shot grade during the session adds to the record too
        if progressfile.record(best, report, report.graded_at):
            progressfile.save(progress_file, lesson_obj.meta.id, probe.namespace, best)
    text = RENDERERS[fmt](report)
    if output:
        Path(output).write_text(text)
        click.echo(f"wrote {output} ({len(report.participants)} participants)", err=True)
    else:
        click.echo(text)


def _bar(total: int):
    if not sys.stderr.isatty():
        return None
    from rich.progress import Progress
    progress = Progress(transient=True)
    task = progress.add_task("grading", total=total)
    progress.start()

    def update(done: int, total_: int, user: str) -> None:
        progress.update(task, completed=done, description=f"grading {user}")
    update.progress = progress  # type: ignore[attr-defined]
    return update


def _bar_close(bar) -> None:
    if bar is not None:
        bar.progress.stop()  # type: ignore[attr-defined]


def _board(lesson, people, probe, registry, values, profile, concurrency, cache, best, progress_file):
    """Live table driven by watch events: whoever's objects changed is graded again."""
    from rich.console import Console
    from rich.live import Live
    from runner.grade import progressfile
    from runner.grade.engine import grade_all, grade_participant
    from runner.grade.result import render_table, GradeReport

    users = {p.user: p for p in people}
    changed = threading.Event()
    dirty: set[str] = set()
    lock = threading.Lock()

    def owner(obj: dict) -> str | None:
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        name = labels.get("batch.kubernetes.io/job-name") or meta.get("name", "")
        for user in users:
            if name.endswith(f"-{user}") or labels.get("tutorial-runner.io/user") == user or f"-{user}-" in name:
                return user
        return None

    def on_change(kind: str, obj: dict) -> None:
        who = owner(obj)
        if who:
            with lock:
                dirty.add(who)
            changed.set()

    report = grade_all(lesson, people, probe, registry, values, profile, concurrency)
    now = lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")  # noqa: E731
    progressfile.record(best, report, now())
    if progress_file:
        progressfile.save(progress_file, lesson.meta.id, probe.namespace, best)
    grades = {p.user: p for p in report.participants}
    cache.watch(on_change)
    console = Console()

    def view() -> str:
        current = GradeReport(report.lesson, report.title, report.namespace, now(), tuple(grades[u] for u in users),
                              checks=report.checks)
        return render_table(current) + f"\n(live: updated on changes; {progress_file or 'no progress file'}; Ctrl-C to stop)"

    try:
        with Live(view(), console=console, refresh_per_second=2) as live:
            while True:
                changed.wait()  # woken by watch events, not a polling loop
                changed.clear()
                with lock:
                    todo, dirty_ = set(dirty), None
                    dirty.clear()
                for user in todo:
                    grades[user] = grade_participant(lesson, users[user], probe, registry, values, profile)
                partial = GradeReport(report.lesson, report.title, report.namespace, now(), tuple(grades[u] for u in todo),
                                      checks=report.checks)
                if progressfile.record(best, partial, now()) and progress_file:
                    progressfile.save(progress_file, lesson.meta.id, probe.namespace, best)
                live.update(view())
    except KeyboardInterrupt:
        cache.close()
        click.echo(f"stopped; progress saved to {progress_file}" if progress_file else "stopped", err=True)


@click.command("clean")
@click.argument("lesson", required=False)
@click.option("--user", "users_opt", multiple=True, metavar="USER", help="A participant whose leftovers go (repeatable).")
@click.option("--roster", type=click.Path(dir_okay=False), help="Every participant of a roster file.")
@click.option("--all", "all_users", is_flag=True, help="Every participant (found by our labels and the lesson's names).")
@cluster_options
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def clean(lesson, users_opt, roster, all_users, kubeconfig, context, namespace, profile_name, dry_run, yes):
    """Delete participants' leftovers of LESSON (or of every lesson, by our labels).

    Lists first, asks before deleting (unless -y), and never touches objects of
    users not named or of other lessons. Pods still running are reported.

    \b
    Examples:
      tutorial clean storage --roster roster.txt -n workshop --dry-run
      tutorial clean storage --user bob -y
      tutorial clean --all -y            # everything our runs labelled, every lesson
    """
    from runner.lesson.catalog import load
    from runner.run.cleanup import Cleaner
    from runner.grade.cache import ClusterCache
    from runner.grade.clean import find_leftovers
    from runner.grade.roster import load_roster

    chosen = [x for x in (users_opt, roster, all_users) if x]
    if len(chosen) != 1:
        raise UsageError("name whose leftovers to delete with exactly one of --user U, --roster FILE or --all")
    lesson_obj = load(lesson) if lesson else None
    cluster, _ = connect_for(kubeconfig, context, namespace, profile_name)
    from runner.kube.objects import SWEEP_KINDS
    cache = ClusterCache(cluster, SWEEP_KINDS)
    cache.load()
    users = None if all_users else (list(users_opt) if users_opt else [p.user for p in load_roster(roster)])
    found = find_leftovers(cache, lesson_obj, users)
    running = [l for l in found if l.running]
    if not found:
        click.echo("nothing to clean")
        return
    for l in found:
        click.echo(f"{l.ref.kind.lower()}/{l.ref.name}  (user {l.user}, by {l.why}{', RUNNING' if l.running else ''})")
    click.echo(f"{len(found)} object(s); {len(running)} pod(s) still running")
    if dry_run:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("not asking without a terminal: add -y to delete")
        click.confirm(f"delete these {len(found)} objects?", abort=True)
    records = Cleaner(cluster)._delete_all([l.ref for l in found])
    failed = [r for r in records if r.outcome == "failed"]
    click.echo(f"deleted {sum(r.outcome in ('deleted', 'gone') for r in records)} object(s)")
    for r in failed:
        click.echo(f"FAILED {r.ref}: {r.error}", err=True)
    sys.exit(1 if failed else 0)
