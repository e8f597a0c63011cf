"""Grades as data (renderers live in runner/report/grades.py and its neighbours).

Every text here has already been through the grade's `Redactor`.

A check's grade is sticky: `status` is what the participant achieved (passed
if it passed at any point of the session that the record saw, with
`first_passed_at`), and `now_status`/`now_summary` say what is true at this
instant when that differs ("passed at 09:39, pod since deleted"). A check
the cluster could not answer is "not-gradable": neither a pass nor a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.core.redact import Redactor

from runner.core.results import FAILED, NOT_GRADABLE, PASSED, Evidence

# roster columns every format carries (after the username), in this order
INFO_KEYS = ("name", "email", "section", "student_id")

GRADED, NOT_STARTED, GONE = "graded", "not-started", "gone"


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
    now_status: str | None = None  # the state at this instant, when it differs from `status` (a pass since undone)
    now_summary: str | None = None

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
        if self.now_status:
            out["now"] = {"status": self.now_status, "summary": self.now_summary or ""}
        return out


@dataclass(frozen=True)
class ParticipantGrade:
    user: str
    extra: Mapping[str, str]
    checks: tuple[CheckGrade, ...]
    standing: str = GRADED  # graded | not-started | gone (objects existed and are gone: graded too late)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def not_gradable(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checks if c.status == NOT_GRADABLE)

    def info(self, key: str) -> str:
        return str(self.extra.get(key, "") or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            **({"info": dict(self.extra)} if self.extra else {}),
            "score": self.score,
            "max_score": self.max_score,
            **({"standing": self.standing} if self.standing != GRADED else {}),
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

    def count(self, status: str) -> dict[str, int]:
        return {
            name: sum(1 for p in self.participants for c in p.checks if c.name == name and c.status == status)
            for name in self.checks
        }

    def passed_counts(self) -> dict[str, int]:
        return self.count(PASSED)

    def not_gradable_count(self) -> int:
        return sum(len(p.not_gradable) for p in self.participants)

    def gone(self) -> tuple[str, ...]:
        """Participants whose objects existed (the cluster's events say so) and are gone: graded too late."""
        return tuple(p.user for p in self.participants if p.standing == GONE)

    def stuck(self, n: int = 3) -> list[tuple[str, int, int]]:
        """The checks most participants have not passed yet: (check, not yet, of how many gradable), worst first."""
        out = []
        for name in self.checks:
            grades = [c for p in self.participants for c in p.checks if c.name == name and c.status != NOT_GRADABLE]
            out.append((name, sum(1 for c in grades if c.status != PASSED), len(grades)))
        order = {name: i for i, name in enumerate(self.checks)}
        return sorted((x for x in out if x[1]), key=lambda x: (-x[1], order[x[0]]))[:n]

    def failed_counts(self) -> dict[str, int]:
        return self.count(FAILED)

    def redacted(self, redact: Redactor) -> GradeReport:
        """Every text of the report (the roster's columns too) through the Redactor: what any renderer may print."""
        t = redact.text

        def check(c: CheckGrade) -> CheckGrade:
            return replace(
                c,
                summary=t(c.summary),
                evidence=tuple(Evidence(t(e.source), redact.lines(e.lines)) for e in c.evidence),
                hint=redact(c.hint),
                now_summary=redact(c.now_summary),
            )

        return replace(
            self,
            participants=tuple(
                replace(p, extra={k: t(v) for k, v in p.extra.items()}, checks=tuple(check(c) for c in p.checks))
                for p in self.participants
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "namespace": self.namespace,
            "graded_at": self.graded_at,
            "participants": [p.to_dict() for p in self.participants],
            "summary": {
                "participants": len(self.participants),
                "passed": self.passed_counts(),
                "not_gradable": self.not_gradable_count(),
                "gone": list(self.gone()),
                "stuck": [{"check": c, "not_yet": k, "of": n} for c, k, n in self.stuck()],
                "seconds": round(self.seconds, 3),
                "api_requests": self.api_requests,
            },
        }
