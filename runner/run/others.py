"""Objects another run made: a step that would create or delete one is not run.

Runs share a cluster. Two tutorials that make the same namespace (every lab of
one workshop repository uses `codewizard`), run at once, would otherwise
delete each other's namespace (`kubectl delete namespace codewizard` "to start
clean") and fail at "already exists" — failures of neither tutorial. Every
object a run makes carries its run label, so what carries another run's label
is another run's: the step that would touch it is skipped, saying whose it is,
and what depends on that step is skipped after it (the run's `Blocked`).
"""

from __future__ import annotations

from runner.effects import Effects
from runner.kube.client import Cluster
from runner.kube.labels import LESSON_LABEL, RUN_LABEL, USER_LABEL
from runner.kube.objects import ObjectRef, get
from runner.lesson.model import Step

_TOUCHING = frozenset({"create", "apply", "replace", "run", "manifest", "delete"})


def held_by_another(cluster: Cluster, effects: Effects, step: Step, run_id: str) -> str | None:
    """Why `step` must not run: an object it would create or delete was made by another run; None when none was."""
    for e in effects.of_step(step):
        if e.action not in _TOUCHING or not e.kind or e.generated or not _plain(e.name):
            continue
        try:
            found = get(cluster, ObjectRef(e.kind, e.name, e.namespace or cluster.namespace))
        except Exception:
            continue
        labels = ((found or {}).get("metadata") or {}).get("labels") or {}
        other = labels.get(RUN_LABEL)
        if found is None or not other or other == run_id:
            continue
        verb = "deletes" if e.action == "delete" else "makes"
        whose = f"run {other} of {labels.get(LESSON_LABEL, '?')} for {labels.get(USER_LABEL, '?')}"
        return (
            f"{verb} {e.kind.lower()}/{e.name}, which another run on this cluster made ({whose}): "
            "a run never touches another's objects"
        )
    return None


def _plain(name: str) -> bool:
    return bool(name) and name != "*" and "$" not in name and "<" not in name
