"""Renderers of a lesson plan for `show` and `list` (text for people and CI logs, JSON for scripts).

Like every renderer they print what they get: `show` gives them the lesson
with its secrets masked (`runner/lesson/secrets.py` `redacted`).
"""

from __future__ import annotations

from typing import Any

from runner.effects import Effects
from runner.lesson.model import Lesson, Step, StepType
from runner.lesson.render import Rendered


def plan_json(rendered: Rendered, unredacted: Rendered | None = None) -> dict[str, Any]:
    """The lesson as JSON. `rendered` is what is printed (secrets masked); what each step creates is read from
    `unredacted` when given: a mask (`****`) is no YAML, and a here-document's objects must not vanish with it."""
    lesson = rendered.lesson
    effects = Effects(unredacted.lesson if unredacted is not None else lesson)
    return {
        "lesson": lesson.meta.id,
        "title": lesson.meta.title,
        "path": lesson.path,
        "values": dict(rendered.values),
        "requires": list(lesson.meta.requires),
        "steps": [_step_json(step, effects) for step in lesson.steps],
        "unresolved": [{"placeholder": u.name, "line": u.line, "suggestion": u.suggestion} for u in rendered.unresolved],
    }


def _step_json(step: Step, effects: Effects) -> dict[str, Any]:
    """A step as JSON, with every object it creates (a manifest block, a here-document, `kubectl create`/`run`/`expose`)."""
    out = step.to_dict()
    creates = creations(step, effects)
    if creates:
        out["creates"] = creates
    return out


def creations(step: Step, effects: Effects) -> list[dict[str, Any]]:
    """What `step` creates, as the one model of effects says: kind, name (or generateName prefix), line, how."""
    out = []
    for e in effects.of_step(step):
        if e.creates and e.kind:
            entry: dict[str, Any] = {"kind": e.kind, ("generateName" if e.generated else "name"): e.name, "line": e.line}
            entry["via"] = e.via
            out.append(entry)
    return out


def describe(step: Step, effects: Effects) -> str:
    """One line saying what a step does."""
    t = step.type
    made = ", ".join(f"{e.kind} {e.name}{'*' if e.generated else ''}" for e in effects.of_step(step) if e.creates and e.kind)
    if t is StepType.MANIFEST:
        objs = ", ".join(f"{o.kind} {o.display_name}" for o in effects.block_objects(step))
        how = "applied by the runner" if step.apply else "applied by a command of the tutorial"
        where = f" as {step.file}" if step.file else ""
        return f"{objs}{where} ({how})"
    if t in (StepType.COMMAND,):
        creates = f"   [creates {made}]" if made else ""
        return f"$ {_one_line(step.command)}" + ("   [expected to fail]" if step.expect_failure else "") + creates
    if t is StepType.IN_POD:
        where = (step.pod or "") + (" (a pod of Job)" if step.pod_kind == "Job" else "")
        return f"[in {where}] $ {_one_line(step.command)}"
    if t is StepType.INTERACTIVE:
        instead = f"; runs instead: {step.instead}" if step.instead else ""
        return f"$ {_one_line(step.command)}   [interactive: {step.reason}{instead}]"
    if t is StepType.FILE:
        verb = "update" if step.action == "update" else "create"
        return f"{verb} local file {step.file}" + (f" ({step.reason})" if step.reason else "")
    if t is StepType.CHECK:
        args = " ".join(f"{k}={v}" for k, v in step.check_args)
        return f"check {step.check} {args}".rstrip()
    if t is StepType.INVALID:
        return f"INVALID at line {step.error_line}: {step.error}"
    return f"({step.reason})"


def _one_line(text: str | None) -> str:
    text = text or ""
    first = text.split("\n")[0]
    return first + (" ..." if "\n" in text else "")


def plan_text(rendered: Rendered) -> str:
    lesson = rendered.lesson
    lines = [f"{lesson.meta.id}: {lesson.meta.title}", f"  source: {lesson.path}"]
    if lesson.meta.requires:
        lines.append(f"  requires: {', '.join(lesson.meta.requires)}")
    lines.append("")
    lines.append(f"  {'#':>3}  {'line':>5}  {'type':<11}  step")
    section = None
    effects = Effects(lesson)
    for step in lesson.steps:
        if step.section != section:
            section = step.section
            lines.append(f"  -- {section or '(top)'}")
        flags = []
        if step.skip:
            flags.append(f"skip: {step.skip}")
        if step.duplicate_of is not None:
            flags.append(f"repeats step {step.duplicate_of + 1}")
        if step.requires:
            flags.append("requires " + ",".join(step.requires))
        suffix = f"   [{'; '.join(flags)}]" if flags else ""
        lines.append(f"  {step.index + 1:>3}  {step.line:>5}  {step.type.value:<11}  {describe(step, effects)}{suffix}")
    counts: dict[str, int] = {}
    for step in lesson.steps:
        counts[step.type.value] = counts.get(step.type.value, 0) + 1
    lines.append("")
    lines.append("  " + ", ".join(f"{n} {t}" for t, n in counts.items()) if counts else "  no steps")
    return "\n".join(lines)


def lesson_summary(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.meta.id,
        "title": lesson.meta.title,
        "path": lesson.path,
        "description": lesson.meta.description,
        "steps": len(lesson.steps),
        "checks": [{"name": c.check, "points": lesson.points(c)} for c in lesson.checks],
        "points": lesson.max_points,
        "requires": list(lesson.meta.requires),
    }


def lessons_text(lessons: list[Lesson]) -> str:
    if not lessons:
        return "no lessons found"
    width = max(len(l.meta.id) for l in lessons)
    lines = []
    for lesson in lessons:
        s = lesson_summary(lesson)
        req = f"  requires: {', '.join(s['requires'])}" if s["requires"] else ""
        lines.append(f"{s['id']:<{width}}  {s['title']}")
        lines.append(f"{'':<{width}}  {s['steps']} steps, {len(s['checks'])} checks, {s['points']:g} points{req}")
        if s["checks"]:
            lines.append(f"{'':<{width}}  checks: " + ", ".join(f"{c['name']} ({c['points']:g})" for c in s["checks"]))
    return "\n".join(lines)
