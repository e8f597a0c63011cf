"""Instructor cleanup: participants' leftovers, found by our labels or by the lesson's names for those users.

Never touches objects of users not named or of other lessons: an object is
chosen only when it carries our labels for the lesson and one of the users, or
when its name is exactly one the lesson gives for one of the users.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.effects import Effects
from runner.grade.cache import ClusterCache
from runner.kube.labels import LESSON_LABEL, ROLE_LABEL, USER_LABEL
from runner.kube.objects import SWEEP_KINDS, ObjectRef
from runner.lesson.model import Lesson
from runner.lesson.render import render


@dataclass(frozen=True)
class Leftover:
    ref: ObjectRef
    user: str
    why: str  # "label" or "name"
    running: bool = False
    lesson: str | None = None  # the lesson label (or the lesson named): whose run lease may hold it


def find_leftovers(cache: ClusterCache, lesson: Lesson | None, users: list[str] | None) -> list[Leftover]:
    """Objects to delete; `users` None means every user our labels (and the lesson's names) reveal."""
    found: dict[tuple[str, str], Leftover] = {}
    wanted = set(users) if users is not None else None
    for kind in SWEEP_KINDS:
        for obj in cache.list(kind) if kind in cache.kinds else ():
            meta = obj.get("metadata") or {}
            labels = meta.get("labels") or {}
            user = labels.get(USER_LABEL)
            if not user and wanted is None and labels.get(ROLE_LABEL) == "inspector" and LESSON_LABEL in labels:
                user = "(grader)"  # an inspector pod a board left behind (killed before it could delete it): with --all
            if not user or (lesson is not None and labels.get(LESSON_LABEL) != lesson.meta.id[:63]):
                continue
            if wanted is not None and user not in wanted:
                continue
            found[(kind, meta["name"])] = Leftover(
                ObjectRef(kind, meta["name"], cache.cluster.namespace, uid=meta.get("uid")),
                user,
                "label",
                _running(kind, obj),
                labels.get(LESSON_LABEL),
            )
    if lesson is not None:
        names_users = wanted if wanted is not None else {l.user for l in found.values()} | _users_by_pattern(cache, lesson)
        for user in sorted(names_users):
            rendered = render(
                lesson, {"username": user, **{p.name: p.default for p in lesson.meta.placeholders if p.default}}
            ).lesson
            for kind, name in Effects(rendered).created():
                if (kind, name) in found or kind not in cache.kinds:
                    continue
                existing = cache.get(kind, name)
                if existing is not None:
                    found[(kind, name)] = Leftover(
                        ObjectRef(kind, name, cache.cluster.namespace, uid=existing["metadata"].get("uid")),
                        user,
                        "name",
                        _running(kind, existing),
                        lesson.meta.id[:63],
                    )
    order = {k: i for i, k in enumerate(SWEEP_KINDS)}
    return sorted(found.values(), key=lambda l: (order.get(l.ref.kind, 99), l.user, l.ref.name))


def _users_by_pattern(cache: ClusterCache, lesson: Lesson) -> set[str]:
    from runner.grade.roster import discover

    return {p.user for p in discover(lesson, {k: cache.list(k) for k in cache.kinds})}


def _running(kind: str, obj: dict) -> bool:
    return kind == "Pod" and (obj.get("status") or {}).get("phase") in ("Running", "Pending")
