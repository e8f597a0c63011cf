"""Run a command in a pod (a step the tutorial types in `kubectl exec -it … -- sh`), once the pod runs.

A terminal in a pod keeps its state: `cd`, `export` and `source` typed in an
earlier step still hold in a later one, so each pod keeps the session lines
that succeeded and every later command there runs after them.
"""

from __future__ import annotations

from dataclasses import replace

from runner.plan.build import Action
from runner.run.operations.base import Done, OperationContext, judge_exit, refuse_unresolved

_SESSION = ("cd", "export", "source", ".")  # commands whose effect a later command in the same pod still sees


class ExecInPod:
    def __init__(self, ctx: OperationContext) -> None:
        self.ctx = ctx
        self.sessions: dict[str, list[str]] = {}  # pod (as the lesson names it) -> the session lines so far

    def perform(self, action: Action) -> Done:
        step, command = action.step, action.command or ""
        refuse_unresolved(command)
        target = step.pod or ""
        probe = self.ctx.probe
        if step.pod_namespace and step.pod_namespace != probe.namespace:  # `kubectl exec -it web -n lab -- sh`
            probe = replace(probe, cluster=replace(probe.cluster, namespace=step.pod_namespace))
        pod = probe.running_pod(target, step.timeout or 180)
        session = self.sessions.setdefault(f"{step.pod_namespace or ''}/{target}", [])
        script = " && ".join(session + [command]) if session else command
        result = probe.exec(pod, script, step.container, timeout=step.timeout or self.ctx.request.command_timeout)
        words = command.split()
        if words and words[0] in _SESSION and result.ok:
            session.append(command)
        return judge_exit(step, self.ctx.redact, command, result.exit_code, result.stdout, result.stderr, pod=pod)
