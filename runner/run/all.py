"""`tutorial run --all`: every lesson at once, each for its own user, in this process.

Each lesson runs on a thread of its own with the same request (only the
lesson, the user and the working directory differ), so every option the user
gave holds for every lesson. Signals reach the main thread only: it sets the
shared `Cancel`, each run stops at its next step or wait and cleans up. One
lesson's failure, even an unexpected error, is that lesson's report, never the
others' end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from checks.registry import Registry, load_all
from runner.core.errors import TutorialError
from runner.lesson.parser import parse_file
from runner.run.flow import run_lesson
from runner.run.request import RunRequest
from runner.run.result import RunReport, StepResult
from runner.run.signals import Cancel, interrupts_cancel


def run_all(
    request: RunRequest,
    files: list[Path],
    parallel: int = 2,
    on_done: Callable[[RunReport], None] | None = None,
    on_notice: Callable[[str, str], None] | None = None,
) -> list[RunReport]:
    """Run every lesson file with `request` (user `<request.user>-<lesson id>`), `parallel` at a time.

    `on_notice(user, message)` hears what a run waits for (another run's lease). A lesson that could not
    run has a report of status "error" whose `extra["exit_code"]` keeps what stopped it (3: the cluster
    refused or is unreachable), so the command's own exit status can keep that meaning.
    """
    base = request.user or f"ci-{uuid.uuid4().hex[:5]}"
    registry: Registry = load_all()
    cancel = Cancel()
    jobs = []
    for path in files:
        lesson_id = parse_file(path).meta.id
        user = f"{base}-{lesson_id}"[:40].rstrip("-")
        workdir = str(Path(request.workdir) / lesson_id) if request.workdir else None
        jobs.append((path, request.for_lesson(str(path), user, workdir)))

    def one(job: tuple[Path, RunRequest]) -> RunReport:
        _, req = job

        def progress(event: str, data: dict[str, Any]) -> None:
            if event == "notice" and on_notice:
                on_notice(req.user, data["message"])

        report = run_as_report(req, registry, cancel, progress)
        if on_done:
            on_done(report)
        return report

    with interrupts_cancel(cancel), ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, jobs))


def run_as_report(
    req: RunRequest, registry: Registry, cancel: Cancel, progress: Callable[[str, dict[str, Any]], None] | None = None
) -> RunReport:
    """One run of several at once (`run --all`, `rehearse`): whatever stopped it, even a crash, is its report (an error
    whose `extra["exit_code"]` keeps what stopped it), never the end of the others."""
    try:
        return run_lesson(req, progress=progress or (lambda event, data: None), registry=registry, cancel=cancel)
    except TutorialError as exc:
        return _failed(req, str(exc), exc.exit_code)
    except Exception as exc:
        return _failed(req, f"{type(exc).__name__}: {exc}", 1)


def _failed(req: RunRequest, message: str, exit_code: int) -> RunReport:
    path = Path(req.lesson)
    step = StepResult(-1, 0, str(path), "run", "run", "error", 0.0, message)
    report = RunReport(path.stem, "", str(path), req.user, req.target.namespace or "", "", "error", 0.0, (step,), ())
    report.extra["exit_code"] = exit_code
    return report
