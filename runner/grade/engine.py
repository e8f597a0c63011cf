"""Evaluate every check of a lesson for every participant, against their own objects.

The lesson is rendered once per participant (their names), cluster state
comes from the shared cache, and checks that exec into pods run concurrently
in a bounded pool. Points come from the lesson's rubric (1 per check when it
has none); a check that passed earlier in the session (--progress) keeps its
points with that evidence.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from runner.core.errors import TutorialError
from runner.kube.errors import ClusterError
from runner.lesson.model import Lesson, StepType
from runner.core.redact import redact
from runner.lesson.render import render
from runner.core.results import ERROR, PASSED, Evidence
from runner.grade.gprobe import CachedProbe
from runner.grade.result import CheckGrade, GradeReport, ParticipantGrade
from runner.grade.roster import Participant


def rubric_points(lesson: Lesson) -> dict[str, float]:
    """Points of each check step id (the check's name), from the rubric, 1 each when there is none."""
    rubric = {r.check: r.points for r in lesson.meta.rubric}
    return {s.id: rubric.get(s.id, rubric.get(s.check or "", 0.0 if rubric else 1.0)) for s in lesson.checks}


def grade_participant(lesson: Lesson, who: Participant, probe: CachedProbe, registry, values: Mapping[str, str],
                      profile=None, best: Mapping[str, Any] | None = None) -> ParticipantGrade:
    rendered = render(lesson, {**values, "username": who.user}).lesson
    points = rubric_points(lesson)
    grades: list[CheckGrade] = []
    if not best and not has_started(rendered, probe, who.user):
        return ParticipantGrade(who.user, dict(who.extra), tuple(
            CheckGrade(s.id, "failed", 0.0, points.get(s.id, 0.0), f"nothing of {who.user}'s found in {probe.namespace}: not started?",
                       (Evidence(f"objects named in the lesson for {who.user}", ("none exist",)),),
                       f"create the lesson's objects with your username in their names (e.g. {_first_name(rendered)})")
            for s in rendered.checks))
    for step in rendered.checks:
        fn = registry.get(step.check or "")
        max_points = points.get(step.id, 0.0)
        if fn is None:
            grades.append(CheckGrade(step.id, ERROR, 0.0, max_points, f"unknown check '{step.check}'", (), None))
            continue
        try:
            result = fn(probe=probe, cluster=probe.cluster, namespace=probe.namespace, user=who.user, args=dict(step.check_args),
                        lesson=rendered, mode="grade", profile=profile, workdir=None, labels={})
            status, summary, evidence, hint = result.status, result.summary, result.evidence, result.hint
        except ClusterError as exc:
            if exc.exit_code == 3:
                raise
            status, summary, evidence, hint = "failed", str(exc), (), None
        except Exception as exc:  # a check's crash is that check's error for this participant
            status, summary, evidence, hint = ERROR, f"check crashed: {type(exc).__name__}: {exc}", (), None
        earlier = (best or {}).get(step.id)
        if status != PASSED and earlier:
            status, summary = PASSED, f"passed earlier in the session at {earlier['at']}: {earlier.get('summary', '')}"
            evidence = tuple(Evidence(e["source"], tuple(e["lines"])) for e in earlier.get("evidence", ()))
            hint = None
        ev = tuple(Evidence(e.source, tuple(redact(l) or "" for l in e.lines)) for e in evidence)
        grades.append(CheckGrade(step.id, status, max_points if status == PASSED else 0.0, max_points, redact(summary) or "", ev,
                                 hint))
    return ParticipantGrade(who.user, dict(who.extra), tuple(grades))


def has_started(rendered: Lesson, probe: CachedProbe, user: str) -> bool:
    """Does any object the lesson names for this user exist (or carry our label for them)?"""
    from runner.plan.build import created_objects
    for kind, name in created_objects(rendered):
        if probe.get(kind, name) is not None:
            return True
    for kind in ("Pod", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"):
        if probe.list(kind, f"tutorial-runner.io/user={user}"):
            return True
    return False


def _first_name(rendered: Lesson) -> str:
    objs = rendered.objects()
    return objs[0][1].name or "" if objs else ""


def grade_all(lesson: Lesson, people: list[Participant], probe: CachedProbe, registry, values: Mapping[str, str],
              profile=None, concurrency: int = 8, progress: Callable[[int, int, str], None] | None = None,
              best: Mapping[str, Mapping[str, Any]] | None = None) -> GradeReport:
    t0 = time.monotonic()
    done = 0
    results: dict[str, ParticipantGrade] = {}

    def one(who: Participant) -> ParticipantGrade:
        return grade_participant(lesson, who, probe, registry, values, profile, (best or {}).get(who.user))

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for who, grade in zip(people, pool.map(one, people)):
            results[who.user] = grade
            done += 1
            if progress:
                progress(done, len(people), who.user)
    return GradeReport(lesson.meta.id, lesson.meta.title, probe.namespace, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       tuple(results[p.user] for p in people), seconds=time.monotonic() - t0,
                       checks=tuple(s.id for s in lesson.checks))


def claims_to_read(lesson: Lesson, people: list[Participant], values: Mapping[str, str]) -> list[str]:
    """The claims the lesson's checks will read (their `claim=` argument), for every participant."""
    claims = []
    for who in people:
        rendered = render(lesson, {**values, "username": who.user}).lesson
        claims.extend(dict(s.check_args).get("claim") for s in rendered.checks)
    return [c for c in claims if c]


def cache_kinds(lesson: Lesson) -> tuple[str, ...]:
    kinds = ["Pod", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"]
    for step in lesson.steps:
        if step.type is StepType.MANIFEST:
            kinds.extend(o.kind for o in step.objects)
    return tuple(dict.fromkeys(kinds))


def ensure(cond: bool, message: str) -> None:
    if not cond:
        raise TutorialError(message)
