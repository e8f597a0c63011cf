"""A published tutorial turned into an annotated lesson (`tutorial new`), and what still needs a person.

Two passes over the lesson model:

1. the commands the prose asks for without showing them (`<!-- run: ... -->`)
   are added first, and the result parsed again, so that what follows sees
   them as the steps they are (a pod deleted where the text says so);
2. on that lesson: checks where the state they check exists, step
   annotations where the runner needs them, the front matter.

The result is parsed and linted once more: it must parse, its checks must be
where they were meant to go, and every lint finding that remains (the text
itself is never changed) is reported for a person, with the other `Todo`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from runner.author import frontmatter, steps
from runner.author.layout import Insertion, Layout
from runner.author.steps import BlockNote, ProseCommand, Todo
from runner.author.suggest import Suggester, Suggestion
from runner.author.timeline import Timeline
from runner.core.errors import LessonError, UsageError
from runner.effects import Effects
from runner.lesson.model import Lesson
from runner.lesson.parser import parse_lesson
from runner.lint import Finding, lint_lesson


@dataclass
class Draft:
    """The lesson text and what went into it."""

    source: str
    text: str
    lesson: Lesson  # the lesson as parsed from `text`
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[BlockNote] = field(default_factory=list)
    commands: list[ProseCommand] = field(default_factory=list)
    todos: list[Todo] = field(default_factory=list)  # lines of `text`
    findings: list[Finding] = field(default_factory=list)  # lint of `text`, errors and warnings
    front_matter: dict[str, object] = field(default_factory=dict)

    @property
    def check_steps(self) -> list[int]:
        return [s.line for s in self.lesson.checks]


def lesson_id_for(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", Path(name).stem.lower()).strip("-_")
    return slug or "lesson"


def draft(source: str, path: str, lesson_id: str, out_path: str | None = None) -> Draft:
    """The annotated lesson for the published tutorial `source` (read from `path`)."""
    first = parse_lesson(source, path)
    if first.meta.annotated and not frontmatter.only_page_keys(source):
        raise UsageError(f"{path}: already a lesson (its front matter has our keys): edit it instead")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", lesson_id):
        raise UsageError(f"--id {lesson_id!r}: must be lower-case letters, digits, - or _")

    # pass 1: what the prose asks for without a command (on front matter that our keys can be added to)
    page = frontmatter.appendable(source)
    if page != source:
        first = parse_lesson(page, path)
    layout = Layout(page)
    effects = Effects(first)
    commands, todos = steps.prose_commands(first, effects, Timeline(first, effects), layout)
    pass1 = layout.apply(steps.insertions(layout, [], commands))
    shift = [Insertion(c.block.end_line, ("",)) for c in commands]

    # pass 2: checks, step notes, front matter on the lesson with those commands
    lesson = parse_lesson(pass1, path)
    layout2 = Layout(pass1)
    effects2 = Effects(lesson)
    timeline = Timeline(lesson, effects2)
    suggester = Suggester(lesson, effects2, timeline, layout2)
    suggestions = suggester.all()
    finish = {dict(s.args).get("job", "") for s in suggestions if s.check == "pvc-data-survives"}
    notes, more = steps.block_notes(lesson, effects2, timeline, layout2, finish, suggester.failing_jobs())
    todos = [Todo(layout.new_line(shift, t.line), t.what) for t in todos] + more
    if page != source:
        todos.append(Todo(1, "the page's front matter is written again in block style to take ours: its comments are gone"))
    rubric: dict[str, int] = {}
    for s in suggestions:
        rubric.setdefault(s.check, s.points)
    found = frontmatter.found_placeholders(lesson, layout2)
    requires = frontmatter.requirements(effects2)
    data = frontmatter.meta(lesson_id, lesson.meta.title, found, requires, rubric)
    fm = frontmatter.insertion(layout2, data, Path(path).name)
    checks = [_check_insertion(layout2, s) for s in suggestions]
    inserted = [fm, *checks, *steps.insertions(layout2, notes, [])]
    text = layout2.apply(inserted)
    todos = [Todo(layout2.new_line(inserted, t.line), t.what) for t in todos]

    for req, without in frontmatter.partial_requirements(effects2).items():
        names = ", ".join(name for name, _ in without[:3]) + (", ..." if len(without) > 3 else "")
        todos.append(
            Todo(
                frontmatter.key_line(text, "requires") or 1,
                f"`requires: {req}` is for the whole lesson (a cluster without it skips every step), but {names} "
                "do not need it: drop it from the front matter to run those parts there",
            )
        )
    for p in found:
        if p.name != "username":
            todos.append(
                Todo(
                    layout2.new_line(inserted, p.line),
                    f"<{p.name}> has no default: give one in the front matter, or run with --set {p.name}=...",
                )
            )
    for s in suggestions:
        line = layout2.new_line(inserted, s.line)
        todos.extend(Todo(line, f"{s.check}: {n}") for n in s.notes)

    out_name = out_path or path
    try:
        result = parse_lesson(text, out_name)
    except LessonError as exc:  # our own annotation is wrong: a bug, said as such
        raise LessonError(
            f"tutorial new wrote an annotation the parser refuses ({exc.message}); please report it", out_name, exc.line
        ) from None
    findings = [f for f in lint_lesson(result) if f.severity in ("error", "warning")]
    for f in findings:  # the text is never changed, so what lint finds in it is for a person
        todos.append(Todo(f.line, f"lint {f.severity} {f.rule}: {f.message}" + (f" (hint: {f.hint})" if f.hint else "")))
    todos.extend(_alive_at_end(result, suggestions))
    todos = sorted(set(todos), key=lambda t: (t.line, t.what))
    return Draft(source, text, result, suggestions, notes, commands, todos, findings, data)


def _check_insertion(layout: Layout, s: Suggestion) -> Insertion:
    comment = "<!-- check: " + " ".join([s.check, *(f"{k}={steps._quote(v)}" for k, v in s.args)]) + " -->"
    if s.after is None:
        return layout.at_end(comment, order=50)
    block = layout.block_of(s.after)
    assert block is not None  # an anchor always has a block (Suggester.anchor)
    return layout.after(block, comment, order=1)


def _alive_at_end(lesson: Lesson, suggestions: list[Suggestion]) -> list[Todo]:
    """With no-running-pods at the end, a pod no step deletes fails that check in a run."""
    if not any(s.check == "no-running-pods" for s in suggestions):
        return []
    timeline = Timeline(lesson, Effects(lesson))
    end = next((s for s in reversed(lesson.steps) if s.check == "no-running-pods"), None)
    out = []
    for life in timeline.lives:
        if life.kind == "Pod" and life.ended_by is None:
            out.append(
                Todo(
                    life.created.line,
                    f"no step deletes Pod {life.name}: no-running-pods (line {end.line if end else '?'}) fails in a run "
                    f"until the tutorial deletes it (`kubectl delete pod {life.name}`)",
                )
            )
    return out
