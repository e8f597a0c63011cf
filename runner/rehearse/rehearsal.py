"""`tutorial rehearse`: N synthetic participants run a lesson at once, as a class would, then everything is cleaned up.

Each participant is one `run_lesson` for user `rehearse-<i>` on a thread of
this process (at most `parallel` at once), with the same request otherwise.
While they run, a watch counts the lesson's pods that are not finished and
its claims, so the peak is the cluster's own count, not an estimate. A
participant's failure is classified by its cause (quota exceeded, admission
denied, Unschedulable, image pull, timeout), the words the API server and the
runner use. Ctrl-C cancels every run: each cleans up what it made.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checks.registry import load_all
from runner.kube.client import Cluster
from runner.kube.labels import LESSON_LABEL
from runner.run.all import run_as_report
from runner.run.request import RunRequest
from runner.run.result import RunReport, StepResult
from runner.run.signals import Cancel, interrupts_cancel

CAUSES = (  # first match wins: the most specific words first
    ("quota exceeded", re.compile(r"exceeded quota|QuotaExceeded|quota exceeded", re.I)),
    (
        "admission denied",
        re.compile(r"violates PodSecurity|would violate PodSecurity|admission webhook|denied the request", re.I),
    ),
    ("Unschedulable", re.compile(r"Unschedulable|FailedScheduling|didn't match|Insufficient (cpu|memory)", re.I)),
    ("image pull", re.compile(r"ImagePull|ErrImagePull|pull access denied|manifest unknown", re.I)),
    ("timeout", re.compile(r"not \w+ after \d+s|timed out|timeout", re.I)),
    ("forbidden", re.compile(r"forbidden", re.I)),
)


def cause_of(report: RunReport) -> str | None:
    """Why a participant's run failed, in one of CAUSES' words ("interrupted", or "other" when none fits); None when
    it passed."""
    if report.status == "passed":
        return None
    if report.status == "interrupted":
        return "interrupted"  # Ctrl-C: not the cluster's doing
    texts: list[str] = []
    for s in report.steps:
        if s.status in ("failed", "error"):
            texts.append(s.message)
            texts += [line for ev in s.evidence for line in (ev.source, *ev.lines)]
    texts += [c.summary for c in report.checks if c.status != "passed"]
    joined = "\n".join(texts)
    for name, pattern in CAUSES:
        if pattern.search(joined):
            return name
    return "other"


def first_failure(report: RunReport) -> StepResult | None:
    return next((s for s in report.steps if s.status in ("failed", "error")), None)


def check_times(report: RunReport) -> dict[str, float]:
    """Seconds from the run's first step to each check that passed (the steps run one after another)."""
    out: dict[str, float] = {}
    elapsed = 0.0
    passed = {c.step_id for c in report.checks if c.status == "passed"}
    names = {c.step_id: c.name for c in report.checks}
    for s in report.steps:
        elapsed += s.seconds
        if s.type == "check" and s.id in passed:
            out[names[s.id]] = elapsed
    return out


@dataclass
class Peaks:
    """The most pods (not finished) and claims of the lesson that existed at once, by the cluster's own watch."""

    pods: int = 0
    claims: int = 0


class PeakWatch:
    """Watches the lesson's pods and claims in the namespace (by our lesson label) and keeps the peak of each."""

    def __init__(self, cluster: Cluster, lesson_id: str) -> None:
        self.cluster = cluster
        self.selector = f"{LESSON_LABEL}={lesson_id[:63]}"
        self.peaks = Peaks()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._follow, args=("pods",), daemon=True, name="rehearse-pods"),
            threading.Thread(target=self._follow, args=("claims",), daemon=True, name="rehearse-claims"),
        ]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> Peaks:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
        return self.peaks

    def _follow(self, what: str) -> None:
        from kubernetes import watch

        core, ns = self.cluster.core, self.cluster.namespace
        lister = core.list_namespaced_pod if what == "pods" else core.list_namespaced_persistent_volume_claim
        alive: dict[str, bool] = {}
        while not self._stop.is_set():
            try:
                listing = lister(ns, label_selector=self.selector)
                alive = {i.metadata.name: _counts(what, i) for i in listing.items}
                self._note(what, alive)
                stream = watch.Watch().stream(
                    lister,
                    ns,
                    label_selector=self.selector,
                    resource_version=listing.metadata.resource_version,
                    timeout_seconds=5,
                )
                for event in stream:
                    obj = event["object"]
                    if event["type"] == "DELETED":
                        alive.pop(obj.metadata.name, None)
                    else:
                        alive[obj.metadata.name] = _counts(what, obj)
                    self._note(what, alive)
                    if self._stop.is_set():
                        return
            except Exception:  # a dropped watch: list again (the outage rules of the cluster's client apply)
                if self._stop.wait(1.0):
                    return

    def _note(self, what: str, alive: dict[str, bool]) -> None:
        n = sum(alive.values())
        with self._lock:
            if what == "pods":
                self.peaks.pods = max(self.peaks.pods, n)
            else:
                self.peaks.claims = max(self.peaks.claims, n)


def _counts(what: str, obj: Any) -> bool:
    if what == "pods":
        return (obj.status.phase if obj.status else None) not in ("Succeeded", "Failed")
    return obj.metadata.deletion_timestamp is None


@dataclass(frozen=True)
class Spread:
    median: float
    p90: float
    max: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]
        return cls(statistics.median(ordered), p90, ordered[-1], len(ordered))


@dataclass(frozen=True)
class Rehearsal:
    lesson: str
    namespace: str
    participants: int
    parallel: int
    reports: tuple[RunReport, ...]
    peaks: Peaks
    seconds: float
    predicted_at_most: int | None = None  # preflight's answer, when it was asked
    prediction_limit: str | None = None
    interrupted: bool = False
    checks: dict[str, Spread] = field(default_factory=dict)

    @property
    def passed(self) -> list[RunReport]:
        return [r for r in self.reports if r.status == "passed"]

    def causes(self) -> dict[str, list[str]]:
        """cause -> the users whose run failed for it."""
        out: dict[str, list[str]] = {}
        for r in self.reports:
            cause = cause_of(r)
            if cause:
                out.setdefault(cause, []).append(r.user)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "namespace": self.namespace,
            "participants": self.participants,
            "parallel": self.parallel,
            "passed": len(self.passed),
            "failed": len(self.reports) - len(self.passed),
            "seconds": round(self.seconds, 1),
            "interrupted": self.interrupted,
            "peaks": {"pods": self.peaks.pods, "claims": self.peaks.claims},
            "predicted_at_most": self.predicted_at_most,
            "prediction_limit": self.prediction_limit,
            "causes": self.causes(),
            "checks": {k: vars(v) for k, v in self.checks.items()},
            "participants_detail": [
                {
                    "user": r.user,
                    "status": r.status,
                    "seconds": round(r.seconds, 1),
                    "cause": cause_of(r),
                    "first_failure": (
                        {"line": f.line, "message": f.message[:300]} if (f := first_failure(r)) is not None else None
                    ),
                    "score": r.score[0],
                    "max_score": r.score[1],
                }
                for r in self.reports
            ],
        }


def rehearse(
    request: RunRequest,
    participants: int,
    parallel: int,
    watch_cluster: Cluster,
    lesson_id: str,
    on_done: Callable[[RunReport], None] | None = None,
    prefix: str = "rehearse",
) -> Rehearsal:
    """Run `participants` users of the lesson, `parallel` at a time, and gather what a class would show."""
    registry = load_all()
    cancel = Cancel()
    peaks = PeakWatch(watch_cluster, lesson_id)
    t0 = time.monotonic()

    def one(i: int) -> RunReport:
        report = run_as_report(request.for_lesson(request.lesson, f"{prefix}-{i}", None), registry, cancel)
        if on_done:
            on_done(report)
        return report

    peaks.start()
    try:
        with interrupts_cancel(cancel), ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            reports = tuple(pool.map(one, range(1, participants + 1)))
    finally:
        seen = peaks.stop()
    times: dict[str, list[float]] = {}
    for r in reports:
        for name, t in check_times(r).items():
            times.setdefault(name, []).append(t)
    return Rehearsal(
        lesson_id,
        watch_cluster.namespace,
        participants,
        parallel,
        reports,
        seen,
        time.monotonic() - t0,
        interrupted=cancel.is_set(),
        checks={name: Spread.of(ts) for name, ts in times.items()},
    )
