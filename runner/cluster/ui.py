"""Progress reporting: a rich spinner on a terminal, one plain line per phase otherwise.

CI logs (CI=true, no TTY) must stay readable, so the fancy display is only used when
stdout is a terminal and CI is not set.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status


class Reporter:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.fancy = sys.stdout.isatty() and not os.environ.get("CI")
        self._console: Console | None = None
        self._status: Status | None = None
        if self.fancy:
            from rich.console import Console

            self._console = Console()

    def log(self, msg: str) -> None:
        if self.quiet:
            return
        if self._status is not None:
            self._status.update(f"[bold]{self._phase}[/]: {msg}")
        elif self._console is not None:
            self._console.print(f"  {msg}")
        else:
            print(f"[cluster]   {msg}", flush=True)

    _phase = ""

    @contextlib.contextmanager
    def phase(self, name: str):
        t0 = time.monotonic()
        self._phase = name
        if self.quiet:
            yield
            return
        if self._console is not None:
            with self._console.status(f"[bold]{name}[/]") as st:
                self._status = st
                try:
                    yield
                except BaseException:
                    self._status = None
                    self._console.print(f"[red]✗[/] {name} ({time.monotonic() - t0:.1f}s)")
                    raise
                self._status = None
            self._console.print(f"[green]✓[/] {name} ({time.monotonic() - t0:.1f}s)")
        else:
            print(f"[cluster] {name} ...", flush=True)
            try:
                yield
            except BaseException:
                print(f"[cluster] {name} FAILED ({time.monotonic() - t0:.1f}s)", flush=True)
                raise
            print(f"[cluster] {name} ok ({time.monotonic() - t0:.1f}s)", flush=True)

    def info(self, msg: str) -> None:
        if self.quiet:
            return
        if self._console is not None:
            self._console.print(msg)
        else:
            print(msg, flush=True)
