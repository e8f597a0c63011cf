"""Error types of the tool.

Every error a user can cause carries the place it points at (path and 1-based
line) so the CLI can print one `path:line: message` line and exit with a stable
status instead of a traceback.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: what can break or forge a line
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """`text` on one line: newlines, tabs, escape sequences and other control characters written as escapes.

    A message quotes what the user gave (a file name, a value, a line of the
    file); printed as is, a newline in it would split the message and an
    escape sequence would drive the terminal.
    """
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


class TutorialError(Exception):
    """Base of every error the tool reports to a user (exit status 2 by default)."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.location()
        return one_line(f"{where}: {self.message}" if where else self.message)

    def location(self) -> str:
        if self.path and self.line:
            return one_line(f"{self.path}:{self.line}")
        return one_line(self.path or "")


class LessonError(TutorialError):
    """The lesson file itself is unusable: missing, not UTF-8, bad front matter, bad annotation."""


class RenderError(TutorialError):
    """A rendered value is invalid: a name that is not a Kubernetes name, a missing required variable."""


class UsageError(TutorialError):
    """Bad command-line input (unknown lesson id, malformed --set)."""
