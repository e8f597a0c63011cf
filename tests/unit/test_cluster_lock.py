"""One `tutorial cluster up`/`down` at a time: a second one waits, saying for whom; a killed holder blocks nobody."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runner.cluster.lock import LockTimeout, cluster_lock, holder

REPO = Path(__file__).resolve().parents[2]


def _hold(path: Path, ready: Path, release: Path) -> subprocess.Popen:
    """Another process that takes the lock as `cluster up`, says so, and holds it until `release` exists."""
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from runner.cluster.lock import cluster_lock
        with cluster_lock("up", path=Path({str(path)!r})):
            Path({str(ready)!r}).write_text("held")
            deadline = time.monotonic() + 60
            while not Path({str(release)!r}).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the holder did not take the lock"
        time.sleep(0.05)
    return proc


def test_a_second_start_waits_for_the_first_and_says_for_whom(tmp_path):
    lock, release = tmp_path / "cluster.lock", tmp_path / "release"
    proc = _hold(lock, tmp_path / "ready", release)
    said: list[str] = []

    def notice(message: str) -> None:
        said.append(message)
        release.write_text("go")  # the first one finishes once the second has said that it waits

    t0 = time.monotonic()
    with cluster_lock("up", notice=notice, path=lock):
        waited = time.monotonic() - t0
        assert "down" not in holder(lock) and f"pid {__import__('os').getpid()}" in holder(lock)
    proc.wait(timeout=30)
    assert len(said) == 1 and f"`tutorial cluster up` (pid {proc.pid}, started 20" in said[0] and "waits" in said[0], said
    assert waited < 30


def test_no_wait_and_no_message_when_nobody_holds_it(tmp_path):
    said: list[str] = []
    with cluster_lock("down", notice=said.append, path=tmp_path / "l"):
        assert "`tutorial cluster down`" in holder(tmp_path / "l")
    assert said == []
    assert holder(tmp_path / "l") == "`tutorial cluster` command"  # released: nobody named


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    with cluster_lock("up", path=tmp_path / "l"), cluster_lock("up", notice=pytest.fail, path=tmp_path / "l"):
        pass


def test_a_killed_holder_releases_the_lock(tmp_path):
    lock = tmp_path / "cluster.lock"
    proc = _hold(lock, tmp_path / "ready", tmp_path / "never")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with cluster_lock("up", notice=pytest.fail, path=lock, timeout=5):
        pass


def test_waiting_has_a_deadline(tmp_path):
    lock, release = tmp_path / "cluster.lock", tmp_path / "release"
    proc = _hold(lock, tmp_path / "ready", release)
    try:
        with (
            pytest.raises(LockTimeout, match=f"pid {proc.pid}"),
            cluster_lock("down", notice=lambda m: None, path=lock, timeout=0.5),
        ):
            pass
    finally:
        release.write_text("go")
        proc.wait(timeout=30)
