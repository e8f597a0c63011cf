"""The session's record: when each check first passed for each participant (with its evidence), and which objects existed.

A live session is a sequence of states: a participant's pod runs, then they
delete it as the lesson says. The record keeps what each participant
achieved, so boards and the final grade (`tutorial grade --progress FILE`)
show the first pass of every check, not only the state at this instant; and
it keeps which of the lesson's objects each participant had at some point
(`seen`), which tells whether they started and how far they got. Saved
atomically on every change; every text in it went through the grade's
`Redactor`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.core.errors import UsageError
from runner.core.files import write_atomically
from runner.core.limits import MAX_PROGRESS_BYTES, read_bounded
from runner.core.redact import Redactor
from runner.core.results import FAILED, PASSED
from runner.grade.result import GRADED, GradeReport


@dataclass
class Record:
    """user -> check -> {"at", "summary", "evidence"}; user -> "Kind/name" -> when first seen."""

    passes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    # user -> check -> the last failure seen while the objects were there (what went wrong, for after the session)
    failures: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def first_pass(self, user: str, check: str) -> dict[str, Any] | None:
        with self._lock:
            return (self.passes.get(user) or {}).get(check)

    def failures_of(self, user: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self.failures.get(user) or {})

    def passes_of(self, user: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self.passes.get(user) or {})

    def seen_of(self, user: str) -> dict[str, str]:
        with self._lock:
            return dict(self.seen.get(user) or {})

    def all_seen(self) -> set[str]:
        """Every object ("Kind/name") any participant had during the session."""
        with self._lock:
            return {key for mine in self.seen.values() for key in mine}

    def add_passes(self, report: GradeReport, at: str, redact: Redactor) -> bool:
        """Add checks that pass now for the first time; True when something changed."""
        changed = False
        with self._lock:
            for p in report.participants:
                mine = self.passes.setdefault(p.user, {})
                for c in p.checks:
                    if c.status == PASSED and c.name not in mine:
                        mine[c.name] = {
                            "at": c.first_passed_at or at,
                            "summary": redact.text(c.summary),
                            "evidence": [
                                {"source": redact.text(e.source), "lines": list(redact.lines(e.lines))} for e in c.evidence
                            ],
                        }
                        changed = True
        return changed

    def add_failures(self, report: GradeReport, at: str, redact: Redactor) -> bool:
        """Keep the latest failure of each check that came with evidence (the objects were there); True when one changed."""
        changed = False
        with self._lock:
            for p in report.participants:
                if p.standing != GRADED:  # "not started?" is no failure of a check
                    continue
                for c in p.checks:
                    if c.status != FAILED or not c.evidence or c.now_status:
                        continue
                    entry = {
                        "at": at,
                        "summary": redact.text(c.summary),
                        "hint": redact.text(c.hint or ""),
                        "evidence": [{"source": redact.text(e.source), "lines": list(redact.lines(e.lines))} for e in c.evidence],
                    }
                    mine = self.failures.setdefault(p.user, {})
                    if {k: v for k, v in (mine.get(c.name) or {}).items() if k != "at"} != {
                        k: v for k, v in entry.items() if k != "at"
                    }:
                        mine[c.name] = entry
                        changed = True
        return changed

    def saw(self, user: str, objects: Iterable[str], at: str) -> bool:
        """Remember that these objects ("Kind/name") of the user existed; True when one is new."""
        changed = False
        with self._lock:
            mine = self.seen.setdefault(user, {})
            for key in objects:
                if key not in mine:
                    mine[key] = at
                    changed = True
        return changed

    def to_dict(self, lesson: str, namespace: str) -> dict[str, Any]:
        with self._lock:
            return {
                "lesson": lesson,
                "namespace": namespace,
                "participants": json.loads(json.dumps(self.passes)),
                "seen": json.loads(json.dumps(self.seen)),
                "failures": json.loads(json.dumps(self.failures)),
            }


def load(path: str) -> Record:
    p = Path(path)
    if not p.exists():
        return Record()
    try:
        data = json.loads(read_bounded(p, MAX_PROGRESS_BYTES, "progress file"), parse_constant=_refuse_constant)
    except ValueError as exc:
        raise UsageError(f"{path}: not a progress file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("participants", {}), dict):
        raise UsageError(f"{path}: not a progress file (no 'participants' object)")
    return Record(data.get("participants") or {}, data.get("seen") or {}, data.get("failures") or {})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def save(path: str, lesson: str, namespace: str, record: Record, redact: Redactor) -> None:
    """Write atomically (a temporary file renamed over the old one), every text through the Redactor."""
    text = json.dumps(_redacted(record.to_dict(lesson, namespace), redact), indent=2, allow_nan=False)
    write_atomically(path, text, prefix=".progress-")


def _redacted(value: Any, redact: Redactor) -> Any:
    """Every string of a JSON-like value through the Redactor (keys and values), the structure kept."""
    if isinstance(value, str):
        return redact.text(value)
    if isinstance(value, dict):
        return {redact.text(str(k)): _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    return value


class BackgroundSaver:
    """Saves the progress file on a thread of its own, the latest record, one save at a time, requests in between merged.

    A live board's update must not wait for the file: with 1000 participants it is 2 MB, every string of it redacted.
    `close` stops the thread; the caller's last save is its own (synchronous). A save that fails is kept in `error`
    and told to `on_error`, and the next request tries again.
    """

    def __init__(self, save: Callable[[], None], on_error: Callable[[Exception], None] | None = None) -> None:
        self._save = save
        self._on_error = on_error
        self._wanted = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.error: Exception | None = None
        self.saves = 0

    def request(self) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="progress-saver")
                self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            if self._closed.is_set():
                return
            self._wanted.clear()
            try:
                self._save()
                self.saves += 1
                self.error = None
            except Exception as exc:  # a full disk must not stop the board: it says so, and the next change tries again
                self.error = exc
                if self._on_error is not None:
                    self._on_error(exc)

    def close(self, timeout: float = 30) -> None:
        with self._lock:
            self._closed.set()
            thread = self._thread
        self._wanted.set()
        if thread is not None:
            thread.join(timeout)
