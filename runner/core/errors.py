"""Error types of the tool.

Every error a user can cause carries the place it points at (path and 1-based
line) so the CLI can print one `path:line: message` line and exit with a stable
status instead of a traceback.
"""

from __future__ import annotations


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
        return f"{where}: {self.message}" if where else self.message

    def location(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or ""


class LessonError(TutorialError):
    """The lesson file itself is unusable: missing, not UTF-8, bad front matter, bad annotation."""


class RenderError(TutorialError):
    """A rendered value is invalid: a name that is not a Kubernetes name, a missing required variable."""


class UsageError(TutorialError):
    """Bad command-line input (unknown lesson id, malformed --set)."""
