"""yaml: a YAML block that does not parse (at the line of the error), duplicate keys kubectl rejects."""

from __future__ import annotations

from runner.lesson.model import StepType
from runner.lint.base import rule


@rule("yaml", summary="YAML blocks that do not parse; duplicate keys")
def yaml_blocks(*, lesson, facts, emit, **_) -> None:
    for step in lesson.steps:
        if step.type is StepType.INVALID:
            message = step.error or "YAML does not parse"
            emit(step, step.error_line or step.line, "error", message)
    for m in facts.manifests:
        for path, line in m.pos.duplicates:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
            emit(
                m.step,
                line,
                "error",
                f"key `{where}` appears twice in {m.obj.kind} `{m.name}`: kubectl rejects duplicate fields",
                hint="keep one of the two",
            )
