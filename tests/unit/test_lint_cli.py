"""`tutorial lint` as a command: formats, exit statuses, selection, unusable input, speed of import."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli.main import crashed, main
from runner.lint import RULES, Finding, rule
from runner.lint.base import all_rules
from runner.syntax import kubectl

REPO = Path(__file__).resolve().parents[2]

CLEAN = """# Clean

```yaml
apiVersion: v1
kind: Pod
metadata:
  name: p-<username>
spec:
  containers:
  - name: main
    image: busybox
```

```bash
kubectl get pod p-<username>
```
"""
BROKEN = CLEAN.replace("kubectl get pod p-<username>", "kubectl delete job p-<username>\nkubectl get pod p-<usernme>")


def invoke(*args):
    return CliRunner().invoke(main, ["lint", *map(str, args)])


@pytest.fixture
def files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "clean.md").write_text(CLEAN)
    (tmp_path / "sub" / "broken.md").write_text(BROKEN)
    (tmp_path / "notes.txt").write_text("kubectl delete pod nothing")
    return tmp_path


def test_clean_file_exits_0_with_a_summary(files):
    res = invoke(files / "clean.md")
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "1 file checked: 0 errors, 0 warnings, 0 infos"


def test_errors_exit_1_compiler_style_grouped_by_file(files):
    res = invoke(files)
    assert res.exit_code == 1
    out = res.output.splitlines()
    broken = str(files / "sub" / "broken.md")
    assert f"{broken}:15: error references: `p-<username>` is a Pod, not a Job" in out
    assert f"{broken}:16: error placeholders: placeholder `<usernme>` is not declared: did you mean `<username>`?" in out
    assert "    hint: write `<username>`" in out
    assert out[-1] == "2 files checked: 2 errors, 0 warnings, 0 infos"  # folder: *.md only, recursively


def test_json_format(files):
    res = invoke(files / "sub" / "broken.md", "--format", "json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert list(data) == ["findings"]
    first = data["findings"][0]
    assert set(first) == {"path", "line", "rule", "severity", "message", "hint"}
    assert (first["line"], first["rule"], first["severity"]) == (15, "references", "error")


def test_select_and_ignore(files):
    target = files / "sub" / "broken.md"
    only = json.loads(invoke(target, "--format", "json", "--select", "placeholders").stdout)["findings"]
    assert {f["rule"] for f in only} == {"placeholders"}
    rest = json.loads(invoke(target, "--format", "json", "--ignore", "placeholders,references").stdout)["findings"]
    assert rest == []
    assert invoke(target, "--ignore", "placeholders,references").exit_code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", "nope"], "--select: unknown rule(s) nope"),
        (["--kube-version", "1.99"], "--kube-version 1.99: no OpenAPI schemas"),
        (["--kube-version", "latest"], "is not a Kubernetes version"),
    ],
)
def test_bad_options_exit_2_in_one_line(files, args, message):
    res = invoke(files / "clean.md", *args)
    assert res.exit_code == 2
    assert message in res.output and not crashed(res.output)


def test_unusable_inputs_exit_2_with_path_and_line(tmp_path, files):
    (tmp_path / "latin1.md").write_bytes(b"# T\n\ncaf\xe9\n")
    (tmp_path / "fm.md").write_text("---\ntitle: x\nquota: maybe\n---\n# T\n")
    for path, expected in [
        (tmp_path / "missing.md", f"{tmp_path / 'missing.md'}: no such file or folder"),
        (tmp_path / "latin1.md", f"{tmp_path / 'latin1.md'}:3: not UTF-8 text (byte 0xe9)"),
        (tmp_path / "fm.md", f"{tmp_path / 'fm.md'}:3: front matter 'quota': must be true or false"),
    ]:
        res = invoke(path)
        assert res.exit_code == 2, res.output
        assert expected in res.output.splitlines(), res.output
        assert not crashed(res.output)


def test_an_unusable_file_does_not_hide_the_findings_of_the_others(tmp_path, files):
    (files / "latin1.md").write_bytes(b"# T\n\ncaf\xe9\n")
    res = invoke(files)
    assert res.exit_code == 2
    assert "error references" in res.output and "not UTF-8" in res.output
    assert "2 files checked, 1 unusable" in res.output


def test_our_lessons_lint_clean():
    res = invoke(REPO / "lessons")
    assert res.exit_code == 0, res.output
    assert " 0 errors, 0 warnings" in res.output


def test_lint_does_not_import_the_kubernetes_client(storage_wild):
    code = (
        "import sys; from runner.cli import main\n"
        f"try:\n    main(['lint', {str(storage_wild)!r}], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in sys.modules if m == 'kubernetes' or m.startswith('kubernetes.')]\n"
        "assert not bad, bad\nassert 'runner.lint.rules.schema' in sys.modules"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr


# ---- registry and findings --------------------------------------------------------------------


def test_every_rule_is_registered_with_a_summary():
    assert set(all_rules()) == {
        "checks",
        "placeholders",
        "yaml",
        "schema",
        "references",
        "state",
        "paths",
        "kubectl",
        "secrets",
        "waits",
        "shared-namespace",
        "interactive",
        "network",
    }
    assert all(r.summary and r.module.startswith("runner.lint.rules.") for r in RULES.values())


def test_the_registry_refuses_a_duplicate_and_returns_the_function():
    def extra(**_):
        pass

    assert rule("test-extra-rule", summary="x")(extra) is extra
    try:
        with pytest.raises(ValueError, match="registered twice"):
            rule("test-extra-rule", summary="y")(lambda **_: None)
    finally:
        RULES.pop("test-extra-rule")


def test_finding_is_frozen_and_leaves_out_an_empty_hint():
    f = Finding("a.md", 3, "yaml", "error", "m")
    assert f.to_dict() == {"path": "a.md", "line": 3, "rule": "yaml", "severity": "error", "message": "m"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.line = 4  # type: ignore[misc]
    with pytest.raises(ValueError):
        Finding("a.md", 3, "yaml", "fatal", "m")


# ---- kubectl syntax knowledge (runner/kubectl.py) ---------------------------------------------


def test_kubectl_parse_knows_which_flags_take_a_value_per_verb():
    call = kubectl.parse(["kubectl", "logs", "-p", "c1-x"])
    assert call.targets == ((None, "c1-x"),) and call.bad_flags == ()
    call = kubectl.parse(["kubectl", "patch", "pod", "p", "-p", '{"a":1}'])
    assert call.targets == (("Pod", "p"),) and call.flag("-p") == '{"a":1}'
    call = kubectl.parse(["kubectl", "create", "configmap", "c", "--from-file=a", "--dry-run", "-o", "yaml"])
    assert call.flag("-o") == "yaml" and call.flag("--dry-run") == ""
    assert kubectl.parse(["kubectl", "get", "pods", "--bogus"]).bad_flags == ("--bogus",)
    assert kubectl.parse(["kubectl", "-n", "ns", "get", "pods"]).verb == "get"


def test_a_failing_rule_is_a_warning_not_a_crash(monkeypatch):
    from runner.lint import lint_text

    def broken(**_):
        raise KeyError("boom")

    rule("test-broken-rule", summary="x")(broken)
    try:
        monkeypatch.delenv("TUTORIAL_LINT_DEBUG", raising=False)
        found = [f for f in lint_text("# T\n", "t.md") if f.rule == "test-broken-rule"]
        assert [(f.line, f.severity) for f in found] == [(1, "warning")] and "KeyError" in found[0].message
        monkeypatch.setenv("TUTORIAL_LINT_DEBUG", "1")
        with pytest.raises(KeyError):
            lint_text("# T\n", "t.md")
    finally:
        RULES.pop("test-broken-rule")
