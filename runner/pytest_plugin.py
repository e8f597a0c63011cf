"""pytest plugin: lessons as tests (`pytest --lessons`), registered through the `pytest11` entry point.

Each lesson file is collected as a test file; its items are a lint item and one
item per step and check, named by the step's id (`storage.md::pvc-bound`). The
first step item of a lesson runs the whole lesson (the runner cleans up in any
case, also on Ctrl-C) and every item reports its own step's result: failures
show the Markdown lines and the evidence, skips are pytest skips with the
reason. A lesson that does not parse fails at collection. Only pytest's public
API is used.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from runner.core.errors import TutorialError
    from runner.run.result import RunReport

# kept on the pytest Config for the session: each lesson's run (lesson path -> its report, or the error that
# stopped it), and the participant every lesson runs as
LESSON_RUNS: pytest.StashKey[dict[str, RunReport | TutorialError]] = pytest.StashKey()
LESSON_USER: pytest.StashKey[str] = pytest.StashKey()


DEFAULT_LESSONS = "lessons"


def default_lessons_path() -> str:
    """`--lessons` without a path: ./lessons when there is one, else the lessons shipped in the package."""
    if Path(DEFAULT_LESSONS).is_dir():
        return DEFAULT_LESSONS
    from runner.lesson.catalog import builtin_lessons_dir

    return str(builtin_lessons_dir())


def _lessons_root(value: str) -> str:
    return default_lessons_path() if value == DEFAULT_LESSONS else value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lessons", "tutorial-runner lessons")
    group.addoption(
        "--lessons",
        nargs="?",
        const=DEFAULT_LESSONS,
        default=None,
        metavar="PATH",
        help="collect Markdown lessons under PATH (default: ./lessons, else the built-in lessons) as tests",
    )
    group.addoption("--lessons-static", action="store_true", help="only parse and lint the lessons (no cluster)")
    group.addoption("--lesson-profile", default=None, metavar="NAME", help="cluster profile (e.g. local)")
    group.addoption("--lesson-kubeconfig", default=None, metavar="FILE", help="kubeconfig (default: $KUBECONFIG)")
    group.addoption("--lesson-context", default=None, metavar="NAME", help="kubeconfig context")
    group.addoption("--lesson-namespace", "--lesson-ns", default=None, metavar="NS", help="namespace")
    group.addoption("--lesson-user", default=None, metavar="USER", help="participant name (default: a unique one per session)")


def pytest_load_initial_conftests(early_config, parser, args: list[str]) -> None:
    """`pytest --lessons[=PATH]` with no path among the arguments also collects PATH."""
    for i, arg in enumerate(args):
        if arg == "--lessons" or arg.startswith("--lessons="):
            path = arg.split("=", 1)[1] if "=" in arg else default_lessons_path()
            if i + 1 < len(args) and "=" not in arg and not args[i + 1].startswith("-"):
                return  # `--lessons PATH`: PATH is already an argument
            if path not in args:
                args.append(path)
            return


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lesson: a tutorial-runner lesson step or check")
    config.stash[LESSON_RUNS] = {}
    config.stash[LESSON_USER] = config.getoption("--lesson-user") or f"ci-{uuid.uuid4().hex[:6]}"


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    root = parent.config.getoption("--lessons")
    if root is None or file_path.suffix.lower() != ".md" or file_path.name.lower() == "readme.md":
        return None
    root_path = Path(_lessons_root(root)).resolve()
    if root_path != file_path.resolve() and root_path not in file_path.resolve().parents:
        return None
    return LessonFile.from_parent(parent, path=file_path)


class LessonFile(pytest.File):
    def collect(self):
        from runner.core.errors import TutorialError
        from runner.lesson.parser import parse_file

        try:
            lesson = parse_file(self.path)
        except TutorialError as exc:
            raise self.CollectError(f"lesson does not parse: {exc}") from None
        yield LintItem.from_parent(self, name="lint", lesson=lesson)
        if self.config.getoption("--lessons-static"):
            return
        for step in lesson.steps:
            if step.type.value in ("other", "fragment"):
                continue
            yield StepItem.from_parent(self, name=step.id, lesson=lesson, step=step)


class LintItem(pytest.Item):
    def __init__(self, *, lesson, **kw):
        super().__init__(**kw)
        self.lesson = lesson
        self.findings: list[Any] = []

    def runtest(self) -> None:
        from runner.lint import lint_lesson

        self.findings = [f for f in lint_lesson(self.lesson) if f.severity == "error"]
        if self.findings:
            raise LessonFailure("\n".join(f"{f.path}:{f.line}: {f.severity} {f.rule}: {f.message}" for f in self.findings))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, LessonFailure):
            return f"lint errors in {self.path}:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"lint {self.path.name}"


class LessonFailure(Exception):
    pass


class StepItem(pytest.Item):
    def __init__(self, *, lesson, step, **kw):
        super().__init__(**kw)
        self.lesson = lesson
        self.step = step
        self.add_marker(pytest.mark.lesson)

    def _report(self) -> RunReport | TutorialError:
        runs = self.config.stash[LESSON_RUNS]
        key = str(self.path)
        if key not in runs:
            runs[key] = _run(self.config, str(self.path))
        return runs[key]

    def runtest(self) -> None:
        report = self._report()
        if isinstance(report, BaseException):
            raise LessonFailure(f"the lesson could not run: {report}")
        result = next((s for s in report.steps if s.index == self.step.index), None)
        if result is None:
            raise LessonFailure("the step did not run")
        if result.status == "skipped":
            pytest.skip(result.message or "skipped")
        if result.status != "passed":
            check = next((c for c in report.checks if c.step_id == self.step.id), None)
            raise StepFailure(result, check)

    def repr_failure(self, excinfo, style=None):
        exc = excinfo.value
        if isinstance(exc, StepFailure):
            return _describe_failure(self.path, self.lesson, self.step, exc.result, exc.check)
        if isinstance(exc, LessonFailure):
            return str(exc)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.step.line - 1, f"{self.path.name}:{self.step.line} {self.step.type.value} {self.step.id}"


class StepFailure(Exception):
    def __init__(self, result, check):
        super().__init__(result.message)
        self.result = result
        self.check = check


def _describe_failure(path: Path, lesson, step, result, check) -> str:
    """The failure with the Markdown lines around the step (their secrets masked, like every output) and the evidence."""
    from runner.lesson.secrets import redactor_for

    lines = list(redactor_for(lesson).lines(path.read_text(encoding="utf-8").splitlines()))
    start = max(0, step.line - 2)
    end = min(len(lines), step.line + 6)
    out = [f"{path}:{step.line}: {result.status}: {result.message}", ""]
    out += [f"{'>' if n + 1 == step.line else ' '} {n + 1:5} | {lines[n]}" for n in range(start, end)]
    if check is not None and check.hint:
        out += ["", f"hint: {check.hint}"]
    for ev in result.evidence:
        out += ["", f"evidence: {ev.source}"] + [f"    {l}" for l in ev.lines[-20:]]
    return "\n".join(out)


def _run(config: pytest.Config, path: str) -> RunReport | TutorialError:
    from runner.core.errors import TutorialError
    from runner.kube.client import ClusterTarget
    from runner.run.flow import run_lesson
    from runner.run.request import RunRequest

    target = ClusterTarget(
        kubeconfig=config.getoption("--lesson-kubeconfig") or os.environ.get("KUBECONFIG"),
        context=config.getoption("--lesson-context"),
        namespace=config.getoption("--lesson-namespace"),
        profile=config.getoption("--lesson-profile"),
    )
    try:
        return run_lesson(RunRequest(path, config.stash[LESSON_USER], target))
    except TutorialError as exc:
        return exc
