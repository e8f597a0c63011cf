"""Input limits (issue 14): each violation is an error at its line, never a traceback, a hang or invalid JSON."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from runner.cli.main import crashed, main
from runner.core.errors import LessonError, one_line
from runner.core.limits import MAX_LESSON_BYTES
from runner.lesson import placeholders as ph
from runner.lesson.parser import parse_lesson
from runner.lint import lint_text
from runner.syntax.yaml import ALIAS_NODES, INT_DIGITS, MAX_DEPTH, read_yaml

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"


def _bomb(levels: int) -> str:
    lines = ["l0: &l0 [a, a, a, a, a, a, a, a, a]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "content, line, words",
    [
        (_bomb(9), 5, f"aliases expand to more than {ALIAS_NODES:,} nodes"),  # 9^5 > 10,000 at the 5th anchor's aliases
        ("a: &a\n  b: [1, *a]\n", 2, "recursive alias"),
        ("x: 1\nspec: &s\n  c:\n  - x: *s\n", 4, "recursive alias"),
        ("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", 1, f"nested more than {MAX_DEPTH} levels"),
        (
            "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 2)) + "  " * (MAX_DEPTH + 2) + "v: 1\n",
            MAX_DEPTH + 1,
            "nested",
        ),
        ("a: 1\nn: " + "9" * 5000 + "\n", 2, f"an integer of 5000 characters (the limit is {INT_DIGITS})"),
        ("t: .inf\n", 1, ".inf is not a finite number"),
        ("t: .NaN\n", 1, "not a finite number"),
        ("t: 1.0e+999\n", 1, "not a finite number"),
    ],
)
def test_yaml_over_a_limit_is_an_error_at_its_line(content, line, words):
    result = read_yaml(content, 10)
    assert result.error is not None and words in result.error and result.error.startswith("YAML over a limit")
    assert result.error_line == 9 + line


def test_aliases_within_the_budget_and_merge_keys_still_work():
    content = HEAD + "data:\n  base: &b {x: '1', y: '2'}\n  copy: *b\n  merged:\n    <<: *b\n    z: '3'\n"
    result = read_yaml(content, 1, with_positions=True)
    assert result.error is None
    data = result.documents[0]["data"]
    assert data["copy"] == {"x": "1", "y": "2"} and data["merged"] == {"x": "1", "y": "2", "z": "3"}
    assert result.positions[0].value_line(("data", "copy")) == 7  # an alias is at its own line, not its anchor's
    assert read_yaml("a: " + "9" * INT_DIGITS + "\n", 1).error is None
    assert read_yaml(_bomb(4), 1).error is None  # 9^4 = 6,561 nodes


def test_a_recursive_alias_is_a_lint_error_and_crashes_no_rule(monkeypatch):
    monkeypatch.setenv("TUTORIAL_LINT_DEBUG", "1")  # a rule that raises fails the test
    src = (
        "# t\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: &s\n  containers:\n  - name: a\n    x: *s\n```\n"
    )
    found = lint_text(src, "t.md")
    assert [(f.line, f.rule, f.severity) for f in found if f.rule == "yaml"] == [(11, "yaml", "error")]
    assert not [f for f in found if "rule failed" in f.message]


@pytest.mark.parametrize(
    "content, line, words",
    [
        ("a: 1\nb: !!int 0x\n", 2, "'0x' is not a valid int"),
        ("a: !!float abc\n", 1, "'abc' is not a valid float"),
        ("a:\n  - !!bool maybe\n", 2, "'maybe' is not a valid bool"),
        ("a: !!int ''\n", 1, "'' is not a valid int"),
        ("a: {b: [1, !!int 0b]}\n", 1, "'0b' is not a valid int"),
    ],
)
def test_a_scalar_its_tag_cannot_make_is_an_error_at_its_line(content, line, words):
    """PyYAML raises ValueError, KeyError or IndexError for these, past `except YAMLError` (exit 70 before)."""
    result = read_yaml(content, 10)
    assert result.error is not None and words in result.error and result.error.startswith("YAML does not parse")
    assert result.error_line == 9 + line


def test_dates_stay_text_as_kubernetes_reads_them():
    result = read_yaml("a: 2024-01-31\nb: 2024-13-45\nc: 2001-12-14t21:59:43.10-05:00\nd: !!timestamp x\n", 1)
    assert result.error is None
    assert result.documents[0] == {"a": "2024-01-31", "b": "2024-13-45", "c": "2001-12-14t21:59:43.10-05:00", "d": "x"}


def test_yaml_that_is_not_a_lesson_is_read_the_same_way(tmp_path):
    from runner.core.errors import UsageError
    from runner.plan.profile import _read_profile
    from runner.syntax.yaml import YamlInvalid, load

    assert load("date: 2024-13-45\n") == {"date": "2024-13-45"}
    with pytest.raises(YamlInvalid) as bad:
        load("a: 1\nb: !!int 0x\n")
    assert bad.value.line == 2
    with pytest.raises(UsageError) as err:
        _read_profile(tmp_path / "p.yaml", "storage: {}\ngit: !!bool maybe\n")
    assert str(err.value).startswith(f"{tmp_path / 'p.yaml'}:2: not valid YAML")


def test_new_reads_a_page_whose_front_matter_has_a_bad_date(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\ntitle: t\ndate: 2024-13-45\n---\n# T\n\n```bash\nkubectl get pods\n```\n")
    res = CliRunner().invoke(main, ["new", str(page), "-o", str(tmp_path / "lesson.md")])
    assert res.exit_code in (0, 1) and not crashed(res.output), res.output
    assert "date: 2024-13-45" in (tmp_path / "lesson.md").read_text()


@pytest.mark.parametrize(
    "front, line, words",
    [
        ("rubric:\n  c: " + "9" * 5000 + "\n", 3, "an integer of 5000 characters"),
        ("rubric: " + "[" * 600 + "]" * 600 + "\n", 2, "nested more than"),
        ("rubric:\n  c: .inf\n", 3, "not a finite number"),
        ("rubric:\n  a: 1e308\n", 3, "from 0 to 1,000,000"),
        ("description: &d [*d]\n", 2, "recursive alias"),
    ],
)
def test_front_matter_over_a_limit_is_an_error_at_its_line(front, line, words):
    with pytest.raises(LessonError) as err:
        parse_lesson(f"---\n{front}---\n# t\n", "t.md")
    assert words in err.value.message and err.value.line == line


def test_durations_are_finite_and_bounded():
    for value in ("1" + "0" * 400 + "s", "200h"):
        with pytest.raises(LessonError, match="too long"):
            parse_lesson(f"# t\n\n<!-- step: timeout={value} -->\n```bash\nls\n```\n", "t.md")
    assert parse_lesson("# t\n\n<!-- step: timeout=2h -->\n```bash\nls\n```\n").steps[0].timeout == 7200


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="tutorial")


def _one_line_exit_2(res) -> str:
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip("\n").split("\n")
    assert len(lines) == 1 and not crashed(res.output), res.stderr
    return lines[0]


def test_a_file_over_the_size_limit_is_one_line_exit_2(tmp_path):
    big = tmp_path / "big.md"
    big.write_bytes(b"# big\n" + b"x" * MAX_LESSON_BYTES)
    for command in ("show", "lint"):
        line = _one_line_exit_2(_invoke(command, str(big)))
        assert line == f"{big}: larger than 5 MB, the limit for a Markdown lesson"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_stream_that_never_ends_is_read_with_a_bound():
    assert "larger than 5 MB" in _one_line_exit_2(_invoke("show", "/dev/zero"))


def test_json_output_never_holds_infinity(tmp_path, monkeypatch):
    path = tmp_path / "inf.md"
    path.write_text("---\nrubric:\n  c: .inf\n---\n# t\n\n<!-- check: c -->\n")
    assert "inf.md:3:" in _one_line_exit_2(_invoke("show", str(path), "--format", "json"))
    monkeypatch.setenv("TUTORIAL_LESSONS", str(tmp_path))
    _one_line_exit_2(_invoke("list", "--format", "json"))
    path.write_text("# t\n\n<!-- step: timeout=1" + "0" * 400 + "s -->\n```yaml\n" + HEAD + "```\n")
    assert "inf.md:3: duration" in _one_line_exit_2(_invoke("show", str(path), "--format", "json"))


def test_exit_2_messages_are_one_line_with_control_characters_escaped(tmp_path):
    odd = tmp_path / "a\nb\x1b[31m.md"
    odd.write_text("# t\n<!-- step: bogus\x1b[2J\x07=1 -->\n```bash\nls\n```\n")
    line = _one_line_exit_2(_invoke("show", str(odd)))
    assert "a\\nb\\x1b[31m.md:2:" in line and "bogus\\x1b[2J\\x07" in line and "\x1b" not in line
    line = _one_line_exit_2(_invoke("lint", str(odd)))
    assert "\\x1b" in line
    assert _one_line_exit_2(_invoke("show", "--no-such-option", "x")).startswith("tutorial show: No such option")
    assert "(see 'tutorial --help')" in _one_line_exit_2(_invoke("no-such-command"))
    assert one_line("tab\there\r\n\u2028\x85") == "tab\\there\\r\\n\\u2028\\x85"


def test_placeholders_are_found_at_their_line_and_column():
    text = "a <x>\n\n  <y> <br> <z>\n<w>"
    assert [(o.name, o.line, o.column) for o in ph.find(text, 5)] == [("x", 5, 3), ("y", 7, 3), ("z", 7, 12), ("w", 8, 1)]


def test_deeply_nested_admonitions_are_read_without_recursion():
    depth = 400
    body = "".join("    " * i + "!!! note\n\n" for i in range(depth)) + "    " * depth + "```bash\n" + "    " * depth + "ls\n"
    lesson = parse_lesson("# t\n\n" + body, "deep.md")
    assert lesson.steps  # parsed: the body past the eighth level is text, not a crash
