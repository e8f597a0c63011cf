"""Checks as data: every check's spec, one validation for run, grade and lint, and lint catching what authors break.

The mutation test takes each of our six lessons and makes one small change at a
time of the kinds that would break a live session (a misspelt check or
argument, a missing or mistyped value, an object nothing creates, a placeholder
typo, a bad wait or duration, a duplicate id, a rubric entry for nothing, an
unknown front matter key). Each change must give a lint error at its line; the
unchanged lessons stay at 0 errors.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from checks.context import CheckContext, evaluate
from checks.registry import load_all
from checks.spec import CheckSpec, Param
from runner.cli.main import main
from runner.core.errors import TutorialError
from runner.core.redact import Redactor
from runner.lesson.parser import parse_lesson
from runner.lint.engine import lint_text

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted((REPO / "runner" / "data" / "lessons").glob("*.md"))
REGISTRY = load_all()


def test_every_check_has_a_spec_with_a_summary_and_typed_parameters():
    assert len(REGISTRY.specs()) >= 20
    for spec in REGISTRY.specs():
        assert isinstance(spec, CheckSpec) and spec.summary and spec.reads, spec.name
        for p in spec.params:
            assert p.help and (p.kind or p.type not in ("object", "prefix")), (spec.name, p.name)


def test_no_check_hand_writes_argument_validation():
    """The opening "needs pod=NAME" and `int(args[...])` are the spec's work now."""
    for module in (REPO / "checks").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"""error\(f?["'][a-z-]+ needs """, text), module.name
        assert not re.search(r"""(int|float)\(args[\[.]""", text), module.name


@pytest.mark.parametrize(
    "args, message",
    [
        ({"claim": "v", "clas": "x"}, "takes no argument 'clas' (did you mean 'class'?"),
        ({}, "needs claim=NAME"),
        ({"claim": "v", "timeout": "soon"}, "timeout='soon' is not a duration"),
        ({"claim": "Vol_1"}, "claim='Vol_1' is not a Kubernetes name"),
    ],
)
def test_bad_arguments_are_one_usage_error_not_a_crash(args, message):
    result = REGISTRY.get("pvc-bound")(probe=None, args=args)
    assert result.status == "error" and message in result.summary, result.summary


def test_a_mistyped_number_is_a_usage_error_before_the_check_runs():
    ran = []
    spec = CheckSpec("x", lambda **kw: ran.append(kw), "x", (Param("completions", "int", "n", required=True),))
    result = spec(probe=None, args={"completions": "four"})
    assert result.status == "error" and "completions='four' is not a whole number" in result.summary and not ran
    assert REGISTRY.get("indexed-sweep")(probe=None, args={"job": "j", "param": "p", "completions": "four"}).status == "error"


def test_arguments_are_converted_with_defaults_and_one_of_groups():
    spec = REGISTRY.get("init-clone")
    args = spec.bind({"generate-name": "s5-bob-", "expect": "3.14", "timeout": "2m"})
    assert (args["job"], args["generate-name"], args["expect"], args["tolerance"], args["timeout"]) == (
        None,
        "s5-bob-",
        3.14,
        0.01,
        120.0,
    )
    assert args.given == {"generate-name", "expect", "timeout"}
    with pytest.raises(ValueError, match="needs job=NAME or generate-name=PREFIX"):
        spec.bind({})
    assert REGISTRY.get("secret-has-keys").bind({"secret": "s", "keys": "a, b,"})["keys"] == ("a", "b")
    assert REGISTRY.get("env-changes-result").bind({"base": "a", "job": "b", "env": "N", "closer": "false"})["closer"] is False


def test_run_grade_and_lint_say_the_same_words():
    text = "# T\n\n<!-- check: pvc-bound claim=vol-<username> clas=x -->\n"
    lesson = parse_lesson(text, "t.md")
    ctx = CheckContext(type("P", (), {"cluster": None, "namespace": "ws"})(), "bob", lesson, "grade")  # type: ignore[arg-type]
    said = evaluate(lesson.checks[0], ctx, REGISTRY, Redactor()).result.summary
    linted = [f.message for f in lint_text(text, "t.md") if f.rule == "checks"]
    assert said in linted, (said, linted)


def test_an_unknown_check_name_suggests_the_close_one():
    lesson = parse_lesson("# T\n\n<!-- check: pvc-bund claim=x -->\n", "t.md")
    ctx = CheckContext(type("P", (), {"cluster": None, "namespace": "ws"})(), "bob", lesson, "grade")  # type: ignore[arg-type]
    assert "did you mean 'pvc-bound'?" in evaluate(lesson.checks[0], ctx, REGISTRY, Redactor()).result.summary


# ---- lint catches each kind of change that breaks a live session, at its line ------------------------------------


def _errors(text: str, name: str) -> set[int] | None:
    """Lines of lint errors; None when the lesson does not parse (lint's 'unusable' with its path:line)."""
    try:
        return {f.line for f in lint_text(text, name) if f.severity == "error"}
    except TutorialError as exc:
        return {exc.line} if exc.line else None  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_our_lessons_lint_clean(path):
    assert _errors(path.read_text(encoding="utf-8"), path.name) == set()


def _mutations(text: str) -> list[tuple[str, str, int]]:
    """(what, mutated text, line of the change) for every annotation of a lesson."""
    lines = text.split("\n")
    out: list[tuple[str, str, int]] = []

    def change(i: int, new: str, what: str) -> None:
        out.append((what, "\n".join(lines[:i] + [new] + lines[i + 1 :]), i + 1))

    for i, line in enumerate(lines):
        m = re.match(r"<!-- check: (\S+)(.*) -->$", line)
        if m:
            name, rest = m.group(1), m.group(2)
            spec = REGISTRY.get(name)
            change(i, f"<!-- check: {name[:-2] + name[-1]}{rest} -->", "misspelt check name")
            for word in rest.split():
                key, _, value = word.partition("=")
                p = spec.param(key)
                if p is None:
                    continue
                change(i, line.replace(f" {key}=", f" {key[0] + key}=", 1), "misspelt argument name")
                if p.required and not spec.one_of:
                    change(i, line.replace(f" {word}", "", 1), "missing required argument")
                if p.type in ("int", "number", "duration"):
                    change(i, line.replace(f" {word}", f" {key}=lots", 1), "wrong argument type")
                if p.type == "object" and "<username>" in value:
                    change(i, line.replace(f" {word}", f" {key}=zz{value}", 1), "an object nothing creates")
                    change(i, line.replace("<username>", "<usernme>", 1), "placeholder typo in an annotation")
        m = re.match(r"<!-- step: (.*) -->$", line)
        if m and "wait=" in line:
            change(i, re.sub(r"wait=\w+", "wait=redy", line), "unknown wait condition")
        if m and "timeout=" in line:
            change(i, re.sub(r"timeout=\w+", "timeout=12O", line), "bad duration")
    first_id = next((re.search(r"id=(\S+)", l).group(1) for l in lines if l.startswith("<!-- step:") and "id=" in l), None)
    if first_id:
        j = max(i for i, l in enumerate(lines) if l.startswith("<!-- step:"))
        if f"id={first_id}" not in lines[j]:
            change(j, lines[j].replace("<!-- step: ", f"<!-- step: id={first_id} ", 1), "duplicate step id")
    r = lines.index("rubric:") if "rubric:" in lines else None
    if r is not None:
        out.append(("rubric entry for no check", "\n".join(lines[: r + 1] + ["  no-such-check: 1"] + lines[r + 1 :]), r + 2))
    out.append(("unknown front matter key", "\n".join(lines[:1] + ["titel: x"] + lines[1:]), 2))
    return out


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_breaking_change_to_our_lessons_is_a_lint_error_at_its_line(path):
    text = path.read_text(encoding="utf-8")
    kinds = set()
    for what, mutated, line in _mutations(text):
        kinds.add(what)
        found = _errors(mutated, path.name)
        assert found is not None and line in found, f"{path.name}: {what} at line {line} gave errors at {found}"
    assert {"misspelt check name", "misspelt argument name", "unknown front matter key"} <= kinds


def test_the_mutations_cover_every_kind_the_issue_names():
    kinds = {what for p in LESSONS for what, _t, _l in _mutations(p.read_text(encoding="utf-8"))}
    assert kinds == {
        "misspelt check name",
        "misspelt argument name",
        "missing required argument",
        "wrong argument type",
        "an object nothing creates",
        "placeholder typo in an annotation",
        "unknown wait condition",
        "bad duration",
        "duplicate step id",
        "rubric entry for no check",
        "unknown front matter key",
    }


# ---- the catalogue ------------------------------------------------------------------------------------------


def test_docs_checks_md_is_the_catalogue():
    res = CliRunner().invoke(main, ["checks", "--format", "markdown"])
    assert res.exit_code == 0, res.output
    assert (REPO / "docs" / "checks.md").read_text(encoding="utf-8") == res.output, (
        "docs/checks.md drifted from the checks: run `tutorial checks --format markdown > docs/checks.md`"
    )


def test_checks_command_formats_and_bad_names():
    res = CliRunner().invoke(main, ["checks", "pvc-bound", "--format", "json"])
    assert res.exit_code == 0 and '"name": "pvc-bound"' in res.output and '"kind": "PersistentVolumeClaim"' in res.output
    res = CliRunner().invoke(main, ["checks", "pvc-bund"])
    assert res.exit_code == 2 and "did you mean 'pvc-bound'?" in res.output


def test_the_shared_fake_probe_goes_through_evaluate():
    """The one fake of the check tests has what `CheckContext` hands on (`cluster`, `existed`)."""
    from check_support import FakeProbe, pod

    lesson = parse_lesson(
        "# T\n\n<!-- check: pod-running pod=p-bob -->\n\n<!-- check: pvc-data-survives claim=v job=j -->\n", "t.md"
    )
    running = pod("p-bob", statuses=[{"name": "main", "state": {"running": {}}, "restartCount": 0}])
    probe = FakeProbe(objects={("Pod", "p-bob"): running})
    ctx = CheckContext(probe, "bob", lesson, "grade")  # type: ignore[arg-type]
    first, second = (evaluate(s, ctx, REGISTRY, Redactor()).result for s in lesson.checks)
    assert first.status == "passed" and second.status == "failed" and "no PersistentVolumeClaim v" in second.summary
