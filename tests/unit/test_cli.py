"""The CLI on good and bad input: one line, a stable exit status, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from runner.cli.main import crashed, main

REPO = Path(__file__).resolve().parents[2]


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_help_teaches():
    res = invoke("--help")
    assert res.exit_code == 0
    for word in ("show", "list", "lint", "cluster", "LESSON"):
        assert word in res.output


def test_show_json_shape(storage_wild):
    res = invoke("show", str(storage_wild), "--user", "bob", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["lesson"] == "000-b57e32573c2d5ae6"
    first = data["steps"][0]
    assert (first["index"], first["line"], first["type"], first["kind"], first["name"], first["file"]) == (
        0,
        20,
        "manifest",
        "Pod",
        "s1-bob",
        "s1.yaml",
    )
    assert any(s["type"] == "interactive" and s["reason"] for s in data["steps"])
    assert any(s["type"] == "command" and s["command"] == "kubectl get pvc vol-bob" for s in data["steps"])


def test_show_reports_unknown_placeholders_with_line(data_wild):
    res = invoke("show", str(data_wild), "--user", "bob")
    assert res.exit_code == 0
    assert f"{data_wild}:171: warning: placeholder `<usernam>` is not declared: did you mean `<username>`?" in res.stderr
    assert "github_pat" not in res.output


def test_show_lesson_by_id_and_list():
    res = invoke("show", "storage", "--user", "bob")
    assert res.exit_code == 0 and "Pod s1-bob as s1.yaml" in res.stdout
    listing = json.loads(invoke("list", "--format", "json").stdout)
    ids = [l["id"] for l in listing["lessons"]]
    assert "storage" in ids
    storage = next(l for l in listing["lessons"] if l["id"] == "storage")
    assert storage["points"] > 0 and {"name": "pvc-bound", "points": 2.0} in storage["checks"]


@pytest.mark.parametrize(
    "content, expect",
    [
        (None, "no such file"),
        (b"\xff\xfe not utf8", "not UTF-8"),
        (b"---\nid: [\n---\n", "front matter is not valid YAML"),
        (b"# t\n<!-- step: bogus=1 -->\n```bash\nls\n```\n", "unknown annotation key 'bogus'"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, content, expect):
    path = tmp_path / "lesson.md"
    if content is not None:
        path.write_bytes(content)
    res = invoke("show", str(path), "--user", "bob")
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0] and lines[0].startswith(str(path))
    assert not crashed(res.output)


def test_unknown_lesson_and_bad_user():
    res = invoke("show", "nope")
    assert res.exit_code == 2 and "no lesson 'nope'" in res.stderr
    res = invoke("show", "storage", "--user", "Bad_User")
    assert res.exit_code == 2 and "--user" in res.stderr


def test_invalid_yaml_step_is_shown_and_rest_of_plan_too(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("```yaml\napiVersion: v1\nkind: Pod\n  bad: [\n```\n\n```bash\nkubectl get pods\n```\n")
    res = invoke("show", str(path), "--user", "bob")
    assert res.exit_code == 1  # documented: the whole plan is shown, the problems go to stderr
    assert "INVALID at line" in res.stdout and "kubectl get pods" in res.stdout
    assert res.stderr.startswith(f"{path}:4: error: YAML does not parse")


def test_offline_commands_do_not_import_the_kubernetes_client():
    code = (
        "import sys; from runner.cli import main\n"
        "try: main(['show', 'storage', '--user', 'bob'], standalone_mode=False)\n"
        "except SystemExit: pass\n"
        "print('kubernetes' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False"


def _break_render(monkeypatch, message):
    import runner.lesson.render as render

    def broken(*args, **kwargs):
        raise KeyError(message)

    monkeypatch.setattr(render, "render", broken)


def test_a_bug_is_one_line_exit_70_with_no_secret(monkeypatch, storage_wild):
    """An exception nobody expected is named in one line (exit 70), its message redacted, not a traceback."""
    _break_render(monkeypatch, "while reading https://alice:hunter22@git.example.org/x")
    res = invoke("show", str(storage_wild), "--user", "bob")
    assert res.exit_code == 70
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tutorial: internal error: KeyError:"), res.stderr
    assert "hunter22" not in res.output and "TUTORIAL_DEBUG=1" in lines[0]
    assert crashed(res.output) and "Traceback" not in res.output


def test_debug_shows_the_traceback_of_a_bug(monkeypatch, storage_wild):
    _break_render(monkeypatch, "boom")
    monkeypatch.setenv("TUTORIAL_DEBUG", "1")
    res = invoke("show", str(storage_wild), "--user", "bob")
    assert isinstance(res.exception, KeyError)


def test_usage_errors_and_interrupts_are_not_taken_for_bugs(monkeypatch, storage_wild):
    res = invoke("show", str(storage_wild), "--format", "yaml-please")
    assert res.exit_code == 2 and not crashed(res.output)
    import runner.lesson.render as render

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "render", interrupted)
    res = invoke("show", str(storage_wild), "--user", "bob")
    assert res.exit_code == 130 and not crashed(res.output)


def _big_lesson(tmp_path):
    path = tmp_path / "big.md"
    path.write_text("# Big\n\n" + "".join(f"```bash\nkubectl get pods -l app=x{i}\n```\n\n" for i in range(3000)))
    return path


def test_a_closed_pipe_is_a_quiet_exit_and_a_full_disk_one_line(tmp_path):
    """`tutorial show ... | head` is not a bug (no message), and a full disk is the machine's, in one line (exit 2)."""
    cmd = [sys.executable, "-m", "runner.cli", "show", str(_big_lesson(tmp_path))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    proc.stdout.close()  # the reader goes away before the first line (as `| head` does after some)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1 and err == ""
    with open("/dev/full", "w") as full:
        res = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 2 and res.stderr.strip() == "tutorial: input or output failed: No space left on device"


@pytest.mark.parametrize("option", ["--report", "--summary"])
def test_an_output_file_that_cannot_be_written_is_said_before_the_run(tmp_path, option):
    (tmp_path / "a-file").write_text("")
    for target in ("/proc/no-such/r.json", str(tmp_path / "a-file" / "r.json"), "/proc/version"):
        res = invoke("run", "storage", "--user", "bob", option, target)
        lines = res.stderr.strip().splitlines()
        assert res.exit_code == 2 and len(lines) == 1 and f"cannot write {target}" in lines[0], res.stderr


def test_missing_folders_of_an_output_file_are_made(tmp_path):
    from runner.cli.options import output_file, write_output

    target = tmp_path / "new" / "dir" / "r.json"
    assert output_file(None, None, str(target)) == str(target)  # type: ignore[arg-type]
    write_output(str(target), "{}")
    assert target.read_text() == "{}"


def test_ctrl_c_at_a_prompt_is_an_interrupt_not_an_abort():
    @click.command("ask")
    def ask():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise click.Abort() from None

    @click.command("refuse")
    def refuse():
        raise click.Abort()

    main.add_command(ask)
    main.add_command(refuse)
    try:
        for name, code in (("ask", 130), ("refuse", 1)):
            with pytest.raises(SystemExit) as done:
                main.main([name], prog_name="tutorial")
            assert done.value.code == code, name
    finally:
        main.commands.pop("ask")
        main.commands.pop("refuse")
