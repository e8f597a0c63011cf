"""Evaluate every check of a lesson for every participant, against their own objects.

The lesson is rendered once per participant (their names), cluster state
comes from the shared cache, and checks that exec into pods run concurrently
in a bounded pool. A check is called and scored as in a run
(`checks.context.evaluate`), with these rules of a grade:

- a check that passed earlier in the session (the `Record`) keeps its points,
  its first-pass time and evidence; what is true now is kept beside it;
- a check of a final state (`Registry.final`, e.g. no-running-pods) counts
  only once the participant started (one of the lesson's objects existed)
  and reached the point of the lesson where the check stands (the objects of
  the last step before it that creates something existed);
- without a record, the cluster's events (kept about an hour) tell a
  participant who did everything and cleaned up from one who never started;
- a check the cluster could not answer (an API error, a lost exec, a crash)
  is "not gradable": neither a pass nor a zero.

Claims are read in batches: a round runs every participant's checks once
while the probe collects reads, does them all (one exec per inspector pod),
then runs the checks that waited for them again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from checks.context import CheckContext, evaluate
from checks.registry import Registry
from runner.core.redact import Redactor
from runner.core.results import ERROR, FAILED, NOT_GRADABLE, PASSED, CheckResult, Evidence
from runner.effects import Effects
from runner.grade.gprobe import CachedProbe, ReadDeferred
from runner.grade.progressfile import Record
from runner.grade.result import GONE, NOT_STARTED, CheckGrade, GradeReport, ParticipantGrade
from runner.grade.roster import Participant
from runner.lesson.model import Lesson, Step
from runner.lesson.render import render
from runner.plan.profile import Profile

Progress = Callable[[int, int, str], None]
ROUNDS = 3  # collect-and-read rounds before a check's further reads are done one by one
GONE_SUMMARY = "objects existed and are gone: grade during the session with --watch --progress"
PENDING = "pending"  # a check waiting for its claim to be read (only in the first, partial report of a round)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Plan:
    """What the grader knows of the lesson for one participant: its names, objects, and where each check stands."""

    lesson: Lesson
    objects: tuple[tuple[str, str, bool], ...]  # (kind, name or generateName prefix, generated), lesson order
    # final-state check id -> (objects that must have existed: those of the last step before it that creates something,
    #                           objects that must be gone now: those the lesson deletes between that step and the check)
    reach: Mapping[str, tuple[tuple[tuple[str, str, bool], ...], tuple[tuple[str, str], ...]]]


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
    live: bool = False  # a board grades: its watches saw every object as it came (no need to read the events)
    _plans: dict[str, Plan] = field(default_factory=dict, repr=False)
    _events: dict[str, set[str]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- the lesson, per participant
    def plan(self, user: str) -> Plan:
        with self._lock:
            known = self._plans.get(user)
        if known is not None:
            return known
        rendered = render(self.lesson, {**self.values, "username": user}).lesson
        effects = Effects(rendered)
        created = [e for e in effects.events if e.creates and e.kind]
        objects = tuple(dict.fromkeys((e.kind or "", e.name, e.generated) for e in created))
        reach: dict[str, tuple[tuple[tuple[str, str, bool], ...], tuple[tuple[str, str], ...]]] = {}
        for step in rendered.checks:
            if self.registry.is_final(step.check or ""):
                before = [e for e in created if e.step.index < step.index]
                last = max((e.step.index for e in before), default=-1)
                made = tuple(dict.fromkeys((e.kind or "", e.name, e.generated) for e in before if e.step.index == last))
                deleted = tuple(
                    dict.fromkeys(
                        (e.kind, e.name)
                        for e in effects.events
                        if e.action == "delete" and e.kind and e.name != "*" and last < e.step.index < step.index
                    )
                )
                reach[step.id] = (made, deleted)
        plan = Plan(rendered, objects, reach)
        with self._lock:
            self._plans[user] = plan
        return plan

    def rendered(self, user: str) -> Lesson:
        return self.plan(user).lesson

    def objects_now(self, user: str) -> set[str]:
        """The lesson's objects of this user that exist now ("Kind/name"), and any object with our label for them."""
        plan = self.plan(user)
        out: set[str] = set()
        for kind, name, generated in plan.objects:
            if generated:
                out.update(
                    f"{kind}/{o['metadata']['name']}" for o in self.probe.list(kind) if o["metadata"]["name"].startswith(name)
                )
            elif self.probe.get(kind, name) is not None:
                out.add(f"{kind}/{name}")
        for kind in self.labelled_kinds():
            out.update(f"{kind}/{o['metadata']['name']}" for o in self.probe.list(kind, f"tutorial-runner.io/user={user}"))
        return out

    def labelled_kinds(self) -> tuple[str, ...]:
        return self.probe.cache.kinds

    # ---- one participant
    def grade_participant(self, who: Participant, record: Record | None = None, at: str | None = None) -> ParticipantGrade:
        at = at or now()
        plan = self.plan(who.user)
        rendered = plan.lesson
        existing = self.objects_now(who.user)
        seen = set(existing) | set(record.seen_of(who.user) if record else ())
        passes = record.passes_of(who.user) if record else {}
        failures = record.failures_of(who.user) if record else {}
        if not seen and not passes:
            existed = self.existed_per_events(who.user)
            if existed:
                return self._gone(who, rendered, existed)
            return self._not_started(who, rendered)
        ctx = CheckContext(self.probe, who.user, rendered, "grade", self.profile)
        grades: list[CheckGrade] = []
        for step in rendered.checks:
            grade = self._grade_check(step, ctx, plan, seen, existing, passes.get(step.id), at, not self.live)
            grades.append(self._with_last_failure(grade, failures.get(step.id)))
        return ParticipantGrade(who.user, dict(who.extra), tuple(grades))

    def _grade_check(
        self,
        step: Step,
        ctx: CheckContext,
        plan: Plan,
        seen: set[str],
        existing: set[str],
        earlier: Mapping[str, Any] | None,
        at: str,
        use_events: bool,
    ) -> CheckGrade:
        max_points = plan.lesson.points(step)
        missing = self._not_reached(step, plan, seen, existing, use_events, ctx.user)
        if missing is not None and earlier is None:
            try:  # what is true now, said beside
                now_ = evaluate(step, ctx, self.registry, self.redact).result
            except ReadDeferred:
                now_ = CheckResult(FAILED, "(not read yet)")
            return CheckGrade(
                step.id,
                FAILED,
                0.0,
                max_points,
                self.redact.text(
                    f"not yet: counts once you reach this point of the lesson (once {missing}); now: {now_.summary}"
                ),
                (Evidence("the lesson's objects seen for you", tuple(sorted(seen)) or ("none",)), *now_.evidence),
                self.redact.text(
                    now_.hint
                    if now_.status == FAILED and now_.hint
                    else f"follow the lesson up to this check: it counts once {missing}"
                ),
            )
        try:
            ev = evaluate(step, ctx, self.registry, self.redact)
        except ReadDeferred:
            if earlier is not None:  # passed before: it stays passed while its claim is read
                return self._sticky(step, max_points, earlier, None, None, ())
            return CheckGrade(step.id, PENDING, 0.0, max_points, "reading the claim…", (), None)
        status = NOT_GRADABLE if ev.result.status == ERROR else ev.result.status
        summary = self.redact.text(ev.result.summary or "")
        if earlier is not None:
            return self._sticky(step, max_points, earlier, status, summary, ev.result.evidence)
        return CheckGrade(
            step.id,
            status,
            max_points if status == PASSED else 0.0,
            max_points,
            summary,
            ev.result.evidence,
            ev.result.hint,
            at if status == PASSED else None,
        )

    def _with_last_failure(self, grade: CheckGrade, last: Mapping[str, Any] | None) -> CheckGrade:
        """A check failing now for want of its objects shows what went wrong while they were there (the record's)."""
        if grade.status != FAILED or grade.evidence or not last:
            return grade
        return CheckGrade(
            grade.name,
            FAILED,
            0.0,
            grade.max_points,
            self.redact.text(f"{last.get('summary', '')} (at {str(last.get('at', ''))[11:19]})"),
            tuple(Evidence(self.redact.text(e["source"]), self.redact.lines(e["lines"])) for e in last.get("evidence", ())),
            self.redact.text(str(last.get("hint") or grade.hint or "")) or None,
            None,
            FAILED,
            grade.summary,
        )

    def _sticky(
        self,
        step: Step,
        max_points: float,
        earlier: Mapping[str, Any],
        status: str | None,
        summary: str | None,
        now_evidence: tuple[Evidence, ...],
    ) -> CheckGrade:
        """A check that passed earlier in the session: its first pass, and what is true now when that differs."""
        evidence = tuple(
            Evidence(self.redact.text(e["source"]), self.redact.lines(e["lines"])) for e in earlier.get("evidence", ())
        )
        return CheckGrade(
            step.id,
            PASSED,
            max_points,
            max_points,
            self.redact.text(str(earlier.get("summary", ""))),
            evidence or now_evidence,
            None,
            str(earlier.get("at") or ""),
            None if status in (PASSED, None) else status,
            None if status in (PASSED, None) else summary,
        )

    def _not_reached(self, step: Step, plan: Plan, seen: set[str], existing: set[str], use_events: bool, user: str) -> str | None:
        """For a final-state check: what is missing to have reached it (None: reached).

        Reached means the objects of the last step before the check that
        creates something have existed, and the objects the lesson deletes
        after that step (its clean-up) are gone.
        """
        if step.id not in plan.reach:
            return None
        made, deleted = plan.reach[step.id]
        for kind, name, generated in made:
            if self._has_existed(kind, name, generated, seen):
                continue
            if use_events and self._in_events(user, kind, name, generated):  # a board saw every object as it came
                continue
            return f"{kind.lower()}/{name}{'*' if generated else ''} has existed"
        for kind, name in deleted:
            if f"{kind}/{name}" in existing:
                return f"{kind.lower()}/{name} is deleted, as the lesson says before this check"
        return None

    @staticmethod
    def _has_existed(kind: str, name: str, generated: bool, seen: Iterable[str]) -> bool:
        key = f"{kind}/{name}"
        return any(s.startswith(key) for s in seen) if generated else key in seen

    def _in_events(self, user: str, kind: str, name: str, generated: bool) -> bool:
        return self._has_existed(kind, name, generated, self._event_objects().get(user, set()))

    def _not_started(self, who: Participant, rendered: Lesson) -> ParticipantGrade:
        return ParticipantGrade(
            who.user,
            dict(who.extra),
            tuple(
                CheckGrade(
                    s.id,
                    FAILED,
                    0.0,
                    rendered.points(s),
                    f"nothing of {who.user}'s found in {self.probe.namespace}: not started?",
                    (Evidence(f"objects named in the lesson for {who.user}", ("none exist",)),),
                    f"create the lesson's objects with your username in their names (e.g. {_first_name(rendered)})",
                )
                for s in rendered.checks
            ),
            NOT_STARTED,
        )

    def _gone(self, who: Participant, rendered: Lesson, existed: list[str]) -> ParticipantGrade:
        ev = (Evidence(f"kubectl get events (objects of {who.user} the cluster's events name)", tuple(existed[:12])),)
        return ParticipantGrade(
            who.user,
            dict(who.extra),
            tuple(CheckGrade(s.id, NOT_GRADABLE, 0.0, rendered.points(s), GONE_SUMMARY, ev, None) for s in rendered.checks),
            GONE,
        )

    # ---- the cluster's events: who had objects that are gone now
    def existed_per_events(self, user: str) -> list[str]:
        return sorted(self._event_objects().get(user, set()))

    def _event_objects(self) -> dict[str, set[str]]:
        """user -> "Kind/name" of the lesson's objects that events mention (read once per round, looked up by name)."""
        with self._lock:
            if self._events is not None:
                return self._events
        names: dict[str, set[str]] = {}
        try:
            for e in self.probe.events():  # the probe reads them once per round
                inv = e.get("involvedObject") or e.get("involved_object") or {}
                if inv.get("kind") and inv.get("name"):
                    names.setdefault(inv["kind"], set()).add(str(inv["name"]))
        except Exception:
            names = {}  # events unreadable: nobody is said to have been there
        job_of_pod = {"-".join(n.split("-")[:i]) for n in names.get("Pod", ()) for i in range(1, n.count("-") + 1)}
        out: dict[str, set[str]] = {}
        with self._lock:
            plans = dict(self._plans)
        for user, plan in plans.items():
            for kind, name, generated in plan.objects:
                if generated:
                    found = {n for n in names.get(kind, ()) if n.startswith(name)}
                else:
                    found = {name} if name in names.get(kind, ()) else set()
                    if kind == "Job" and name in job_of_pod:
                        found.add(name)  # a Job's pods
                out.setdefault(user, set()).update(f"{kind}/{n}" for n in found)
        with self._lock:
            self._events = out
        return out

    # ---- everyone
    def grade_round(
        self,
        people: list[Participant],
        record: Record | None = None,
        progress: Progress | None = None,
        at: str | None = None,
        partial: Callable[[GradeReport], None] | None = None,
    ) -> GradeReport:
        """Grade these participants now, claims read in batches (see the module's docstring).

        `partial` is given the report of the first pass when claims must be
        read (their checks "pending"), so a board can show at once what the
        cache alone decides.
        """
        t0 = time.monotonic()
        at = at or now()
        self.probe.round()
        self._events = None
        if record is not None:
            self.probe.traces = record.all_seen()
        for who in people:
            self.plan(who.user)
        results: dict[str, ParticipantGrade] = {}
        todo = list(people)
        done = 0
        for attempt in range(ROUNDS + 1):
            self.probe.collecting = attempt < ROUNDS
            deferred: list[Participant] = []
            with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
                grades = list(pool.map(lambda who: self.grade_participant(who, record, at), todo))
            for who, grade in zip(todo, grades, strict=True):
                results[who.user] = grade
                if any(c.status == PENDING for c in grade.checks):
                    deferred.append(who)
                    continue
                done += 1
                if progress:
                    progress(done, len(people), who.user)
            if not deferred:
                break
            if attempt == 0 and partial is not None:  # what the cache alone says, at once; claims are read next
                partial(self._report(people, results, at, t0))
            self.probe.fetch(self.concurrency)
            todo = deferred
        self.probe.collecting = False
        return self._report(people, results, at, t0)

    def _report(self, people: list[Participant], results: Mapping[str, ParticipantGrade], at: str, t0: float) -> GradeReport:
        return GradeReport(
            self.lesson.meta.id,
            self.lesson.meta.title,
            self.probe.namespace,
            at,
            tuple(results[p.user] for p in people if p.user in results),
            seconds=time.monotonic() - t0,
            checks=tuple(s.id for s in self.lesson.checks),
        )

    def grade_all(self, people: list[Participant], progress: Progress | None = None, record: Record | None = None) -> GradeReport:
        return self.grade_round(people, record, progress)


def _first_name(rendered: Lesson) -> str:
    manifests = Effects(rendered).manifests
    return manifests[0].obj.name or "" if manifests else ""


def cache_kinds(lesson: Lesson) -> tuple[str, ...]:
    """Pods (checks look at them), Jobs (their pods), and every kind the lesson creates."""
    kinds = ["Pod", "Job"]
    effects = Effects(lesson)
    kinds.extend(m.obj.kind for m in effects.manifests)  # also those a command of another lesson part applies
    kinds.extend(e.kind for e in effects.events if e.creates and e.kind)
    return tuple(dict.fromkeys(kinds))
