"""`tutorial run --all`: every lesson at once, each for its own user, as separate processes.

Processes rather than threads: each run installs its own signal handlers and
cleans up after Ctrl-C (the whole process group gets the signal), and one
lesson's crash cannot take the others down. Reports are collected from each
run's JSON output into one JUnit file and a Markdown summary for CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from runner.lesson.catalog import lesson_files
from runner.lesson.parser import parse_file
from runner.run.result import RunReport, report_from_dict
from runner.report.run import to_junit, to_markdown


def run_all_lessons(*, user: str | None, parallel: int, report_file: str | None, summary_file: str | None,
                    passthrough: list[str]) -> int:
    files = lesson_files()
    if not files:
        click.echo("tutorial: no lessons found", err=True)
        return 2
    base = user or f"ci-{uuid.uuid4().hex[:5]}"
    jobs = [(path, f"{base}-{parse_file(path).meta.id}"[:40].rstrip("-")) for path in files]

    def one(job: tuple[Path, str]) -> RunReport:
        path, who = job
        proc = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(path), "--user", who, "--format", "json", *passthrough],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        try:
            report = report_from_dict(json.loads(proc.stdout))
        except ValueError:
            message = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            report = report_from_dict({"lesson": path.stem, "path": str(path), "user": who, "status": "error",
                                       "steps": [{"index": -1, "line": 0, "id": "run", "type": "run", "status": "error",
                                                  "message": message}]})
        click.echo(f"{report.lesson:<12} {report.user:<24} {report.status:<8} {report.seconds:6.1f}s", err=True)
        return report

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        reports = list(pool.map(one, jobs))
    for r in reports:
        click.echo(f"{r.lesson}: {r.status} ({sum(s.status == 'passed' for s in r.steps)}/{len(r.steps)} steps, "
                   f"{sum(c.status == 'passed' for c in r.checks)}/{len(r.checks)} checks, {r.seconds:.0f}s)")
    if report_file:
        Path(report_file).write_text(to_junit(reports) if report_file.endswith(".xml") else json.dumps([r.to_dict() for r in reports], indent=2))
    target = summary_file or os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(to_markdown(reports))
    return 0 if all(r.status == "passed" for r in reports) else 1
