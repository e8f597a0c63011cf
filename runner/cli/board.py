"""The live board of `tutorial grade --watch`: a table updated as participants' objects change."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import click

from runner.grade.result import GradeReport
from runner.grade.session import Session


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def board(session: Session) -> None:
    """Live table driven by watch events: whoever's objects changed is graded again."""
    from rich.console import Console
    from rich.live import Live

    from runner.report.grades import render_table

    users = {p.user: p for p in session.people}
    changed = threading.Event()
    dirty: set[str] = set()
    lock = threading.Lock()
    progress_file = session.request.progress_file

    def owner(obj: dict[str, Any]) -> str | None:
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        name = labels.get("batch.kubernetes.io/job-name") or meta.get("name", "")
        for user in users:
            if name.endswith(f"-{user}") or labels.get("tutorial-runner.io/user") == user or f"-{user}-" in name:
                return user
        return None

    def on_change(kind: str, obj: dict[str, Any]) -> None:
        who = owner(obj)
        if who:
            with lock:
                dirty.add(who)
            changed.set()

    report = session.grader.grade_all(session.people)
    session.record(report, _now(), save=True)  # the file exists from the start
    grades = {p.user: p for p in report.participants}
    session.cache.watch(on_change)

    def view() -> str:
        current = GradeReport(
            report.lesson, report.title, report.namespace, _now(), tuple(grades[u] for u in users), checks=report.checks
        )
        return render_table(current) + f"\n(live: updated on changes; {progress_file or 'no progress file'}; Ctrl-C to stop)"

    try:
        with Live(view(), console=Console(), refresh_per_second=2) as live:
            while True:
                changed.wait()  # woken by watch events, not a polling loop
                changed.clear()
                with lock:
                    todo = set(dirty)
                    dirty.clear()
                for user in todo:
                    grades[user] = session.grader.grade_participant(users[user])
                partial = GradeReport(
                    report.lesson, report.title, report.namespace, _now(), tuple(grades[u] for u in todo), checks=report.checks
                )
                session.record(partial, _now())
                live.update(view())
    except KeyboardInterrupt:
        click.echo(f"stopped; progress saved to {progress_file}" if progress_file else "stopped", err=True)
    finally:
        session.close()
