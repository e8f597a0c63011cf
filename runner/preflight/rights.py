"""The rights a participant needs to follow a lesson with `tutorial run`, from the lesson's `Effects` and the runner's own needs.

Each right carries the line that needs it (or "the runner"), so a missing
one is named as the verb, the resource and why: `create pods/exec (the
lesson's checks exec into pods, line 93)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.effects import Effects
from runner.kube.objects import SWEEP_KINDS
from runner.lesson.model import StepType


@dataclass(frozen=True)
class Right:
    verb: str
    kind: str  # a kind (`Pod`), or `pods/exec`-style resource/subresource of the core group
    why: str
    line: int | None = None

    @property
    def subresource(self) -> tuple[str, str] | None:
        """("pods", "exec") for `pods/exec`."""
        if "/" in self.kind:
            resource, sub = self.kind.split("/", 1)
            return resource, sub
        return None


RUNNER_OWN = (
    *(
        Right(v, "Lease", "the run's lease (one run per lesson and user)")
        for v in ("get", "list", "watch", "create", "update", "delete")
    ),
    Right("list", "Event", "the runner reads a failing pod's events"),
)


def needed(effects: Effects) -> list[Right]:
    """Every right the lesson's steps and the runner need, first line first, each verb and kind once."""
    out: list[Right] = []
    for e in effects.events:
        if not e.kind or e.name is None:
            continue
        where = f"line {e.line}"
        if e.creates:
            out.append(Right("create", e.kind, f"{e.via} ({where})", e.line))
            out += [
                Right(v, e.kind, f"the runner waits for and reads what it made ({where})", e.line)
                for v in ("get", "list", "watch")
            ]
            out.append(Right("delete", e.kind, f"the runner deletes what it made ({where})", e.line))
            if e.call is not None:
                out.append(Right("patch", e.kind, f"the runner labels what a command made ({where})", e.line))
        elif e.action == "delete":
            out.append(Right("delete", e.kind, f"{e.via} ({where})", e.line))
        else:
            out.append(Right("get", e.kind, f"{e.via} ({where})", e.line))
    steps = effects.lesson.steps
    verbs = {c.call.verb: c.line for c in effects.calls}
    checks = [s for s in steps if s.type is StepType.CHECK]
    in_pod = [s for s in steps if s.type is StepType.IN_POD]
    if "exec" in verbs or in_pod or checks:
        line = verbs.get("exec") or (in_pod[0].line if in_pod else checks[0].line)
        why = "the lesson's checks exec into pods" if checks and "exec" not in verbs and not in_pod else "kubectl exec"
        out.append(Right("create", "pods/exec", why, line))
    if "logs" in verbs or checks:
        line = verbs.get("logs") or checks[0].line
        out.append(Right("get", "pods/log", "logs are read", line))
    out += RUNNER_OWN
    out += [Right("list", kind, "the runner sweeps leftovers of earlier runs before it starts") for kind in SWEEP_KINDS]
    return _unique(out)


def _unique(rights: list[Right]) -> list[Right]:
    """Each verb and kind once, the first (with its line) kept."""
    first: dict[tuple[str, str], Right] = {}
    for r in rights:
        first.setdefault((r.verb, r.kind), r)
    return list(first.values())


def for_grading(effects: Effects) -> list[Right]:
    """What the instructor's `tutorial grade` (and its boards) needs: read and watch every kind the lesson makes, the
    cluster's events, and inspector pods that mount claims and are exec'd into."""
    kinds = ["Pod", "Job", *(e.kind for e in effects.events if e.creates and e.kind)]
    out = [Right(v, kind, "grading reads it", None) for kind in dict.fromkeys(kinds) for v in ("list", "watch")]
    out += [Right("list", "Event", "grading reads the events of objects that existed", None)]
    out += [Right(v, "Pod", "grading's inspector pods (they mount claims)", None) for v in ("create", "delete")]
    out += [Right("create", "pods/exec", "grading execs into pods and its inspectors", None)]
    return _unique(out)
