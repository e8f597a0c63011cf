"""placeholders: `<usernam>` (a near miss of a declared placeholder), placeholders nothing fills, and which
spellings are read as the user name (`<yourUsername>`: an info finding, so the author sees what --user fills)."""

from __future__ import annotations

from runner.lesson import placeholders as ph
from runner.lesson.model import StepType
from runner.lint.base import rule

# steps whose text is run or applied: a placeholder left there reaches the shell or the API server
RUN_TYPES = (StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE, StepType.MANIFEST, StepType.CHECK)


@rule(
    "placeholders",
    summary="undeclared placeholders: near misses of declared ones, ones left after rendering, spellings of the user name",
)
def placeholders(*, lesson, facts, emit, **_) -> None:
    declared = facts.declared
    told: set[str] = set()  # spellings of the user name already reported
    for step in lesson.steps:
        if step.type in (StepType.OTHER, StepType.FRAGMENT):
            continue  # shown, never run
        first = (
            step.line
            if step.type in (StepType.CHECK, StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE)
            else (step.content_line or step.line)
        )
        text = step.text
        if step.type is StepType.FILE and not step.content_line:
            continue  # a file the reader writes, described in prose
        seen: set[tuple[str, int]] = set()
        for occ in ph.find(text, first, fill_ins=True):
            if ph.fills_user_name(occ.name, declared) and occ.name != ph.USER_NAME and occ.name not in told:
                told.add(occ.name)  # once per spelling, at its first line
                emit(
                    step,
                    occ.line,
                    "info",
                    f"`<{occ.name}>` is read as the user name (filled by --user)",
                    hint=f"declare `{occ.name}` under `placeholders:` in the front matter if it is a value of its own",
                )
        for occ in ph.find(text, first):
            if occ.name in declared or ph.fills_user_name(occ.name, declared) or occ.name in ph.RUNTIME:
                continue
            if (occ.name, occ.line) in seen:
                continue
            seen.add((occ.name, occ.line))
            near = ph.near_miss(occ.name, declared)
            if near:
                emit(
                    step,
                    occ.line,
                    "error",
                    f"placeholder `<{occ.name}>` is not declared: did you mean `<{near}>`?",
                    hint=f"write `<{near}>`",
                )
            elif step.type in RUN_TYPES:
                # a lesson with our front matter must declare its placeholders; a tutorial as published
                # (no front matter) addresses a reader who fills `<nodename>` by hand: a warning there
                where = "manifest" if step.type is StepType.MANIFEST else "command"
                emit(
                    step,
                    occ.line,
                    "error" if lesson.meta.annotated else "warning",
                    f"placeholder `<{occ.name}>` is not declared, so it stays in the {where} after rendering",
                    hint=f"declare `{occ.name}` under `placeholders:` in the front matter, or write the value",
                )
