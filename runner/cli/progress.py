"""Live progress of a run: the current step with its line, elapsed time, what it waits for.

On a terminal a rich status line updates in place; elsewhere (CI logs, pipes)
it stays quiet and the summary at the end says everything. A notice (the run
waits for another run's lease) is one line on stderr everywhere: a run that
waits must say for what.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status


class Progress:
    def __init__(self, label: str, enabled: bool | None = None, console: Console | None = None) -> None:
        """`console`: where it prints (stderr's by default; a test reads what a terminal would show)."""
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total = 0
        self.label = label
        self.t0 = time.monotonic()
        self.current = ""
        self.detail = ""
        self._status: Status | None = None
        if self.enabled:
            from rich.console import Console

            self._console = console or Console(stderr=True)
            self._status = self._console.status(self._text())
            self._status.start()

    def _text(self) -> str:
        return f"[bold]{self.label}[/] {self.current} [dim]{self.detail}[/] ({time.monotonic() - self.t0:.0f}s)"

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "notice":
            self.notice(data["message"])
        if not self.enabled or self._status is None:  # enabled: the status line exists
            return
        if event == "plan":
            self.total = data["steps"]
        elif event == "step":
            step = data["step"]
            what = (step.command or step.check or step.id or "").split("\n")[0][:70]
            self.current = f"[{step.index + 1}/{self.total}] line {step.line} {step.type.value}: {what}"
            self.detail = ""
        elif event == "waiting":
            self.detail = f"waiting: {data['state']}"
        elif event == "wait":
            w = data["wait"]
            self.detail = f"waiting for {w.kind.lower()}/{w.name} to be {w.condition}"
        elif event == "done":
            r = data["result"]
            mark = {"passed": "[green]ok[/]", "failed": "[red]FAIL[/]", "error": "[red]ERROR[/]", "skipped": "[yellow]skip[/]"}[
                r.status
            ]
            self._console.print(f"{mark} line {r.line} {r.type} {r.id} [dim]{r.seconds:.1f}s[/]")
        elif event == "lease":
            self.current, self.detail = "taking the lease of this lesson and user", ""
        elif event == "notice":
            self.detail = data["message"][:100]
        elif event == "sweep":
            self.current, self.detail = "sweeping leftovers of earlier runs", ""
        elif event == "cleanup":
            self.current, self.detail = "cleaning up", ""
        elif event == "interrupted":
            self.current, self.detail = "interrupted: cleaning up", ""
        self._status.update(self._text())

    def notice(self, message: str) -> None:
        line = f"{self.label}: {message}"
        if self.enabled:
            self._console.print(line, markup=False, highlight=False)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
