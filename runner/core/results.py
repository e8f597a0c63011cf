"""Results with evidence: what checks return and what reports show.

Shared by the check functions (checks/), the runner and the graders, so it
lives in the runner package and depends on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"
# a grade that could not be given because the cluster (not the participant) failed: neither a pass nor a zero
NOT_GRADABLE = "not-gradable"


@dataclass(frozen=True)
class Evidence:
    """What was looked at (a command run, an object read) and the lines that decided."""

    source: str
    lines: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "lines": list(self.lines)}


@dataclass(frozen=True)
class CheckResult:
    status: str
    summary: str
    evidence: tuple[Evidence, ...] = ()
    hint: str | None = None
    simulated: str | None = None  # e.g. "GPU stand-in": the result came from a simulation

    @property
    def ok(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "summary": self.summary, "evidence": [e.to_dict() for e in self.evidence]}
        if self.hint:
            out["hint"] = self.hint
        if self.simulated:
            out["simulated"] = self.simulated
        return out


def passed(summary: str, *evidence: Evidence, simulated: str | None = None) -> CheckResult:
    return CheckResult(PASSED, summary, tuple(evidence), simulated=simulated)


def failed(summary: str, hint: str, *evidence: Evidence, simulated: str | None = None) -> CheckResult:
    return CheckResult(FAILED, summary, tuple(evidence), hint, simulated=simulated)


def skipped(reason: str, *evidence: Evidence) -> CheckResult:
    return CheckResult(SKIPPED, reason, tuple(evidence))


def error(summary: str, *evidence: Evidence) -> CheckResult:
    return CheckResult(ERROR, summary, tuple(evidence))
