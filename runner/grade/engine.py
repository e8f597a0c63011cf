"""Evaluate every check of a lesson for every participant, against their own objects.

The lesson is rendered once per participant (their names), cluster state
comes from the shared cache, and checks that exec into pods run concurrently
in a bounded pool. A check is called and scored as in a run
(`checks.context.evaluate`); a check that passed earlier in the session
(--progress) keeps its points with that evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checks.context import CheckContext, evaluate
from checks.registry import Registry
from runner.core.redact import Redactor
from runner.core.results import PASSED, Evidence
from runner.effects import Effects
from runner.grade.gprobe import CachedProbe
from runner.grade.result import CheckGrade, GradeReport, ParticipantGrade
from runner.grade.roster import Participant
from runner.lesson.model import Lesson, StepType
from runner.lesson.render import render
from runner.plan.profile import Profile

Progress = Callable[[int, int, str], None]


@dataclass
class Grader:
    """What grading one lesson needs, for any number of participants."""

    lesson: Lesson
    probe: CachedProbe
    registry: Registry
    values: Mapping[str, str]  # placeholder values other than <username>
    redact: Redactor
    profile: Profile | None = None
    concurrency: int = 8

    def rendered(self, user: str) -> Lesson:
        return render(self.lesson, {**self.values, "username": user}).lesson

    def grade_participant(self, who: Participant, best: Mapping[str, Any] | None = None) -> ParticipantGrade:
        rendered = self.rendered(who.user)
        if not best and not has_started(rendered, self.probe, who.user):
            return ParticipantGrade(
                who.user,
                dict(who.extra),
                tuple(
                    CheckGrade(
                        s.id,
                        "failed",
                        0.0,
                        rendered.points(s),
                        f"nothing of {who.user}'s found in {self.probe.namespace}: not started?",
                        (Evidence(f"objects named in the lesson for {who.user}", ("none exist",)),),
                        f"create the lesson's objects with your username in their names (e.g. {_first_name(rendered)})",
                    )
                    for s in rendered.checks
                ),
            )
        ctx = CheckContext(self.probe, who.user, rendered, "grade", self.profile)
        grades: list[CheckGrade] = []
        for step in rendered.checks:
            ev = evaluate(step, ctx, self.registry, self.redact)
            status, summary, evidence, hint = ev.result.status, ev.result.summary, ev.result.evidence, ev.result.hint
            earlier = (best or {}).get(step.id)
            if status != PASSED and earlier:
                status, summary = PASSED, f"passed earlier in the session at {earlier['at']}: {earlier.get('summary', '')}"
                evidence = tuple(Evidence(e["source"], self.redact.lines(e["lines"])) for e in earlier.get("evidence", ()))
                hint = None
            grades.append(
                CheckGrade(
                    step.id,
                    status,
                    ev.max_points if status == PASSED else 0.0,
                    ev.max_points,
                    self.redact.text(summary or ""),
                    evidence,
                    hint,
                )
            )
        return ParticipantGrade(who.user, dict(who.extra), tuple(grades))

    def grade_all(
        self, people: list[Participant], progress: Progress | None = None, best: Mapping[str, Mapping[str, Any]] | None = None
    ) -> GradeReport:
        t0 = time.monotonic()
        results: dict[str, ParticipantGrade] = {}

        def one(who: Participant) -> ParticipantGrade:
            return self.grade_participant(who, (best or {}).get(who.user))

        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            for done, (who, grade) in enumerate(zip(people, pool.map(one, people), strict=False), 1):
                results[who.user] = grade
                if progress:
                    progress(done, len(people), who.user)
        return GradeReport(
            self.lesson.meta.id,
            self.lesson.meta.title,
            self.probe.namespace,
            datetime.now(UTC).isoformat(timespec="seconds"),
            tuple(results[p.user] for p in people),
            seconds=time.monotonic() - t0,
            checks=tuple(s.id for s in self.lesson.checks),
        )

    def claims_to_read(self, people: list[Participant]) -> list[str]:
        """The claims the lesson's checks will read (their `claim=` argument), for every participant."""
        claims = [dict(s.check_args).get("claim") for who in people for s in self.rendered(who.user).checks]
        return [c for c in claims if c]


def has_started(rendered: Lesson, probe: CachedProbe, user: str) -> bool:
    """Does any object the lesson names for this user exist (or carry our label for them)?"""
    for kind, name in Effects(rendered).created():
        if probe.get(kind, name) is not None:
            return True
    for kind in ("Pod", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"):
        if probe.list(kind, f"tutorial-runner.io/user={user}"):
            return True
    return False


def _first_name(rendered: Lesson) -> str:
    objs = rendered.objects()
    return objs[0][1].name or "" if objs else ""


def cache_kinds(lesson: Lesson) -> tuple[str, ...]:
    kinds = ["Pod", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"]
    for step in lesson.steps:
        if step.type is StepType.MANIFEST:
            kinds.extend(o.kind for o in step.objects)
    return tuple(dict.fromkeys(kinds))
