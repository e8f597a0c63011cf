"""Run a tutorial's command with bash on this machine, as a terminal would, and stop it when it must stop.

`set -eo pipefail`: a pipeline fails when any of its commands fails, and a
multi-line block stops at its first failing line, as a reader following the
text would. The command gets its own session, so a timeout or a Ctrl-C stops
everything it started, not only bash.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from runner.run.operations.base import StepFailed
from runner.run.signals import Cancel, Interrupted


def run_shell(
    command: str,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    cancel: Cancel,
    alive: Callable[[], None] | None = None,
    alive_every: float = 5.0,
) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `command`; `StepFailed` after `timeout`, `Interrupted` once `cancel` is set.

    `alive`, called every `alive_every` seconds while the command runs, raises to stop it: the API server it talks to
    is gone for good (a tutorial's `kubectl wait` would retry to its own --timeout)."""
    proc = subprocess.Popen(
        ["bash", "-c", "set -eo pipefail\n" + command],
        cwd=cwd,
        env=dict(env),
        text=True,
        encoding="utf-8",
        errors="backslashreplace",  # a command may print bytes that are no UTF-8 (`head -c 10 /dev/urandom`)
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    next_alive = time.monotonic() + alive_every
    try:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=0.5)
                return proc.returncode, stdout, stderr
            except subprocess.TimeoutExpired:
                if cancel.is_set():
                    raise Interrupted(cancel.reason) from None
                if time.monotonic() > deadline:
                    raise StepFailed(f"command still running after {timeout:.0f}s") from None
                if alive is not None and time.monotonic() >= next_alive:
                    alive()
                    next_alive = time.monotonic() + alive_every
    finally:
        if proc.poll() is None:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Stop a command and everything it started (its own session), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass
