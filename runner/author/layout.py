"""Where a lesson's additions may go so that the text a reader sees stays the same.

Every addition of `tutorial new` is a whole line: front matter at the top, or
an HTML comment between two Markdown blocks (before a code block for a step
annotation, after one for a check, after a paragraph for a command the prose
asks for). An HTML comment is a block of its own in CommonMark and may
interrupt a paragraph, so a comment line put between blocks renders as
nothing and changes nothing around it. A comment goes at the indentation of
the block it belongs to, so it stays inside a list item or an admonition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from runner.lesson.markdown import Block, blocks
from runner.lesson.model import Lesson, Step

_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# CommonMark's line endings, the only ones markdown-it counts (str.splitlines also splits at \f, \x85, \u2028 …)
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Insertion:
    """Lines to put after line `after` of the source (0: before the first line)."""

    after: int
    lines: tuple[str, ...]
    order: int = 0  # among insertions at the same place: lower first


@dataclass
class Layout:
    """The blocks of a tutorial's Markdown and the lines of its source."""

    source: str
    found: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.found = blocks(self.source)
        self.lines, self.ends = _split(self.source)
        self.newline = "\r\n" if "\r\n" in self.source else "\n"  # the file's own line endings, for added lines
        # nesting of each indented code block (0: at the top, not in a list item or quote)
        tokens = MarkdownIt("commonmark").use(front_matter_plugin).parse(self.source)
        self.code_levels = {t.map[0] + 1: t.level for t in tokens if t.type == "code_block" and t.map}

    @property
    def code(self) -> list[Block]:
        return [b for b in self.found if b.kind == "code"]

    @property
    def prose(self) -> list[Block]:
        return [b for b in self.found if b.kind == "prose"]

    @property
    def front_matter(self) -> Block | None:
        return self.found[0] if self.found and self.found[0].kind == "front_matter" else None

    def block_of(self, step: Step) -> Block | None:
        """The Markdown block a step comes from (a code block, or the paragraph of a file step)."""
        for b in self.found:
            if b.kind in ("code", "prose") and b.line <= step.line <= b.end_line:
                return b
        return None

    def indent(self, block: Block) -> str:
        """The indentation of the container a block is in (an indented code block's own four spaces excluded)."""
        line = self.lines[block.line - 1] if 0 < block.line <= len(self.lines) else ""
        indent = line[: len(line) - len(line.lstrip())]
        if block.kind == "code" and not block.fenced:  # its first four spaces are the code's, not the container's
            if self.code_levels.get(block.line, 0) == 0:
                return ""
            return " " * max(0, len(indent.expandtabs(4)) - 4)
        return indent

    def in_list(self, block: Block) -> bool:
        """A paragraph that belongs to a list item (a comment after it would end the list)."""
        line = self.lines[block.line - 1] if 0 < block.line <= len(self.lines) else ""
        return bool(_LIST_MARKER.match(line)) or line[:1].isspace()

    def before(self, block: Block, text: str, order: int = 10) -> Insertion:
        return Insertion(block.line - 1, (self.indent(block) + text,), order)

    def after(self, block: Block, text: str, order: int = 0) -> Insertion:
        return Insertion(block.end_line, (self.indent(block) + text,), order)

    def at_end(self, text: str, order: int = 0) -> Insertion:
        lines = ("", text) if self.lines and self.lines[-1].strip() else (text,)
        return Insertion(len(self.lines), lines, order)

    def apply(self, insertions: list[Insertion]) -> str:
        """The source with the insertions, every original line kept as it was (with its own line ending)."""
        by_place: dict[int, list[Insertion]] = {}
        for ins in insertions:
            by_place.setdefault(ins.after, []).append(ins)
        out: list[str] = []
        for ins in sorted(by_place.get(0, []), key=lambda i: i.order):
            out.extend(line + self.newline for line in ins.lines)
        for number, (line, end) in enumerate(zip(self.lines, self.ends, strict=True), 1):
            out.append(line + (end or (self.newline if insertions else "")))
            for ins in sorted(by_place.get(number, []), key=lambda i: i.order):
                out.extend(added + self.newline for added in ins.lines)
        return "".join(out)

    def replaced(self, first: int, last: int, lines: list[str]) -> str:
        """The source with its lines `first` to `last` (1-based, inclusive) replaced by `lines`."""
        keep = [line + end for line, end in zip(self.lines, self.ends, strict=True)]
        return "".join(keep[: first - 1] + [line + self.newline for line in lines] + keep[last:])

    def new_line(self, insertions: list[Insertion], old_line: int) -> int:
        """Where line `old_line` of the source is once the insertions are made."""
        return old_line + sum(len(i.lines) for i in insertions if i.after < old_line)


def steps_by_block(lesson: Lesson, layout: Layout) -> dict[int, list[Step]]:
    """The steps of each code block (by the block's first line), in order."""
    out: dict[int, list[Step]] = {}
    for step in lesson.steps:
        block = layout.block_of(step)
        if block is not None and block.kind == "code":
            out.setdefault(block.line, []).append(step)
    return out


def _split(source: str) -> tuple[list[str], list[str]]:
    """The lines of `source` as markdown-it counts them, and the ending of each ('' for a last line without one)."""
    lines, ends, start = [], [], 0
    for m in _LINE_END.finditer(source):
        lines.append(source[start : m.start()])
        ends.append(m.group())
        start = m.end()
    if start < len(source):
        lines.append(source[start:])
        ends.append("")
    return lines, ends
