"""The live board's engine: watch events mark participants dirty, a worker grades them again, boards read the state.

One `LiveBoard` serves the terminal board and the web board alike. It
never exits because of what participants do: their objects changing under
a check is "not yet" for that check (the grader's rules). When the API
server itself cannot be reached, the state says so (`status`) and the
worker tries again with a growing pause, then grades everyone anew.

Every state is a frozen `BoardState` (the sticky report, a version, the
participants changed in it); boards wait for a newer version or a timeout
(the header's clock moves on every refresh).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from runner.grade.engine import PENDING, now
from runner.grade.progressfile import BackgroundSaver
from runner.grade.result import GradeReport, ParticipantGrade
from runner.grade.session import Session
from runner.kube.errors import ClusterError, Unreachable
from runner.kube.labels import USER_LABEL

JOB_LABELS = ("batch.kubernetes.io/job-name", "job-name")


@dataclass(frozen=True)
class Change:
    """A participant's check passed for the first time (for logs and the web board's highlights)."""

    user: str
    check: str
    at: str


@dataclass(frozen=True)
class BoardState:
    report: GradeReport  # sticky: first passes count; each row's time is when it was last graded
    version: int
    status: str | None = None  # e.g. "cluster unreachable since 09:40:01 (…); retrying in 8 s"
    changed: frozenset[str] = frozenset()  # users graded again in this version
    versions: dict[str, int] = field(default_factory=dict)  # user -> version of their last change
    firsts: tuple[Change, ...] = ()  # first passes in this version
    changed_at: float = 0.0  # time.time() when this version was made (for measured latency)


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


class LiveBoard:
    """Grades participants again as their objects change; `state()` / `wait()` for the boards."""

    def __init__(self, session: Session, backoff: tuple[float, float] = (1.0, 30.0)) -> None:
        self.session = session
        session.grader.live = True
        self.users = {p.user: p for p in session.people}
        self._owners = self._name_index()
        self._dirty: set[str] = set()
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._state: BoardState | None = None
        self._grades: dict[str, ParticipantGrade] = {}
        self._versions: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._backoff = backoff
        self._status: str | None = None
        self.listeners: list[Callable[[BoardState], None]] = []
        self.failed: ClusterError | None = None  # the API server stayed away longer than --outage-timeout: the boards end
        # the progress file is written beside the worker, never in an update's way (2 MB at 1000 participants)
        self._saver = BackgroundSaver(session.save, on_error=lambda exc: self._set_status(f"progress file not saved: {exc}"))

    # ---- who owns an object
    def _name_index(self) -> dict[str, str]:
        """Object name -> user, for every object the lesson names for each participant (generateName prefixes apart)."""
        out: dict[str, str] = {}
        self._prefixes: list[tuple[str, str]] = []
        for user in self.users:
            for _kind, name, generated in self.session.grader.plan(user).objects:
                if generated:
                    self._prefixes.append((name, user))
                else:
                    out[name] = user
        return out

    def owner(self, obj: dict[str, Any]) -> str | None:
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        if labels.get(USER_LABEL) in self.users:
            return labels[USER_LABEL]
        for name in [meta.get("name", ""), *(labels.get(k) for k in JOB_LABELS)]:
            if name and name in self._owners:
                return self._owners[name]
        for prefix, user in self._prefixes:
            if meta.get("name", "").startswith(prefix):
                return user
        name = meta.get("name", "")  # a pod of a Job the lesson names: <job>-<hash>
        for user in self.users:
            if name.endswith(f"-{user}") or f"-{user}-" in name:
                return user
        return None

    def on_change(self, kind: str, kind_event: str, obj: dict[str, Any]) -> None:
        if kind == "PersistentVolumeClaim" and (obj.get("metadata") or {}).get("deletionTimestamp"):
            # a participant deletes their claim: our inspector must not hold it up
            self.session.probe.release_claim(obj["metadata"]["name"])
        who = self.owner(obj)
        if who is None:
            return
        if kind_event != "DELETED":  # an object that existed, even for an instant: the record keeps it
            self.session.record.saw(who, [f"{kind}/{obj['metadata']['name']}"], now())
        with self._cond:
            self._dirty.add(who)
        self._wake.set()

    def on_relist(self, kind: str) -> None:
        with self._cond:
            self._dirty.update(self.users)
        self._wake.set()

    # ---- lifecycle
    def start(self) -> BoardState:
        """Grade everyone once (the record is saved at once), then follow watch events on a worker thread."""
        self.session.cache.on_relist = self.on_relist
        self.session.cluster.outage.listeners.append(self._on_outage)
        self._publish(self._grade(list(self.users.values())), set(self.users), save=True)
        self.session.cache.watch(self.on_change)
        self._thread = threading.Thread(target=self._run, daemon=True, name="board-worker")
        self._thread.start()
        return self.state()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._saver.close()
        self.session.save()

    def state(self) -> BoardState:
        with self._cond:
            assert self._state is not None, "start() first"
            return self._state

    def wait(self, version: int, timeout: float) -> BoardState:
        """The state once its version is newer than `version`, or the current one after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._state is not None and self._state.version > version, timeout)
            assert self._state is not None
            return self._state

    # ---- the worker
    def _run(self) -> None:
        pause = self._backoff[0]
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            if self._stop.is_set():
                return
            health = self.session.cache.health()
            with self._cond:
                todo, self._dirty = self._dirty, set()
            if health is not None and health[0].exit_code == 3:
                todo = set(self.users)  # the watches failed: read everything again once the server answers
            if not todo:
                continue
            try:
                if health is not None and health[0].exit_code == 3:
                    self.session.cache.refresh()
                report = self._grade([self.users[u] for u in sorted(todo)])
            except Exception as exc:  # nothing stops the board: say what happened, try again after a growing pause
                with self._cond:
                    self._dirty |= todo
                if isinstance(exc, Unreachable) and self._given_up():
                    self.failed = exc
                    self._set_status(f"cluster unreachable for longer than --outage-timeout: {exc}")
                    return
                if isinstance(exc, ClusterError) and exc.exit_code == 3:
                    since = (self.session.cache.health() or (exc, time.time()))[1]
                    self._set_status(f"cluster unreachable since {_clock(since)} ({exc}); retrying in {pause:.0f} s")
                else:  # a bug of ours: keep the board, show the error
                    self._set_status(f"board error ({type(exc).__name__}: {exc}); retrying in {pause:.0f} s")
                if self._stop.wait(pause):
                    return
                pause = min(pause * 2, self._backoff[1])
                self._wake.set()
                continue
            pause = self._backoff[0]
            self._status = None
            self._publish(report, todo)

    def _given_up(self) -> bool:
        outage = self.session.cluster.outage
        return outage.timeout <= 0 or outage.expired

    def _on_outage(self, line: str) -> None:
        """The cluster's outage lines: shown on the boards while it lasts, gone once the server is back."""
        self._set_status(None if line.startswith("cluster reachable again") else line)

    def _grade(self, people: list[Any]) -> GradeReport:
        return self.session.grader.grade_round(people, self.session.record, at=now(), partial=self._partial)

    def _partial(self, report: GradeReport) -> None:
        """Show at once what the cache decides; a check waiting for its claim keeps its last cell meanwhile."""
        merged = []
        for p in report.participants:
            before = {c.name: c for c in (self._grades[p.user].checks if p.user in self._grades else ())}
            checks = tuple(before.get(c.name, c) if c.status == PENDING else c for c in p.checks)
            merged.append(replace(p, checks=checks))
        self._publish(replace(report, participants=tuple(merged)), {p.user for p in report.participants})

    def _set_status(self, status: str | None) -> None:
        status = self.session.grader.redact.text(status) if status else None
        with self._cond:
            self._status = status
            if self._state is not None:
                self._state = replace(self._state, version=self._state.version + 1, status=status, changed=frozenset(), firsts=())
            self._cond.notify_all()
            state = self._state
        if state is not None:
            self._notify(state)

    def _publish(self, partial: GradeReport, todo: set[str], save: bool = False) -> None:
        before = {u: {c.name for c in g.checks if c.status == "passed"} for u, g in self._grades.items()}
        firsts = tuple(
            Change(p.user, c.name, c.first_passed_at or partial.graded_at)
            for p in partial.participants
            for c in p.checks
            if c.status == "passed" and c.name not in before.get(p.user, set()) and c.first_passed_at == partial.graded_at
        )
        changed = self.session.remember(partial, partial.graded_at, save=save, defer=not save)
        with self._cond:
            version = (self._state.version if self._state else 0) + 1
            for p in partial.participants:
                self._grades[p.user] = p
                self._versions[p.user] = version
            full = replace(partial, participants=tuple(self._grades[u] for u in self.users if u in self._grades))
            self._state = BoardState(
                full, version, self._status, frozenset(todo), dict(self._versions), firsts, changed_at=time.time()
            )
            self._cond.notify_all()
            state = self._state
        self._notify(state)
        if changed and not save:
            self._saver.request()

    def _notify(self, state: BoardState) -> None:
        for listener in list(self.listeners):
            try:
                listener(state)
            except Exception:
                pass
