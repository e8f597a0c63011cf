"""What a run produced, as data (renderers live in runner/report/).

Every message here has already been through `redact`; renderers may print
any field as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner.core.results import Evidence
from runner.lesson.model import Step

STATUSES = ("passed", "failed", "skipped", "error")


@dataclass(frozen=True)
class StepResult:
    index: int
    line: int
    path: str
    id: str
    type: str
    status: str  # passed | failed | skipped | error
    seconds: float
    message: str = ""
    command: str | None = None
    evidence: tuple[Evidence, ...] = ()
    counts_as_skip: bool = False  # a requirement/interactive skip (fails under --strict)

    @classmethod
    def of(cls, step: Step, status: str, seconds: float, message: str = "", **rest: Any) -> StepResult:
        """The result of `step`: its index, line, file, id and type come from the step itself."""
        return cls(step.index, step.line, step.path, step.id, step.type.value, status, seconds, message, **rest)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "index": self.index,
            "line": self.line,
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.command:
            out["command"] = self.command
        return out


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    step_id: str
    line: int
    status: str
    points: float
    max_points: float
    summary: str
    evidence: tuple[Evidence, ...] = ()
    hint: str | None = None
    simulated: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "id": self.step_id,
            "line": self.line,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "summary": self.summary,
            "evidence": [e.to_dict() for e in self.evidence],
            "hint": self.hint,
        }
        if self.simulated:
            out["simulated"] = self.simulated
        return out


@dataclass(frozen=True)
class CleanupRecord:
    ref: str
    outcome: str  # deleted | gone | failed | kept
    seconds: float = 0.0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "object": self.ref,
            "outcome": self.outcome,
            "seconds": round(self.seconds, 3),
            **({"error": self.error} if self.error else {}),
        }


@dataclass(frozen=True)
class RunReport:
    lesson: str
    title: str
    path: str
    user: str
    namespace: str
    run_id: str
    status: str
    seconds: float
    steps: tuple[StepResult, ...]
    checks: tuple[CheckOutcome, ...]
    cleanup: tuple[CleanupRecord, ...] = ()
    swept: tuple[CleanupRecord, ...] = ()
    simulated: tuple[str, ...] = ()
    kept_hint: str | None = None
    workdir: str | None = None
    cpu_seconds: float = 0.0
    outages: int = 0  # times the API server was unreachable during the run and came back (waited for, not failed)
    outage_seconds: float = 0.0  # how long, in all
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def cleanup_failed(self) -> bool:
        return any(r.outcome == "failed" for r in self.cleanup)

    @property
    def score(self) -> tuple[float, float]:
        return sum(c.points for c in self.checks), sum(c.max_points for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        got, total = self.score
        return {
            "lesson": self.lesson,
            "title": self.title,
            "path": self.path,
            "user": self.user,
            "namespace": self.namespace,
            "run": self.run_id,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "score": got,
            "max_score": total,
            "steps": [s.to_dict() for s in self.steps],
            "checks": [c.to_dict() for c in self.checks],
            "cleanup": [c.to_dict() for c in self.cleanup],
            "swept": [c.to_dict() for c in self.swept],
            "simulated": list(self.simulated),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "outages": {"count": self.outages, "seconds": round(self.outage_seconds, 1)},
        }
