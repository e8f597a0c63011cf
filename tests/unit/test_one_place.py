"""Concepts that live in one place: Kubernetes timestamps, and the containers of a workload."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from checks.basics import job_spec_containers
from runner.syntax.k8s import epoch, timestamp

REPO = Path(__file__).resolve().parents[2]


def test_one_timestamp_reader_and_naive_times_are_utc():
    aware = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert timestamp("2026-12-07T09:30:00Z") == aware
    assert timestamp("2026-12-07T09:30:00") == aware  # no zone: the API server's UTC, not local time
    assert timestamp(datetime(2026, 12, 7, 9, 30)) == aware
    assert timestamp("2026-12-07T10:30:00+01:00") == aware
    assert timestamp("yesterday") is None and timestamp("") is None and timestamp(None) is None
    assert epoch("2026-12-07T09:30:00Z") == aware.timestamp() and epoch(3) is None


def test_no_other_module_parses_timestamps():
    for path in [*(REPO / "runner").rglob("*.py"), *(REPO / "checks").rglob("*.py")]:
        if path.name == "k8s.py" and path.parent.name == "syntax":
            continue
        assert not re.search(r"fromisoformat|strptime", path.read_text(encoding="utf-8")), path


def test_a_cronjob_and_a_job_read_from_a_list_have_their_containers():
    job = {"spec": {"template": {"spec": {"initContainers": [{"name": "clone"}], "containers": [{"name": "main"}]}}}}
    cron = {"kind": "CronJob", "spec": {"jobTemplate": job}}
    assert [c["name"] for c in job_spec_containers(job)] == ["main"]
    assert [c["name"] for c in job_spec_containers(job, init=True)] == ["clone"]
    assert [c["name"] for c in job_spec_containers(cron)] == ["main"]
