"""One `tutorial cluster up` or `down` at a time on this machine: an exclusive flock, and who holds it.

Two starts at once collide: both build etcd into the same file and rename it
(`FileNotFoundError …/etcd.tmp -> …/etcd`), both start the same components on
the same ports. So `up` and `down` hold an exclusive lock on one file of the
cache; a second one waits, saying which command (pid, start time) it waits for,
and goes on when that one is done (a second `up` then finds the cluster up and
returns at once). The kernel releases the lock when its holder exits, even on
SIGKILL, so a crashed start never blocks the next one.

Within one process the lock is reentrant (the session fixture of the tests may
call `up` while a command holds it), and threads of one process take turns.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from runner.cluster import paths

_threads = threading.RLock()
_depth = 0
POLL = 0.2  # seconds between attempts: a file lock has no watch


class LockTimeout(RuntimeError):
    """Another `tutorial cluster up`/`down` held the lock for longer than we were willing to wait."""


def holder(path: Path | None = None) -> str:
    """Who holds the lock (as its holder wrote it), for a message."""
    try:
        data = json.loads((path or paths.lock_file()).read_text() or "{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict) or not data.get("what"):
        return "`tutorial cluster` command"  # between its lock and its note, or an older version
    what = data["what"]
    return f"`tutorial cluster {what}` (pid {data.get('pid', '?')}, started {data.get('started', '?')})"


@contextmanager
def cluster_lock(
    what: str, notice: Callable[[str], None] = print, timeout: float = 3600.0, path: Path | None = None
) -> Iterator[None]:
    """Hold the machine's cluster lock for `what` ("up" or "down"); wait for another holder, saying so."""
    global _depth
    path = path or paths.lock_file()
    with _threads:
        if _depth:
            _depth += 1
            try:
                yield
            finally:
                _depth -= 1
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, what, notice, timeout, path)
            os.ftruncate(fd, 0)
            record = {
                "what": what,
                "pid": os.getpid(),
                "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "argv": sys.argv[:4],
            }
            os.pwrite(fd, json.dumps(record).encode(), 0)
            _depth = 1
            try:
                yield
            finally:
                _depth = 0
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _acquire(fd: int, what: str, notice: Callable[[str], None], timeout: float, path: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    other = holder(path)
    notice(f"another {other} is running; `cluster {what}` waits for it to finish")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{holder(path)} still holds {path} after {timeout:.0f}s") from None
            time.sleep(POLL)
