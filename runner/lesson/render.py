"""Substitute placeholders everywhere a step carries text, and validate what comes out.

Rendering is pure: a Lesson and values in, a rendered Lesson and the list of
placeholders that could not be filled out. Names that are not valid Kubernetes
names after rendering are errors at their line; undeclared placeholders are
reported, never silently left in a manifest (steps that still hold one are
flagged so that nothing applies them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from runner.core.errors import RenderError, UsageError
from runner.lesson import placeholders as ph
from runner.lesson.model import Lesson, Step, StepType
from runner.syntax.yaml import read_yaml

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_KINDS = {"Service", "Namespace", "Job", "CronJob"}  # names used as label values / DNS labels


@dataclass(frozen=True)
class Unresolved:
    """A placeholder left in a step after rendering."""

    name: str
    path: str
    line: int
    step_index: int
    suggestion: str | None  # a declared placeholder this is probably a typo of

    def message(self) -> str:
        hint = f": did you mean `<{self.suggestion}>`?" if self.suggestion else " (not declared by the lesson)"
        return f"placeholder `<{self.name}>` is not declared{hint}"


@dataclass(frozen=True)
class Rendered:
    lesson: Lesson
    values: Mapping[str, str]
    unresolved: tuple[Unresolved, ...]

    def blocking(self) -> list[Unresolved]:
        """Unresolved placeholders in steps that would run (manifests, commands, files, checks)."""
        runnable = {s.index for s in self.lesson.steps if s.runnable}
        return [u for u in self.unresolved if u.step_index in runnable]


def parse_sets(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--set name=value` options into a mapping."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().strip("<>")
        if not sep or not key:
            raise UsageError(f"--set expects name=value, got '{pair}'")
        out[key] = value
    return out


def values_for(lesson: Lesson, user: str | None, sets: Mapping[str, str], require: bool = True) -> dict[str, str]:
    """The placeholder values of a run: --user, --set, then defaults; required ones must be given (unless `require` is off, as for `show`)."""
    values: dict[str, str] = {}
    if user is not None:
        if not DNS_LABEL.match(user) or len(user) > 40:
            raise UsageError(
                f"--user '{user}' must be lower-case letters, digits and '-' (at most 40), as it becomes part of object names"
            )
        values["username"] = user
    for p in lesson.meta.placeholders:
        if p.name in sets:
            values[p.name] = sets[p.name]
        elif p.name not in values and p.default is not None:
            values[p.name] = p.default
    for name, value in sets.items():
        if lesson.placeholder(name) is None and name != "username":
            raise UsageError(f"--set {name}: the lesson declares no placeholder `<{name}>`")
        values[name] = value
    missing = [p.name for p in lesson.meta.placeholders if p.required and p.name not in values]
    if missing and require:
        flag = ["--user" if m == "username" else f"--set {m}=..." for m in missing]
        raise UsageError(f"missing value for {', '.join('<' + m + '>' for m in missing)}: give {' and '.join(flag)}")
    return values


def render(lesson: Lesson, values: Mapping[str, str]) -> Rendered:
    declared = [p.name for p in lesson.meta.placeholders]
    unresolved: list[Unresolved] = []
    steps: list[Step] = []
    for step in lesson.steps:
        new, left = _render_step(step, values, declared)
        steps.append(new)
        unresolved.extend(left)
    meta = replace(lesson.meta, requires=tuple(substitute(r, values) for r in lesson.meta.requires))
    return Rendered(replace(lesson, meta=meta, steps=tuple(steps)), dict(values), tuple(unresolved))


def substitute(text: str, values: Mapping[str, str]) -> str:
    return ph.PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _render_step(step: Step, values: Mapping[str, str], declared: list[str]) -> tuple[Step, list[Unresolved]]:
    left: list[Unresolved] = []
    first = step.content_line or step.line
    if step.type in (StepType.OTHER, StepType.FRAGMENT):
        return step, left  # shown, never run: rendered text but no complaints
    for occ in ph.find(step.text, first if step.type is not StepType.CHECK else step.line):
        if occ.name not in values and occ.name not in ph.RUNTIME:
            left.append(Unresolved(occ.name, step.path, occ.line, step.index, ph.near_miss(occ.name, declared)))

    def sub(s: str | None) -> str | None:
        return substitute(s, values) if s else s

    changes: dict[str, Any] = {
        "text": sub(step.text),
        "command": sub(step.command),
        "pod": sub(step.pod),
        "file": sub(step.file),
        "instead": sub(step.instead),
        "reason": sub(step.reason),
        "check_args": tuple((k, substitute(v, values)) for k, v in step.check_args),
    }
    if step.type is StepType.MANIFEST:
        result = read_yaml(changes["text"], first)
        if result.error:
            raise RenderError(
                f"manifest no longer parses after substituting placeholders: {result.error}",
                step.path,
                result.error_line or step.line,
            )
        changes["objects"] = result.objects
        blocked = {u.line for u in left}
        for obj in result.objects:
            _check_name(step, obj.kind, obj.name, obj.generate_name, obj.name_line, blocked)
    return replace(step, **changes), left


def _check_name(step: Step, kind: str, name: str | None, generate: str | None, line: int, blocked: set[int]) -> None:
    if line in blocked:
        return  # an unresolved placeholder is reported on its own
    value = name if name is not None else (generate or "") + "x"
    pattern, what = (DNS_LABEL, "a DNS label") if kind in LABEL_KINDS else (DNS_SUBDOMAIN, "a DNS subdomain")
    limit = 63 if kind in LABEL_KINDS else 253
    if not pattern.match(value) or len(value) > limit:
        shown = name if name is not None else generate
        raise RenderError(
            f"{kind} name '{shown}' is not a valid Kubernetes name ({what}: lower-case letters, digits, '-', at most {limit})",
            step.path,
            line,
        )
