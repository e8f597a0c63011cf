"""Riding out a control-plane outage: an unreachable API server is waited for, for a bounded time, then given up on.

A production API server restarts during upgrades; a run or a board that
stops at the first refused connection leaves its objects behind and its
participant stuck. Every request of a `Cluster` goes through `Outage.call`:

- a request that fails because the server could not be reached (refused,
  reset, timed out, 502/503/504) is tried again with a growing pause, as
  long as the outage (shared by every thread of the cluster) is younger than
  `timeout` seconds;
- a request that changes something (POST, PUT, PATCH, DELETE) is tried again
  only when it never reached the server (the connection was refused or not
  made, or the server answered 503 without handling it): one that was cut
  mid-way may have been done, and is reported, not repeated;
- listeners hear one line when an outage starts and one when it ends, and
  `waited` adds up how long the cluster was away (a run's report says it);
- once an outage outlasted `timeout`, nothing waits any more (`expired`)
  until a request succeeds again: the caller exits 3, and its last cleanup
  attempt fails fast instead of waiting once more.

Forbidden, NotFound, Conflict and the rest are answers, not outages: they
pass through at once. So does everything before the server first answered:
a cluster that was never reached (a wrong kubeconfig, no cluster at all) is
not an outage, and is said at once (exit 3).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_TIMEOUT = 120.0
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _reason(exc: BaseException) -> BaseException:
    return getattr(exc, "reason", None) or exc


def transient(exc: BaseException, method: str = "GET") -> bool:
    """Whether `exc` says the API server was away (and, for a change, that the request never reached it)."""
    import urllib3.exceptions
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException):
        if exc.status == 503:
            return True  # the server (or a proxy before it) answered without handling the request
        return exc.status in (0, 502, 504) and method.upper() not in CHANGES
    reason = _reason(exc)
    not_sent = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError, ConnectionRefusedError)
    if isinstance(reason, not_sent):
        return True
    if method.upper() in CHANGES:
        return False
    return isinstance(
        exc,
        (
            urllib3.exceptions.MaxRetryError,
            urllib3.exceptions.ProtocolError,
            urllib3.exceptions.ReadTimeoutError,
            ConnectionError,
            TimeoutError,
        ),
    )


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S")


@dataclass
class Outage:
    """The outage state of one cluster connection, shared by its threads; see the module's docstring."""

    timeout: float = DEFAULT_TIMEOUT
    backoff: tuple[float, float] = (0.5, 8.0)
    listeners: list[Callable[[str], None]] = field(default_factory=list)
    waited: float = 0.0  # seconds the cluster was away, summed over outages that ended
    outages: int = 0
    expired: bool = False
    reached: bool = False  # the server answered once: only after that is "unreachable" an outage
    _since: float | None = None  # wall clock of the current outage's start
    _started: float | None = None  # the same, monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def _say(self, line: str) -> None:
        for listener in list(self.listeners):
            listener(line)

    def _began(self, exc: BaseException) -> float:
        """Note the outage (once, whichever thread sees it first); the monotonic time it began."""
        with self._lock:
            if self._started is None:
                self._started, self._since = self.clock(), time.time()
                self.outages += 1
                first = True
            else:
                first = False
            started = self._started
        if first:
            detail = " ".join(str(_reason(exc)).split(">: ", 1)[-1].split())[:120]  # urllib3's object repr dropped
            self._say(
                f"cluster unreachable since {_clock(self._since or time.time())} ({detail}); "
                f"waiting up to {self.timeout:.0f} s (--outage-timeout)"
            )
        return started

    def _ended(self) -> None:
        with self._lock:
            if self._started is None:
                self.expired = False
                return
            took = self.clock() - self._started
            self.waited += took
            self._started = self._since = None
            self.expired = False
        self._say(f"cluster reachable again after {took:.1f} s")

    @property
    def ongoing(self) -> bool:
        return self._started is not None

    def call(self, fn: Callable[..., Any], method: str, *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)`, tried again while the server is away (see the module's docstring)."""
        pause = self.backoff[0]
        while True:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                if not transient(exc, method):
                    if getattr(exc, "status", 0):  # an answer (403, 404, 409 …): the server is there
                        self.reached = True
                    raise
                if self.timeout <= 0 or self.expired or not self.reached:
                    raise
                started = self._began(exc)
                left = self.timeout - (self.clock() - started)
                if left <= 0:
                    with self._lock:
                        self.expired = True
                    raise
                self.sleep(min(pause, left))  # waiting for the API server to come back: there is nothing to watch
                pause = min(pause * 2, self.backoff[1])
                continue
            self.reached = True
            if self._started is not None or self.expired:
                self._ended()
            return result
