"""Ctrl-C and SIGTERM during runs: stop at once, then clean up; a second signal never stops the cleanup.

A run on the main thread turns the signal into `Interrupted`, which unwinds
out of whatever it waits for, and also sets the run's `Cancel`: Python drops an
exception raised while a finalizer (`__del__`, a generator closed by the garbage
collector) happens to run, so the raise alone can be lost, and the run would go
on to pass. The flag is not lost; the run's next step or wait raises again.
Runs on other threads (`run --all`) cannot receive signals: the main thread
sets their shared `Cancel`, and each run stops at its next step or wait.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Interrupted(BaseException):
    """SIGINT/SIGTERM during a run: stop, then clean up."""


class Cancel:
    """A stop request shared by the runs of one `run --all`; a run's own (`parent`: the shared one) also stops it alone."""

    def __init__(self, parent: Cancel | None = None) -> None:
        self._event = threading.Event()
        self._reason = ""
        self.parent = parent

    @property
    def reason(self) -> str:
        if self._event.is_set():
            return self._reason
        return self.parent.reason if self.parent is not None else ""

    def set(self, reason: str = "interrupted") -> None:
        self._reason = reason
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set() or (self.parent is not None and self.parent.is_set())

    def raise_if_set(self) -> None:
        if self.is_set():
            raise Interrupted(self.reason)


def _install(handler: Any) -> dict[int, Any]:
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous  # only the main thread receives signals: the caller's Cancel speaks for it
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


@contextmanager
def interrupts_raise(cancel: Cancel) -> Iterator[None]:
    """Within: SIGINT/SIGTERM set `cancel` and raise `Interrupted` (on the main thread)."""

    def handler(signum: int, frame: Any) -> None:
        cancel.set(signal.Signals(signum).name)  # first: the raise may land in a finalizer, which swallows it
        raise Interrupted(signal.Signals(signum).name)

    previous = _install(handler)
    try:
        yield
    finally:
        _restore(previous)


@contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Within (cleanup): SIGINT/SIGTERM are ignored, so a second Ctrl-C cannot leave objects behind."""
    previous = _install(signal.SIG_IGN)
    try:
        yield
    finally:
        _restore(previous)


@contextmanager
def interrupts_cancel(cancel: Cancel) -> Iterator[None]:
    """Within (`run --all` on the main thread): SIGINT/SIGTERM set `cancel` for every run."""

    def handler(signum: int, frame: Any) -> None:
        cancel.set(signal.Signals(signum).name)

    previous = _install(handler)
    try:
        yield
    finally:
        _restore(previous)
