"""What later steps cannot do because an earlier step did not make what they need (`--keep-going`): part of the verdict.

The plan knows each step's inputs and the earlier steps that make them
(`plan.provenance.Dependency`, from the one model of effects). The plan
already skips a step whose every producer was skipped; at run time a
producer may fail, and then what depends only on it (and on steps that did
not run) cannot pass either: it is skipped, naming the step that failed,
instead of failing again for the same cause.

A defect of the tutorial at a step (a placeholder typo, a file the text
never shows) is reported at its line whatever else happened before it.
"""

from __future__ import annotations

from collections.abc import Iterable

from runner.lesson.model import Step
from runner.plan.build import Action
from runner.plan.operation import Operation


class Blocked:
    def __init__(self, steps: Iterable[Step], planned: Iterable[Action]) -> None:
        self.lines = {s.index: s.line for s in steps}
        self.not_run: dict[int, str] = {  # step index -> why it did not run, as planned
            a.step.index: (a.reason or a.do.value) for a in planned if not a.do.acts
        }
        self.failed_steps: dict[int, tuple[str, str]] = {}  # step index -> (what happened, why), at run time

    def failed(self, step: Step, message: str = "") -> None:
        """Remember that `step` failed: what it was to make is not there."""
        self.failed_steps[step.index] = ("failed to make", message)

    def skipped(self, step: Step, reason: str) -> None:
        """Remember that `step` was skipped at run time because of an earlier failure: its dependents are blocked too."""
        self.failed_steps[step.index] = ("did not make", reason)

    def why(self, action: Action) -> str | None:
        """Why `action` cannot pass because every step that makes one of its inputs failed (or did not run), or None."""
        if action.do is Operation.FAIL or not self.failed_steps:
            return None
        for dep in action.needs:
            producers = dep.producers
            gone = [p for p in producers if p in self.failed_steps or p in self.not_run]
            if not producers or not (len(gone) == len(producers) or (dep.last_decides and producers[-1] in gone)):
                continue
            failed = [p for p in (producers[-1:] if dep.last_decides else producers) if p in self.failed_steps]
            if not failed:
                continue  # only planned skips: the plan has said so already
            last = failed[-1]
            what, how = self.failed_steps[last]
            return f"depends on {dep.need}, which the step at line {self.lines[last]} {what}" + (f" ({how})" if how else "")
        return None
