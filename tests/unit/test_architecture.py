"""The layout keeps its promises: data flows one way through the packages, and nothing imports the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
    return subprocess.run(
        [sys.executable, "-c", code, str(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_the_pipeline_layers_hold():
    res = _lint_imports(REPO / "pyproject.toml", REPO)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "pipeline layers KEPT" in res.stdout


def test_the_contract_catches_an_import_against_the_flow(tmp_path):
    """The same contract on a copy where the lesson layer imports the runner: it must break."""
    shutil.copytree(
        REPO / "runner",
        tmp_path / "runner",
        ignore=lambda d, names: [n for n in names if n in ("__pycache__", "assets", "gobuild")],
    )
    shutil.copytree(REPO / "checks", tmp_path / "checks", ignore=lambda d, names: [n for n in names if n == "__pycache__"])
    bad = tmp_path / "runner" / "lesson" / "upward.py"
    bad.write_text(
        textwrap.dedent('''
        """An import against the flow: the lesson layer reaching up into the runner."""
        from runner.run.runner import Runner  # noqa: F401
    ''')
    )
    res = _lint_imports(REPO / "pyproject.toml", tmp_path)
    assert res.returncode != 0
    assert "pipeline layers BROKEN" in res.stdout and "runner.lesson.upward -> runner.run.runner" in res.stdout


def test_test_modules_have_unique_names():
    """pytest imports test files by their basename (no packages): two of one name break collection."""
    names = [p.name for p in (REPO / "tests").rglob("test_*.py")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


# what a step makes is known in one model: `runner.effects` (the lesson model holds the data it reads)
_STEP_OBJECTS_READERS = ("runner/effects/", "runner/lesson/")


def _reads_step_objects(tree) -> list[int]:
    """Lines where code reads `.objects` of a step (`step.objects`, `s.objects`, `action.step.objects`)."""
    import ast

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in ("step", "s", "shown", "st") or name.endswith("_step"):
                lines.append(node.lineno)
    return lines


def test_only_effects_reads_what_a_step_makes():
    import ast

    found = []
    for path in sorted([*(REPO / "runner").rglob("*.py"), *(REPO / "checks").rglob("*.py")]):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(_STEP_OBJECTS_READERS) or "/gobuild/" in rel:
            continue
        found += [f"{rel}:{line}" for line in _reads_step_objects(ast.parse(path.read_text()))]
    assert found == [], "read what a step makes through runner.effects.Effects, not step.objects"


def test_the_step_objects_rule_sees_a_reader():
    import ast

    assert _reads_step_objects(ast.parse("for o in action.step.objects:\n    pass\nx = step.objects\n")) == [1, 3]
