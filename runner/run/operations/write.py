"""A manifest that a command of the tutorial applies (`kubectl create -f s1.yaml`): only written, before the first step.

The working directory already holds it, labelled and with this cluster's
images (`Workspace.write_files`); the command that applies it is its own step.
"""

from __future__ import annotations

from runner.plan.build import Action
from runner.run.operations.base import Done


class WriteManifest:
    def perform(self, action: Action) -> Done:
        return Done(f"written as {action.step.file}")
