"""Apply a manifest: create each object of the block, labelled and with this cluster's images, and track it for cleanup.

Create, not apply: an object of that name that this run did not make is a
conflict the step reports, never one the run takes over (and would then
delete).
"""

from __future__ import annotations

from runner.core.results import Evidence
from runner.effects import Effects
from runner.kube.errors import Conflict
from runner.kube.objects import create
from runner.plan.build import Action
from runner.run.operations.base import Done, OperationContext, StepFailed


class ApplyManifest:
    def __init__(self, ctx: OperationContext, effects: Effects) -> None:
        self.ctx = ctx
        self.effects = effects

    def perform(self, action: Action) -> Done:
        refs = []
        for obj in self.effects.block_objects(action.step):
            body = self.ctx.workspace.prepared(obj.body)
            try:
                ref = create(self.ctx.cluster, body)
            except Conflict as exc:
                raise StepFailed(
                    f"{obj.kind.lower()}/{obj.display_name} already exists and was not created by this run: {exc}"
                ) from exc
            self.ctx.cleaner.track(ref)  # only what it created (Chainsaw's apply registers the same way)
            refs.append(ref)
        return Done("created " + ", ".join(str(r) for r in refs), tuple(Evidence(f"created {r}", ()) for r in refs))
