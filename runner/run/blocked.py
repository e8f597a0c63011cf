"""What later steps cannot do because an earlier step failed (`--keep-going`): part of the runner's verdict.

A step that needs an object whose creation failed cannot pass either; it is
skipped, naming the step that failed, instead of failing again for the same
cause. A failed `kubectl apply -f FILE` of a file the tutorial never shows
made objects nobody can name: later steps using FILE, or an object no step
of the tutorial makes, are skipped as depending on it.
"""

from __future__ import annotations

from runner.effects import Effects, owners
from runner.lesson.model import Step, StepType
from runner.syntax.shell import plain_file


class Blocked:
    def __init__(self, effects: Effects, shown_files: set[str]) -> None:
        """`shown_files`: the files the tutorial shows (the plan writes them), as plain names."""
        self.effects = effects
        self.shown_files = shown_files
        self.not_made: dict[str, int] = {}  # name -> line of the step whose creation of it failed
        self.missing_files: dict[str, int] = {}  # a file a failed step applied that the tutorial never shows -> line

    def failed(self, step: Step) -> None:
        """Remember the objects `step`, which failed, was to create."""
        for e in self.effects.of_step(step):
            if e.creates and not e.generated:
                self.not_made.setdefault(e.name, step.line)
        for c in self.effects.step_calls(step):
            if c.call.verb in ("create", "apply", "replace"):
                for f in c.call.files:
                    if f != "-" and "://" not in f and plain_file(f) not in self.shown_files:
                        self.missing_files.setdefault(plain_file(f), step.line)
        if step.type is StepType.MANIFEST:
            for o in step.objects:
                if o.name:
                    self.not_made.setdefault(o.name, step.line)

    def why(self, step: Step) -> str | None:
        """Why `step` cannot pass because an object it needs was never made (its creating step failed), or None.

        A step that makes such an object anew (`kubectl create`, `kubectl run`)
        clears it: later steps may use it again.
        """
        if not self.not_made and not self.missing_files:
            return None
        for c in self.effects.step_calls(step):
            for f in c.call.files:
                if plain_file(f) in self.missing_files:
                    return f"needs {f}, which the step at line {self.missing_files[plain_file(f)]} could not apply"
        if self.missing_files:
            unmade = self._never_made(step)
            if unmade:
                first = min(self.missing_files.values())
                return f"needs {unmade}, which no step makes here (the step at line {first} that could have made it failed)"
        if step.type is StepType.IN_POD and step.pod in self.not_made:
            return f"needs {step.pod}, whose creation failed at line {self.not_made[step.pod]}"
        if step.type is StepType.CHECK:
            for _, value in step.check_args:
                if value in self.not_made:
                    return f"needs {value}, whose creation failed at line {self.not_made[value]}"
        for e in self.effects.of_step(step):
            if e.creates and e.manifest is None and e.action in ("create", "run"):
                self.not_made.pop(e.name, None)  # made anew here
                continue
            if e.creates:
                continue
            for name in owners(e.name):
                if name in self.not_made:
                    return f"needs {name}, whose creation failed at line {self.not_made[name]}"
        return None

    def _never_made(self, step: Step) -> str | None:
        """An object this step uses that no step of the lesson makes (nor exists from before), if any."""
        made = {name for _, name in self.effects.created()}
        names = [step.pod] if step.type is StepType.IN_POD and step.pod else []
        names += [e.name for e in self.effects.of_step(step) if e.action in ("ref", "delete") and e.name != "*"]
        return next((n for n in names if n and not any(o in made for o in owners(n))), None)
