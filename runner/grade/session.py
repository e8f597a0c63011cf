"""A grading session: the lesson, the cluster read once into a shared cache, the participants, the record so far.

Built from a `GradeRequest` by the one-shot grade and by the live boards
alike, so all of them connect, read and score the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from checks.registry import load_all
from runner.core.errors import UsageError
from runner.core.redact import Redactor
from runner.grade import progressfile
from runner.grade.cache import ClusterCache
from runner.grade.engine import Grader, Progress, cache_kinds, now
from runner.grade.gprobe import CachedProbe
from runner.grade.progressfile import Record
from runner.grade.request import GradeRequest
from runner.grade.result import GradeReport
from runner.grade.roster import Participant, discover, from_users, load_roster
from runner.kube.client import Cluster, check_access, connect_target
from runner.lesson.catalog import load
from runner.lesson.model import Lesson
from runner.lesson.secrets import redactor_for
from runner.plan.profile import Profile


@dataclass
class Session:
    request: GradeRequest
    lesson: Lesson
    cluster: Cluster
    cache: ClusterCache
    probe: CachedProbe
    grader: Grader
    people: list[Participant]
    record: Record  # the progress file's record (empty without --progress): first passes, objects seen

    def save(self) -> None:
        if self.request.progress_file:
            progressfile.save(
                self.request.progress_file, self.lesson.meta.id, self.probe.namespace, self.record, self.grader.redact
            )

    def remember(self, report: GradeReport, at: str, save: bool = False, defer: bool = False) -> bool:
        """Add first passes and the objects that exist now to the record; save it when something is new (or `save`),
        unless `defer`: then the caller saves it later (a live board, on a thread of its own)."""
        changed = self.record.add_passes(report, at, self.grader.redact)
        changed |= self.record.add_failures(report, at, self.grader.redact)
        for p in report.participants:
            changed |= self.record.saw(p.user, self.grader.objects_now(p.user), at)
        if (changed or save) and not defer:
            self.save()
        return changed

    def close(self) -> None:
        self.cache.close()
        self.probe.close()


def open_session(request: GradeRequest) -> Session:
    lesson = load(request.lesson)
    profile = request.target.load_profile()
    cluster = connect_target(request.target, profile=profile)
    check_access(cluster)  # unreachable, forbidden or a namespace that does not exist: exit 3, not a board of ✗
    values = {p.name: p.default for p in lesson.meta.placeholders if p.default is not None}
    if profile:
        values.update({k: v for k, v in profile.values.items() if lesson.placeholder(k)})
    values.update(request.sets)
    cache = ClusterCache(cluster, cache_kinds(lesson))
    cache.load()
    people = _people(lesson, request, cache)
    probe = CachedProbe(
        cluster,
        labels={"tutorial-runner.io/lesson": lesson.meta.id[:63], "tutorial-runner.io/role": "inspector"},
        inspector_image=(profile.image_for("busybox") if profile else None) or "busybox",
        simulated_gpu=bool(profile and profile.gpu_simulated),
        cache=cache,
    )
    redact = grade_redactor(lesson, values, profile)
    grader = Grader(lesson, probe, load_all(), values, redact, profile, request.concurrency)
    record = progressfile.load(request.progress_file) if request.progress_file else Record()
    return Session(request, lesson, cluster, cache, probe, grader, people, record)


def grade_redactor(lesson: Lesson, values: Mapping[str, str], profile: Profile | None) -> Redactor:
    """One model for every output of a grade: the profile's secrets, the lesson's own, secret-looking placeholder values."""
    return redactor_for(lesson, values, known=(profile.values.get(k, "") for k in profile.secrets) if profile else ())


def grade_once(session: Session, progress: Progress | None = None) -> GradeReport:
    """Every participant graded now; with a progress file, earlier passes count and new ones are recorded."""
    at = now()
    record = session.record if session.request.progress_file else None
    report = session.grader.grade_round(session.people, record, progress, at)
    report = dataclasses.replace(report, api_requests=session.cluster.requests[0])
    if session.request.progress_file:  # a one-shot grade during the session adds to the record too
        session.remember(report, at)
    return report


def _people(lesson: Lesson, request: GradeRequest, cache: ClusterCache) -> list[Participant]:
    chosen = [x for x in (request.roster, request.users, request.discover) if x]
    if len(chosen) != 1:
        raise UsageError("name the participants with exactly one of --roster FILE, --users a,b,c or --discover")
    if request.roster:
        return load_roster(request.roster)
    if request.users:
        return from_users(request.users)
    found = discover(lesson, cache.snapshot())
    if not found:
        raise UsageError(
            f"--discover found nobody: no objects named like the lesson's ({lesson.meta.id}) in {cache.cluster.namespace}"
        )
    return found
