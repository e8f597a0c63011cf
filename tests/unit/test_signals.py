"""Ctrl-C during a run: a raise that Python swallows (it landed in a finalizer) must not lose the interrupt."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time

import pytest

from runner.run.signals import Cancel, Interrupted, interrupts_ignored, interrupts_raise


class _SignalledWhileCollected:
    """An object whose finalizer is where SIGINT arrives, as a urllib3 response or a watch's generator may be."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs at the next bytecode boundary, inside this finalizer
            time.sleep(0.001)


def test_an_interrupt_raised_inside_a_finalizer_is_kept_by_the_cancel(monkeypatch):
    swallowed: list = []
    monkeypatch.setattr(sys, "unraisablehook", swallowed.append)  # where Python puts what a finalizer raised
    cancel = Cancel()
    with interrupts_raise(cancel):
        leaked = _SignalledWhileCollected()
        del leaked  # Python prints "Exception ignored in … __del__" and goes on: the raise is lost
        gc.collect()
        assert cancel.is_set(), "the signal was handled, so the run's cancel must say so"
        with pytest.raises(Interrupted, match="SIGINT"):
            cancel.raise_if_set()  # the run's next step or wait stops it
    assert [type(u.exc_value) for u in swallowed] == [Interrupted]  # the raise itself really was swallowed


def test_an_interrupt_outside_finalizers_raises_at_once_and_sets_the_cancel():
    cancel = Cancel()
    with pytest.raises(Interrupted), interrupts_raise(cancel):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            time.sleep(0.001)
    assert cancel.is_set() and cancel.reason == "SIGINT"


def test_cleanup_ignores_a_second_interrupt():
    with interrupts_ignored():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
