"""Run the rules over lessons: select/ignore, `noqa` annotations, ordering."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import KUBERNETES_VERSION
from runner.core.errors import LessonError, TutorialError, UsageError
from runner.lesson.catalog import markdown_files
from runner.lesson.model import Lesson, Step
from runner.lesson.parser import parse_file
from runner.lesson.secrets import redactor_for
from runner.lint.base import Finding, all_rules, iter_rules
from runner.lint.facts import LessonFacts

DEFAULT_KUBE_VERSION = KUBERNETES_VERSION.removeprefix("v")


@dataclass(frozen=True)
class Options:
    kube_version: str = DEFAULT_KUBE_VERSION
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()


@dataclass
class Report:
    """Findings of a lint run, with the files looked at."""

    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unusable: list[TutorialError] = field(default_factory=list)  # files that could not be read or parsed

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def failed(self) -> bool:
        return self.count("error") > 0


def parse_rule_list(value: str | None, option: str) -> frozenset[str]:
    """`--select a,b` -> {a, b}; unknown rule names are usage errors."""
    if not value:
        return frozenset()
    names = {n.strip() for n in value.split(",") if n.strip()}
    known = all_rules()
    unknown = sorted(n for n in names if n not in known)
    if unknown:
        raise UsageError(f"{option}: unknown rule(s) {', '.join(unknown)} (rules: {', '.join(sorted(known))})")
    return frozenset(names)


def lint_lesson(lesson: Lesson, options: Options = Options(), schemas: Any = None) -> list[Finding]:
    """Findings of every selected rule on one lesson; `schemas` (a `rules.schema.Schemas`) is shared across files."""
    facts = LessonFacts(lesson)
    redact = redactor_for(lesson)  # a rule may quote the lesson: no secret of it is ever printed
    found: dict[tuple, Finding] = {}
    for r in iter_rules(set(options.select), set(options.ignore)):

        def emit(step: Step | None, line: int, severity: str, message: str, hint: str | None = None, *, _rule=r.id) -> None:
            if step is not None and (_rule in step.noqa or "all" in step.noqa):
                return
            f = Finding(lesson.path, line, _rule, severity, redact.text(message), redact(hint))
            found.setdefault((f.line, f.rule, f.message), f)

        try:
            r.check(lesson=lesson, facts=facts, options=options, emit=emit, schemas=schemas)
        except TutorialError:
            raise
        except Exception as exc:  # a bug in one rule must not hide the findings of the others
            if os.environ.get("TUTORIAL_LINT_DEBUG"):
                raise
            f = Finding(
                lesson.path,
                1,
                r.id,
                "warning",
                f"the {r.id} rule failed on this file ({type(exc).__name__}: {str(exc)[:120]}); please report it "
                "(TUTORIAL_LINT_DEBUG=1 shows the traceback)",
            )
            found.setdefault((f.line, f.rule, f.message), f)
    known = all_rules()
    if not options.select:
        for step in lesson.steps:
            for name in step.noqa:
                if name not in known and name != "all":
                    f = Finding(
                        lesson.path,
                        step.line,
                        "noqa",
                        "warning",
                        f"`noqa={name}` names no lint rule (rules: {', '.join(sorted(known))})",
                    )
                    found.setdefault((f.line, f.rule, f.message), f)
    return sorted(found.values(), key=Finding.sort_key)


def lint_text(source: str, path: str = "<string>", options: Options = Options()) -> list[Finding]:
    from runner.lesson.parser import parse_lesson

    return lint_lesson(parse_lesson(source, path), options)


def lint_paths(paths: list[str], options: Options = Options()) -> Report:
    """Lint files and folders (recursively, *.md).

    A file that cannot be used (missing, not UTF-8, bad front matter) is kept
    in `Report.unusable` and the others are still linted.
    """
    schemas = None
    if "schema" in {r.id for r in iter_rules(set(options.select), set(options.ignore))}:
        from runner.lint.rules.schema import Schemas

        schemas = Schemas(options.kube_version)  # an unknown --kube-version is a usage error before any work
    report = Report()
    existing = []
    for raw in paths:
        if Path(raw).exists():
            existing.append(raw)
        else:
            report.unusable.append(LessonError("no such file or folder", raw))
    for path in markdown_files(existing):
        try:
            lesson = parse_file(path)
        except TutorialError as exc:
            report.unusable.append(exc)
            continue
        report.files.append(str(path))
        report.findings.extend(lint_lesson(lesson, options, schemas))
    return report
