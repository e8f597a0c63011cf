"""Our lesson annotations: `<!-- step: ... -->`, `<!-- check: ... -->`, `<!-- run: ... -->`, fence attributes.

They add what inference cannot know without changing how the Markdown renders
on GitHub or MkDocs: HTML comments are invisible there, and a fence info string
like ```` ```yaml {file=s1.yaml} ```` still highlights as YAML. Unknown keys are
errors at their line, so a typo in an annotation is never silently ignored.
Front matter is read in `runner.lesson.frontmatter`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from runner.core.errors import LessonError
from runner.lesson.schema import STEP_KEYS, WAIT_VALUES, step_annotation_problem  # noqa: F401  (re-exported)

MAX_DURATION = 7 * 24 * 3600  # seconds: a wait or a timeout longer than a week is a typo


@dataclass(frozen=True)
class Annotation:
    kind: str  # "step" or "check"
    line: int
    values: tuple[tuple[str, str], ...]
    check: str | None = None
    command: str | None = None  # run: the command the runner runs there (the prose asks for it, shows none)

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.values).get(key, default)


_ANNOTATION = re.compile(r"^(step|check|run)\s*:\s*(.*)$", re.S)


def parse_comment(text: str, path: str, line: int) -> Annotation | None:
    """An HTML comment's text as an annotation, or None when it is not one of ours."""
    m = _ANNOTATION.match(text.strip())
    if not m:
        return None
    kind, rest = m.group(1), m.group(2).strip()
    if kind == "run":
        if not rest:
            raise LessonError("a run annotation needs a command: <!-- run: kubectl delete pod NAME -->", path, line)
        return Annotation("run", line, (), command=" ".join(rest.split("\n")).strip())
    try:
        words = shlex.split(rest.replace("\n", " "))
    except ValueError as exc:
        raise LessonError(f"cannot read annotation: {exc}", path, line) from None
    if kind == "check":
        if not words or "=" in words[0]:
            raise LessonError("a check annotation needs a check name: <!-- check: NAME key=value ... -->", path, line)
        name, pairs = words[0], _pairs(words[1:], path, line, known=None)
        return Annotation("check", line, pairs, check=name)
    return Annotation("step", line, _pairs(words, path, line, known=STEP_KEYS))


def parse_fence_info(info: str, path: str, line: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split a fence info string into its language and `{key=value}` attributes.

    ```` ```{yaml} ```` (MyST) is a language in braces, not attributes.
    """
    info = info.strip()
    attrs: tuple[tuple[str, str], ...] = ()
    m = re.search(r"\{([^}]*)\}\s*$", info)
    if m and "=" in m.group(1):
        inner = m.group(1)
        info = info[: m.start()].strip()
        try:
            words = shlex.split(inner)
        except ValueError as exc:
            raise LessonError(f"cannot read fence attributes: {exc}", path, line) from None
        attrs = _pairs([w.lstrip("#.") for w in words if not w.startswith((".", "#"))], path, line, known=STEP_KEYS)
    lang = info.split()[0] if info.split() else ""
    lang = lang.strip("{}").lower()
    return lang, attrs


def _pairs(words: list[str], path: str, line: int, known: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    """`key=value` words; a step's (`known`) are checked against the declared schema (`runner.lesson.schema`)."""
    out = []
    for word in words:
        key, sep, value = word.partition("=")
        out.append((key.strip(), value if sep else "true"))
    if known is not None:
        problem = step_annotation_problem(dict(out))
        if problem:
            raise LessonError(problem, path, line)
        if "timeout" in dict(out):
            parse_duration(dict(out)["timeout"], path, line)  # its bound: a finite, sane number of seconds
    return tuple(out)


def parse_duration(value: str, path: str, line: int) -> float:
    """`90s`, `2m`, `1.5h` as seconds: at most `MAX_DURATION` (so a timeout is always a finite number)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", value)
    if not m:
        raise LessonError(f"cannot read duration '{_short(value)}' (use e.g. 90s, 2m)", path, line)
    number, unit = float(m.group(1)), m.group(2) or "s"
    seconds = number * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if not seconds <= MAX_DURATION:
        raise LessonError(f"duration '{_short(value)}' is too long (at most {MAX_DURATION // 3600:g}h)", path, line)
    return seconds


def _short(value: str, limit: int = 40) -> str:
    """A value quoted in a message, cut to a readable length."""
    return value if len(value) <= limit else value[:limit] + "..."
