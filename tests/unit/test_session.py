"""The reader's terminal between the tutorial's commands: what it keeps, what it does not, and `$USER`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from runner.run.session import ShellSession


def run(session: ShellSession, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + session.script(command)],
        cwd=session.workdir,
        env=session.environment(dict(os.environ)),
        capture_output=True,
        text=True,
        timeout=30,
    )


def session(tmp_path: Path) -> ShellSession:
    work = tmp_path / "work"
    work.mkdir()
    return ShellSession(
        work, tmp_path / "state.sh", "bob", ["NFS_IP", "X", "EMPTY"], ["greet"], {"NAMESPACE": "ws", "not-a-name": "x"}
    )


def test_variables_functions_aliases_and_the_folder_are_kept(tmp_path):
    s = session(tmp_path)
    assert run(s, "export NFS_IP=10.0.0.5; X='a b'; mkdir -p repo && cd repo").returncode == 0
    assert run(s, "alias k='echo kube'; greet() { echo hi \"$1\"; }").returncode == 0
    out = run(s, 'echo "$NFS_IP|$X|$PWD|$(whoami)|$USER|$NAMESPACE"; k get; greet you').stdout.split("\n")
    assert out[:3] == [f"10.0.0.5|a b|{s.workdir}/repo|bob|bob|ws", "kube get", "hi you"]


def test_a_failed_command_keeps_what_it_set_and_a_cd_out_of_the_folder_does_not_carry_over(tmp_path):
    s = session(tmp_path)
    assert run(s, "X=kept; cd /tmp; false").returncode == 1
    assert run(s, 'pwd; echo "$X"').stdout.split() == [str(s.workdir), "kept"]


def test_which_variables_are_empty_now(tmp_path):
    s = session(tmp_path)
    assert s.empty(["NFS_IP"]) == {"NFS_IP"}  # nothing ran yet
    run(s, "NFS_IP=$(echo 10.0.0.5); EMPTY=$(true)")
    assert s.empty(["NFS_IP", "EMPTY", "X"]) == {"EMPTY", "X"}
    s.close()
    assert not s.state.exists()


def test_the_last_background_job_is_kept_for_the_next_commands(tmp_path):
    """`cmd &` in one command, `PID=$!` in the next and `kill $PID` after: `$!` is the terminal's last job."""
    s = session(tmp_path)
    started = run(s, "sleep 30 >/dev/null 2>&1 &\necho $!")
    pid = started.stdout.strip()
    assert pid.isdigit()
    assert run(s, "X=$!; echo \"${!}|$X\"; echo '$!'").stdout.split("\n")[:2] == [f"{pid}|{pid}", "$!"]
    assert run(s, "kill $X").returncode == 0
    assert run(s, "true").returncode == 0 and run(s, "echo $!").stdout.strip() == pid  # kept until another job starts
