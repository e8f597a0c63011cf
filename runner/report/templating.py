"""The Jinja2 environment of every HTML (and Markdown) page: report pages, feedback pages, the web board.

Autoescaping is on for HTML templates, so a participant's object name or a
check's evidence is always text, never markup. Templates live next to the
code that fills them (`runner/report/templates/`, `runner/web/templates/`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"

MARK = {"passed": "✓", "failed": "✗", "skipped": "-", "error": "!", "not-gradable": "?", "pending": "…"}
WORD = {
    "passed": "passed",
    "failed": "not yet",
    "skipped": "skipped",
    "error": "error",
    "not-gradable": "not gradable",
    "pending": "being read",
}


def hhmm(ts: str | None) -> str:
    """The HH:MM:SS of an ISO time (the first pass of a check), or ''."""
    if not ts:
        return ""
    clock = ts.split("T", 1)[-1]
    return clock[:8]


@cache
def environment(*extra: str) -> Environment:
    """Templates from the report's folder and any `extra` folders (searched first)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # only when a page is made

    env = Environment(
        loader=FileSystemLoader([*extra, str(TEMPLATES)]),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["mark"] = lambda status: MARK.get(status, "?")
    env.filters["word"] = lambda status: WORD.get(status, status)
    env.filters["clock"] = hhmm
    env.filters["pts"] = lambda x: f"{x:g}"
    return env
