"""Made-up grades and a still board state, shared by the tests of the gradebooks and of the web board."""

from __future__ import annotations

import threading

from runner.core.results import Evidence
from runner.grade.live import BoardState
from runner.grade.result import CheckGrade, GradeReport, ParticipantGrade

AT = "2026-12-01T10:00:00+00:00"
FIRST = "2026-12-01T09:39:55+00:00"


def report() -> GradeReport:
    ev = (Evidence("kubectl get pvc vol-ann", ("phase: Bound",)),)
    ann = ParticipantGrade(
        "ann",
        {"name": "Ann A", "email": "ann@example.org", "section": "S1", "student_id": "1001", "canvas_id": "77"},
        (
            CheckGrade("pvc-bound", "passed", 2, 2, "claim vol-ann is Bound", ev, None, FIRST, "failed", "no claim vol-ann"),
            CheckGrade("no-running-pods", "failed", 0, 1, "1 pod still running: s1-ann", (), "kubectl delete pod s1-ann"),
        ),
    )
    bob = ParticipantGrade(
        "bob",
        {"name": "Bob <b>", "email": "bob@example.org", "section": "S2", "student_id": "1002"},
        (
            CheckGrade("pvc-bound", "not-gradable", 0, 2, "API error 500: etcd timeout", (), None),
            CheckGrade("no-running-pods", "passed", 1, 1, "no running pods left", (), None, AT),
        ),
    )
    return GradeReport("storage", "Storage", "ws", AT, (ann, bob), checks=("pvc-bound", "no-running-pods"))


class StillBoard:
    """A board whose state does not change: what the web application reads (`state`, `wait`)."""

    def __init__(self, state: BoardState) -> None:
        self._state = state
        self.cond = threading.Condition()

    def state(self) -> BoardState:
        return self._state

    def wait(self, version: int, timeout: float) -> BoardState:
        return self._state
