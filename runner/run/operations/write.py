"""A manifest that a command of the tutorial applies (`kubectl create -f s1.yaml`): written before the first step, checked here.

The working directory already holds it, labelled and with this cluster's
images (`Workspace.write_files`); the command that applies it is its own
step. At the block's own step the API server sees it with a dry run: what it
refuses (a field in the wrong place, a name it does not take) is the
block's defect, reported at the block's line, and the command that applies
the file is then skipped as depending on it, rather than failing for the
same cause. What the dry run cannot judge (no right to create here, a
namespace of its own) is left to the command.
"""

from __future__ import annotations

from runner.effects import Effects
from runner.kube.errors import ClusterError, Invalid
from runner.kube.objects import validate
from runner.plan.build import Action
from runner.run.operations.base import Done, OperationContext, StepFailed


class WriteManifest:
    def __init__(self, ctx: OperationContext, effects: Effects) -> None:
        self.ctx = ctx
        self.effects = effects

    def perform(self, action: Action) -> Done:
        for obj in self.effects.block_objects(action.step):
            if obj.namespace and obj.namespace != self.ctx.cluster.namespace:
                continue  # another namespace: the plan has judged it; only the command may say more
            try:
                validate(self.ctx.cluster, self.ctx.workspace.prepared(obj.body))
            except ClusterError as exc:
                if exc.exit_code == 3:
                    raise
                if isinstance(exc, Invalid) or (exc.status or {}).get("code") == 400:
                    raise StepFailed(f"the API server refuses {obj.kind.lower()}/{obj.display_name} as written: {exc}") from exc
        return Done(f"written as {action.step.file}")
