"""Step annotations the runner needs, commands the prose asks for, and what only a person can do.

- `instead=` for interactive steps that have an unattended equivalent: a
  shell opened with `kubectl exec -it POD -- bash` (the commands typed in it
  are in-pod steps of their own) becomes `kubectl exec POD -- bash -c ...`;
  `kubectl logs -f` and `kubectl get -w` lose the flag that makes them wait.
- `wait=complete` on the step that creates a Job when a later step needs it
  finished: its log is read, it is deleted (and maybe made again).
- `skip=` for steps that apply a file the tutorial does not show, and the
  steps that only work with what that file would create.
- `<!-- run: kubectl delete ... -->` after a paragraph that asks the reader to
  delete a pod or Job without showing the command (so a run leaves no pod
  behind, as the tutorial wants).

What none of these can do (an editor, a port-forward, a file nobody shows)
is a `Todo`, printed for a person.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from runner.author.layout import Insertion, Layout, steps_by_block
from runner.author.timeline import Timeline
from runner.effects import Call, Effects, pod_base
from runner.lesson.markdown import Block
from runner.lesson.model import Lesson, Step, StepType
from runner.lint.facts import LessonFacts
from runner.syntax.bash import SHELLS
from runner.syntax.shell import heredoc
from runner.syntax.yaml import read_yaml

_TTY_FLAGS = {"-it", "-ti", "-i", "-t", "--stdin", "--tty", "--stdin=true", "--tty=true"}
_DELETE = re.compile(
    r"(?:^|[,;:]\s*|\bplease\s+|\bthen\s+|\bnow\s+|\bmake\s+sure\s+(?:that\s+)?you\s+)(?:explicitly\s+)?"
    r"delete\s+(?:explicitly\s+)?(?:the|your)\s+(pod|job)s?\b",
    re.I,
)
_OPTIONAL = re.compile(r"\b(could|can|may|might|don't have to|do not have to|need not|if you)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_SAFE_WORD = re.compile(r"[\w@%+=:,./<>-]+")


@dataclass(frozen=True)
class Todo:
    """Something only a person can do, at a line of the tutorial."""

    line: int
    what: str


@dataclass(frozen=True)
class BlockNote:
    """A `<!-- step: ... -->` for one code block (its keys apply to each of its commands)."""

    block: Block
    keys: tuple[tuple[str, str], ...]
    why: str

    def comment(self) -> str:
        return "<!-- step: " + " ".join(f"{k}={_quote(v)}" for k, v in self.keys) + " -->"


@dataclass(frozen=True)
class ProseCommand:
    """A command the paragraph `block` asks for without showing it, as `<!-- run: ... -->`."""

    block: Block
    command: str
    why: str

    def comment(self) -> str:
        return f"<!-- run: {self.command} -->"


def join(words: list[str] | tuple[str, ...]) -> str:
    """Words as a shell command; `<placeholder>` words stay as written (they are replaced before anything runs)."""
    return " ".join(w if _SAFE_WORD.fullmatch(w) else shlex.quote(w) for w in words)


def _quote(value: str) -> str:
    if _SAFE_WORD.fullmatch(value) and "=" not in value:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- commands the prose asks for --------------------------------------------------------------


def prose_commands(lesson: Lesson, effects: Effects, timeline: Timeline, layout: Layout) -> tuple[list[ProseCommand], list[Todo]]:
    """Deletions a paragraph asks for that no command of its section does."""
    out: list[ProseCommand] = []
    todos: list[Todo] = []
    for block in layout.prose:
        nxt = next((s for s in lesson.steps if s.line > block.end_line), None)
        index = nxt.index if nxt is not None else len(lesson.steps)
        prev = next((s for s in reversed(lesson.steps) if s.line < block.line), None)
        section = prev.section if prev is not None else ""
        for sentence in _SENTENCE.split(re.sub(r"[*_`]", "", block.text)):
            m = _DELETE.search(sentence)
            if not m or _OPTIONAL.search(sentence[: m.start()]):
                continue
            kind = "Pod" if m.group(1).lower() == "pod" else "Job"
            alive = [
                l
                for l in timeline.alive(kind, index)
                if l.created.step.section == section and (l.ended_by is None or l.ended_by.section != section)
            ]
            if not alive:
                continue
            life = alive[-1]
            command = f"kubectl delete {kind.lower()} {life.name}"
            if layout.in_list(block):
                todos.append(
                    Todo(block.line, f"the text asks to delete {kind} {life.name} but shows no command: add `{command}`")
                )
                continue
            out.append(ProseCommand(block, command, f"line {block.line} asks to delete {kind} {life.name} and shows no command"))
    return out, todos


# ---- step annotations -------------------------------------------------------------------------


def block_notes(
    lesson: Lesson, effects: Effects, timeline: Timeline, layout: Layout, jobs_to_finish: set[str], failing: set[str]
) -> tuple[list[BlockNote], list[Todo]]:
    todos: list[Todo] = []
    wanted: dict[int, dict[str, str]] = {}
    why: dict[int, list[str]] = {}
    blocks = {b.line: b for b in layout.code}
    by_block = steps_by_block(lesson, layout)

    def want(step: Step, key: str, value: str, reason: str) -> None:
        block = layout.block_of(step)
        if block is None or block.kind != "code":
            todos.append(Todo(step.line, reason))
            return
        if getattr(step, key, None):  # already annotated
            return
        keys = wanted.setdefault(block.line, {})
        if key in keys and keys[key] != value:
            todos.append(Todo(step.line, f"{reason} (the block already gets {key}={keys[key]})"))
            return
        keys[key] = value
        why.setdefault(block.line, []).append(reason)

    skips = dict(_skips(lesson, effects))
    for steps in by_block.values():
        reasons = [skips.get(s.index) for s in steps if s.runnable or s.type is StepType.INTERACTIVE]
        if reasons and all(reasons):
            want(steps[0], "skip", str(reasons[0]), f"line {steps[0].line}: {reasons[0]}")
            todos.append(Todo(steps[0].line, f"skipped: {reasons[0]}"))
        else:
            for s in steps:
                if skips.get(s.index):
                    todos.append(Todo(s.line, f"cannot run unattended: {skips[s.index]} (the block's other commands run)"))
    skipped_blocks = {line for line, keys in wanted.items() if "skip" in keys}

    for step in lesson.steps:
        block = layout.block_of(step)
        if block is not None and block.line in skipped_blocks:
            continue
        if step.type is StepType.INTERACTIVE and not step.instead:
            instead = unattended(step, effects)
            if instead:
                want(
                    step, "instead", instead, f"line {step.line}: `{step.command}` needs a terminal; the runner runs `{instead}`"
                )
            else:
                todos.append(
                    Todo(step.line, f"`{step.command}` needs a person at a terminal ({step.reason}): it is skipped in a run")
                )
        if step.type is StepType.INVALID:
            todos.append(Todo(step.error_line or step.line, f"the block does not parse ({step.error}): a run refuses to start"))

    for life in timeline.lives:
        if life.kind != "Job" or life.created.step.wait or life.name in failing:
            continue
        inside = any(s.type in (StepType.IN_POD, StepType.INTERACTIVE) for s in life.uses)
        reads_log = any(c.call.verb == "logs" for s in life.uses for c in effects.step_calls(s))
        if inside:
            continue
        if reads_log or life.ended_by is not None or life.name in jobs_to_finish:
            what = "its log is read" if reads_log else "it is deleted afterwards" if life.ended_by else "a check reads its output"
            want(life.created.step, "wait", "complete", f"Job {life.name} must finish first: {what}")

    for e in effects.events:  # a second `create` of an object that still exists fails in a run
        if e.creates and e.kind and not e.generated and e.action in ("manifest", "create", "run"):
            living = timeline.life_at(e.kind, e.name, e.step.index)
            if living is not None and living.created.step.index < e.step.index:
                todos.append(
                    Todo(
                        e.line,
                        f"creates {e.kind} {e.name} again while it still exists (no step deletes it before): a run fails with 'already exists'",
                    )
                )

    notes = [BlockNote(blocks[line], tuple(keys.items()), "; ".join(why.get(line, []))) for line, keys in sorted(wanted.items())]
    return notes, todos


def unattended(step: Step, effects: Effects) -> str | None:
    """The unattended form of an interactive step, or None when there is none."""
    for c in effects.step_calls(step):
        call = c.call
        if call.verb == "exec":
            inner = list(call.after_dash)
            if len(inner) == 1 and inner[0] in SHELLS:
                words = _without(c, _TTY_FLAGS)
                return join(words[: len(words) - 1]) + f" {inner[0]} -c 'echo shell ready in $HOSTNAME'"
            return None
        if call.verb == "logs" and call.has("-f", "--follow"):
            return join(_without(c, {"-f", "--follow"}))
        if call.verb == "get" and call.has("-w", "--watch"):
            return join(_without(c, {"-w", "--watch", "--watch-only"}))
    return None


def _without(c: Call, flags: set[str]) -> list[str]:
    return [w for w in c.words if w not in flags]


def _skips(lesson: Lesson, effects: Effects) -> Iterator[tuple[int, str]]:
    """Steps that need what a file the tutorial does not show would create: (step index, why)."""
    facts = LessonFacts(lesson)
    unseen = facts.unknown_applied_files
    names = {name for _, name in effects.created()}
    jobs = {name for kind, name in effects.created() if kind in ("Job", "CronJob")}
    files = ", ".join(sorted({f for f, _ in unseen}))
    first_line = min((line for _, line in unseen), default=10**9)
    for step in lesson.steps:
        if step.type is not StepType.COMMAND and step.line <= first_line:
            continue
        calls = effects.step_calls(step) if step.type is StepType.COMMAND else []
        lines = {c.line for c in calls}
        applied = [f for f, line in unseen if line in lines]
        deleted = [
            f
            for c in calls
            if c.call.verb == "delete"
            for f in c.call.files
            if f in {u for u, _ in unseen}
            or (facts.file_manifests(f, step.index) is None and not facts.file_known(f, step.index))
        ]
        if applied or deleted:
            yield (
                step.index,
                f"{'applies' if applied else 'deletes with'} {', '.join(applied or deleted)}, which the tutorial does not show",
            )
        elif _example_heredoc(step, calls):
            yield step.index, "its here-document is a template of the syntax, not a manifest"
        elif step.line > first_line:
            missing = _missing(step, effects, names, jobs)
            if missing:
                yield step.index, f"needs {missing}, which only {files} (not shown) would create"


def _example_heredoc(step: Step, calls: list[Call]) -> bool:
    if not any(c.call.verb in ("create", "apply", "replace") and "-" in c.call.files for c in calls):
        return False
    doc = heredoc(step.command or "")
    if doc is None:
        return False
    result = read_yaml(doc.given, step.line)
    return bool(result.error) or not result.objects


def _missing(step: Step, effects: Effects, names: set[str], jobs: set[str]) -> str | None:
    def known(name: str) -> bool:
        base = pod_base(name)
        return base in names or any(base.startswith(job + "-") for job in jobs)  # an Indexed Job's pod: JOB-INDEX-<hash>

    if step.type in (StepType.IN_POD, StepType.INTERACTIVE) and step.pod and not known(step.pod):
        return step.pod
    for e in effects.of_step(step):
        if e.action in ("ref", "delete") and e.name != "*" and not known(e.name) and not e.ignore_missing:
            return e.name
    return None


def insertions(layout: Layout, notes: list[BlockNote], commands: list[ProseCommand]) -> list[Insertion]:
    out = [layout.before(n.block, n.comment(), order=20) for n in notes]
    out += [layout.after(c.block, c.comment(), order=5) for c in commands]
    return out
