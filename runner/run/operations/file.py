"""A local file the tutorial writes or updates ("create a file hello.txt", "add a line to it"), in the working directory.

A file the tutorial shows is written before the first step with what it
shows; one it does not show gets a line of its own, so later commands that
read it find something.
"""

from __future__ import annotations

from datetime import UTC, datetime

from runner.core.results import Evidence
from runner.plan.build import Action
from runner.run.operations.base import Done, OperationContext


class WriteFile:
    def __init__(self, ctx: OperationContext) -> None:
        self.ctx = ctx

    def perform(self, action: Action) -> Done:
        step = action.step
        path = self.ctx.workspace.path(step.file or "file")
        if step.action == "update":
            with path.open("a") as fh:
                fh.write(f"updated by tutorial-runner run {self.ctx.run_id} at {datetime.now(UTC).isoformat()}\n")
            return Done(f"updated {step.file}", (Evidence(f"append to {step.file}", ()),))
        if not path.exists():
            path.write_text(step.text if step.content_line else f"Hello from {self.ctx.request.user}.\n")
        return Done(f"wrote {step.file}")
