"""Placeholders (`<username>`, `<project-namespace>`): finding them, and near misses of declared ones.

`<hash>` is a placeholder of another kind: the random suffix Kubernetes gives
a Job's pods. It is never substituted; the runner resolves it to the Job's pod
at run time, so it is always "declared".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_.-]{0,62})>")
# a fill-in of published tutorials may be words: `<YOUR NAMESPACE>`, `<admin OR edit>` (`--set "YOUR NAMESPACE=ws"`)
FILL_IN = re.compile(r"<([A-Za-z][A-Za-z0-9_.-]{0,62}(?: [A-Za-z0-9_.-]+){0,8})>")
RUNTIME = {
    "hash": "the random suffix of a Job's pod, resolved when the step runs",
    "index": "the completion index of a pod of an Indexed Job, resolved when the step runs",
}
# words in angle brackets that are HTML, not placeholders
_HTML_TAGS = {
    "br",
    "b",
    "i",
    "p",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "div",
    "span",
    "sub",
    "sup",
    "details",
    "summary",
    "kbd",
    "u",
    "s",
    "img",
    "a",
    "li",
    "ul",
    "ol",
    "tt",
}


@dataclass(frozen=True)
class Occurrence:
    name: str
    line: int
    column: int


def find(text: str, first_line: int, fill_ins: bool = False) -> list[Occurrence]:
    """Every `<name>` in `text` (whose first line is `first_line`), in linear time (lines counted as the search goes);
    with `fill_ins`, `<words like these>` too."""
    out = []
    line, line_start, counted = first_line, 0, 0
    for m in (FILL_IN if fill_ins else PLACEHOLDER).finditer(text):
        name = m.group(1)
        if name.lower() in _HTML_TAGS:
            continue
        newlines = text.count("\n", counted, m.start())
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted, m.start()) + 1
        counted = m.start()
        out.append(Occurrence(name, line, m.start() - line_start + 1))
    return out


def distance(a: str, b: str) -> int:
    """Levenshtein edit distance (small strings only)."""
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_miss(name: str, declared: list[str]) -> str | None:
    """The declared name `name` is probably a typo of, if any."""
    best: tuple[int, str] | None = None
    for cand in declared:
        d = distance(name.lower(), cand.lower())
        limit = 1 if len(cand) <= 4 else 2 if len(cand) <= 10 else 3
        if (0 < d <= limit or (d == 0 and name != cand)) and (best is None or d < best[0]):
            best = (d, cand)
    return best[1] if best else None
