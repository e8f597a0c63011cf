"""`tutorial lint`: static checks of tutorials, with no cluster.

    from runner.lint import lint_text, lint_paths, Options
    findings = lint_text(markdown, "t.md")

Rules live in `runner.lint.rules`, one module per family, registered with
`@rule`; they share what a lesson does through `facts.Facts`.
"""

from __future__ import annotations

from runner.lint.base import RULES, Finding, rule
from runner.lint.engine import Options, Report, lint_lesson, lint_paths, lint_text

__all__ = ["RULES", "Finding", "Options", "Report", "lint_lesson", "lint_paths", "lint_text", "rule"]
