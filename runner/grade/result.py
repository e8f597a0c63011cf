"""Grades as data (renderers live in runner/report/grades.py).

Every text here has already been through the grade's `Redactor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.core.results import Evidence


@dataclass(frozen=True)
class CheckGrade:
    name: str
    status: str
    points: float
    max_points: float
    summary: str
    evidence: tuple[Evidence, ...]
    hint: str | None
    first_passed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "summary": self.summary,
            "evidence": [e.to_dict() for e in self.evidence],
            "hint": self.hint,
        }
        if self.first_passed_at:
            out["first_passed_at"] = self.first_passed_at
        return out


@dataclass(frozen=True)
class ParticipantGrade:
    user: str
    extra: Mapping[str, str]
    checks: tuple[CheckGrade, ...]

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            **({"info": dict(self.extra)} if self.extra else {}),
            "score": self.score,
            "max_score": self.max_score,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class GradeReport:
    lesson: str
    title: str
    namespace: str
    graded_at: str
    participants: tuple[ParticipantGrade, ...]
    seconds: float = 0.0
    checks: tuple[str, ...] = ()
    api_requests: int | None = field(default=None, compare=False)

    def passed_counts(self) -> dict[str, int]:
        return {
            name: sum(1 for p in self.participants for c in p.checks if c.name == name and c.status == "passed")
            for name in self.checks
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "namespace": self.namespace,
            "graded_at": self.graded_at,
            "participants": [p.to_dict() for p in self.participants],
            "summary": {
                "participants": len(self.participants),
                "passed": self.passed_counts(),
                "seconds": round(self.seconds, 3),
                "api_requests": self.api_requests,
            },
        }
