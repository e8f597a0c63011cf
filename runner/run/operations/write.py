"""A manifest that a command of the tutorial applies (`kubectl create -f s1.yaml`): written before the first step, checked here.

The working directory already holds it, labelled and with this cluster's
images (`Workspace.write_files`), and this step writes it again as the block
shows it (a file shown twice, changed, has its later version from here on);
the command that applies it is its own step. At the block's own step the API server sees it with a dry run: what it
refuses (a field in the wrong place, a name it does not take) is the
block's defect, reported at the block's line, and the command that applies
the file is then skipped as depending on it, rather than failing for the
same cause. What the dry run cannot judge (no right to create here, a
namespace of its own) is left to the command.
"""

from __future__ import annotations

from runner.effects import Effects
from runner.effects.commands import outside
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
        self._write_this_version(action)
        return Done(f"written as {action.step.file}")

    def _write_this_version(self, action: Action) -> None:
        """The file as this block shows it, now: a page may show a file again, changed ("Modify the pod.yaml file…"),
        or a command may have written over it since the start (`kubectl run … -o yaml > pod.yaml`, then the block of
        pod.yaml as the reader edits it). The reader has this version from here on."""
        name = self.effects.placed(action.step)
        objects = self.effects.block_objects(action.step)
        if not name or not objects or outside(name):
            return
        root = self.ctx.workspace.root.resolve()
        path = (root / name).resolve()
        # only where the file is already at home: a folder a later step makes gets its files then (`Plan.deferred`)
        if root in path.parents and path.parent.is_dir() and not path.is_dir():
            path.write_text(self.ctx.workspace.prepared_yaml_of(objects))
