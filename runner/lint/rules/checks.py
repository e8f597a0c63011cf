"""checks: every `<!-- check: ... -->` annotation against the check's spec, and the rubric against the lesson.

The spec a check registers (`checks.spec.CheckSpec`) says what it takes, so an
annotation is validated here, before any cluster, with the same words a run or
a grade would print: a misspelt check or argument (with the name it is close
to), a missing argument, a value of the wrong type, an object name that no step
of the lesson creates, and rubric entries that name no check or step.
"""

from __future__ import annotations

from checks.registry import load_all
from checks.spec import CheckSpec, Param
from runner.lesson.placeholders import near_miss
from runner.lint.base import rule

# kinds an object argument may name: a `pod=` may be a Job whose pod is meant (the checks look a Job's pods up)
ALSO = {"Pod": {"Job"}}


@rule(
    "checks",
    summary="check annotations: unknown checks or arguments, missing or mistyped values, objects nothing creates; rubric entries",
)
def check_annotations(*, lesson, facts, emit, **_) -> None:
    registry = load_all()
    ids = {s.id for s in lesson.steps if s.id}
    for step in lesson.checks:
        spec = registry.get(step.check or "")
        if spec is None:
            close = near_miss(step.check or "", registry.names())
            emit(
                step,
                step.line,
                "error",
                f"unknown check '{step.check}'" + (f": did you mean '{close}'?" if close else ""),
                hint="`tutorial checks` lists every check with what it takes",
            )
            continue
        args = dict(step.check_args)
        for problem in spec.problems(args, typed=False):
            emit(step, step.line, "error", problem.message, hint=f"usage: {spec.usage}")
        for param in spec.params:
            if param.name in args and param.kind and param.type in ("object", "prefix"):
                _object_made(step, spec, param, args[param.name], facts, emit)
    checks_named = {s.check for s in lesson.checks}
    for item in lesson.meta.rubric:
        if item.check in checks_named or item.check in ids:
            continue
        close = near_miss(item.check, sorted(checks_named | ids))
        emit(
            None,
            item.line or 1,
            "error",
            f"rubric entry '{item.check}' names no check and no step id of this lesson"
            + (f": did you mean '{close}'?" if close else ""),
            hint=f"the lesson's checks: {', '.join(sorted(checks_named)) or 'none'}",
        )


def _object_made(step, spec: CheckSpec, param: Param, value: str, facts, emit) -> None:
    """A check that reads an object nothing makes can only fail: say so at the annotation, with the name it is close to."""
    if facts.unfilled(value):
        return  # a value the reader fills in: nothing to look up
    name = facts.norm(value)
    kinds = {param.kind} | ALSO.get(param.kind or "", set())
    if param.type == "prefix":
        made = {facts.norm(m.obj.generate_name or "") for m in facts.manifests if m.obj.kind in kinds}
        if name in made:
            return
        candidates = sorted(n for n in made if n)
        what = f"no {param.kind} with generateName '{value}'"
    else:
        if facts.kinds_named(name) & kinds:
            return
        candidates = sorted(
            n for n, events in facts.creations.items() if any(e.kind in kinds and not e.generated for e in events)
        )
        what = f"no {param.kind} '{value}'"
    close = near_miss(name, candidates) if candidates else None
    emit(
        step,
        step.line,
        "error",
        f"check '{spec.name}': {param.name}={value}: {what} is created by any step of this lesson"
        + (f": did you mean '{close}'?" if close else ""),
        hint=f"{param.kind} objects the lesson creates: {', '.join(candidates) or 'none'}",
    )
