"""When each object of a tutorial exists, and which steps use it: the places a check about it can go.

Built on `runner.effects` (what every step creates, deletes and refers to):
an object lives from a step that creates it to the next step that deletes
it (or replaces it in place, for what a live update changes); the steps in
between that name it (`kubectl logs`, `exec`, commands inside its pod) are its
uses. A check about an object belongs after its last use while it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.effects import Effect, Effects, Manifest, pod_base
from runner.lesson.model import Lesson, Step, StepType


@dataclass(frozen=True)
class Life:
    """One lifetime of an object: the creating effect, the step that ends it (None: it lives to the end)."""

    kind: str
    name: str
    created: Effect
    ended_by: Step | None = None
    uses: tuple[Step, ...] = ()

    @property
    def manifest(self) -> Manifest | None:
        return self.created.manifest

    @property
    def start(self) -> int:
        return self.created.step.index

    @property
    def end(self) -> int:
        """Index of the step that ends it, or one past the last step."""
        return self.ended_by.index if self.ended_by is not None else 10**9

    def alive_at(self, index: int) -> bool:
        return self.start <= index < self.end


@dataclass
class Timeline:
    """Every lifetime of every object the tutorial creates, in lesson order."""

    lesson: Lesson
    effects: Effects
    lives: list[Life] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lives = _lives(self.lesson, self.effects)

    def of(self, kind: str, name: str) -> list[Life]:
        return [l for l in self.lives if l.kind == kind and l.name == name]

    def alive(self, kind: str, index: int) -> list[Life]:
        return [l for l in self.lives if l.kind == kind and l.alive_at(index)]

    def life_at(self, kind: str, name: str, index: int) -> Life | None:
        return next((l for l in self.of(kind, name) if l.alive_at(index)), None)


def _ends(e: Effect, kind: str, name: str) -> bool:
    if e.action != "delete" or e.kind not in (kind, None):
        return False
    return e.name in (name, "*")


def _uses(step: Step, effects: Effects, kind: str, name: str) -> bool:
    """Does the step name the object (or, for a Job, its pods)?"""
    if step.type in (StepType.IN_POD, StepType.INTERACTIVE) and step.pod and pod_base(step.pod) == name:
        return True
    for e in effects.of_step(step):
        if e.action != "ref":
            continue
        if e.name == name and e.kind in (kind, None):
            return True
        if kind in ("Job", "Deployment") and e.kind in ("Pod", None) and pod_base(e.name) == name:
            return True
    return False


def _lives(lesson: Lesson, effects: Effects) -> list[Life]:
    out: list[Life] = []
    open_: dict[tuple[str, str], Effect] = {}
    for e in effects.events:
        key = (e.kind or "", e.name)
        if e.creates and e.kind and not e.generated:
            if key not in open_:
                open_[key] = e
            continue
        if e.action == "delete":
            for k, created in list(open_.items()):
                if _ends(e, *k):
                    out.append(_life(lesson, effects, k, created, e.step))
                    del open_[k]
    for k, created in open_.items():
        out.append(_life(lesson, effects, k, created, None))
    return sorted(out, key=lambda l: (l.start, l.created.order))


def _life(lesson: Lesson, effects: Effects, key: tuple[str, str], created: Effect, ended_by: Step | None) -> Life:
    kind, name = key
    end = ended_by.index if ended_by is not None else len(lesson.steps)
    # the steps after the creating one and before the ending one (which is no use while it exists)
    uses = tuple(s for s in lesson.steps[created.step.index + 1 : end] if _uses(s, effects, kind, name))
    return Life(kind, name, created, ended_by, uses)
