"""A rehearsal's figures from its participants' run reports: causes of failure, time to pass each check, the spread."""

from __future__ import annotations

from runner.core.results import Evidence
from runner.rehearse.rehearsal import Peaks, Rehearsal, Spread, cause_of, check_times
from runner.report.rehearse import to_text
from runner.run.result import CheckOutcome, RunReport, StepResult


def run(user: str, status: str, message: str = "", evidence: tuple[Evidence, ...] = ()) -> RunReport:
    steps = (
        StepResult(0, 75, "storage.md", "s1", "command", "passed", 2.0),
        StepResult(1, 93, "storage.md", "scratch", "check", "passed", 0.5),
        StepResult(2, 125, "storage.md", "pvc", "command", "failed" if message else "passed", 1.5, message, evidence=evidence),
        StepResult(3, 131, "storage.md", "bound", "check", "passed" if not message else "skipped", 0.2),
    )
    checks = (
        CheckOutcome("scratch-on-disk", "scratch", 93, "passed", 2, 2, "ok"),
        CheckOutcome("pvc-bound", "bound", 131, "passed" if not message else "skipped", 2 if not message else 0, 2, "…"),
    )
    return RunReport("storage", "Storage", "storage.md", user, "ws", "r1", status, 4.2, steps, checks)


QUOTA = (
    'command failed (exit 1): Error from server (Forbidden): error when creating "pvc.yaml": persistentvolumeclaims '
    '"vol-rehearse-4" is forbidden: exceeded quota: workshop, requested: persistentvolumeclaims=1, used: 3, limited: 3'
)
PSA = 'creating pod/s1-x: forbidden (403): pods "s1-x" is forbidden: violates PodSecurity "restricted:latest": …'


def test_causes_in_the_words_the_cluster_uses():
    assert cause_of(run("a", "passed")) is None
    assert cause_of(run("b", "failed", QUOTA)) == "quota exceeded"
    assert cause_of(run("c", "failed", PSA)) == "admission denied"
    pending = (Evidence("kubectl describe pod s1-d", ("Warning FailedScheduling 0/1 nodes are available",)),)
    assert cause_of(run("d", "failed", "waiting for pod/s1-d to be ready: not ready after 180s", pending)) == "Unschedulable"
    assert cause_of(run("e", "failed", "pod/s1-e not ready after 180s (last state: Pending)")) == "timeout"
    assert cause_of(run("f", "failed", "command failed (exit 2): oops")) == "other"
    assert cause_of(run("g", "interrupted", "interrupted")) == "interrupted"  # Ctrl-C, not the cluster


def test_time_to_pass_each_check_and_the_spread():
    assert check_times(run("a", "passed")) == {"scratch-on-disk": 2.5, "pvc-bound": 4.2}
    assert check_times(run("b", "failed", QUOTA)) == {"scratch-on-disk": 2.5}  # a check not passed has no time
    s = Spread.of([5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 7.0, 8.0, 9.0])
    assert (s.median, s.p90, s.max, s.n) == (5.5, 9.0, 10.0, 10)


def test_the_text_groups_failures_and_weighs_the_prediction():
    reports = (run("rehearse-1", "passed"), run("rehearse-2", "passed"), run("rehearse-3", "failed", QUOTA))
    r = Rehearsal("storage", "ws", 3, 3, reports, Peaks(pods=3, claims=2), 12.0, 2, "persistentvolumeclaims: quota workshop")
    r = Rehearsal(**{**vars(r), "checks": {"pvc-bound": Spread.of([4.2, 4.2])}})
    text = to_text(r)
    assert "passed 2 of 3" in text and "failed for quota exceeded: 1 (rehearse-3)" in text
    assert "rehearse-3     failed" in text and "line 125" in text
    assert "pvc-bound" in text and "median    4.2 s" in text and "peak at once: 3 pods (not finished), 2 claims" in text
    assert "preflight predicted at most 2 at once" in text and "the prediction held" in text
    assert r.to_dict()["causes"] == {"quota exceeded": ["rehearse-3"]}
