"""Execute a plan against a real cluster, the way a careful participant would, and leave nothing behind.

One run: a working directory where every named file exists (manifests carry
our labels, so objects the tutorial's own `kubectl create -f` makes are
labelled too); a sweep of leftovers of earlier runs of the same lesson and
user; each action in order with watches and deadlines; evidence collected when
a step fails (object status, events, logs: Chainsaw's `catch`); cleanup on
success, failure, Ctrl-C/SIGTERM or an exception.
"""

from __future__ import annotations

import dataclasses
import re
import resource as _resource
import shlex
import socket
import time
import uuid
from pathlib import Path
from typing import Any

from checks.registry import Registry
from runner.core.errors import TutorialError
from runner.core.results import ERROR, FAILED, PASSED, SKIPPED
from runner.effects import Effects
from runner.effects.io import VAR
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError
from runner.kube.labels import LESSON_LABEL, USER_LABEL, run_labels
from runner.kube.probe import ClusterProbe
from runner.lesson.model import Step, StepType
from runner.lesson.secrets import redactor_for
from runner.plan.build import Action, Plan
from runner.plan.operation import Operation
from runner.plan.profile import Profile
from runner.run.blocked import Blocked
from runner.run.cleanup import Cleaner
from runner.run.lease import RunLease
from runner.run.operations import OperationContext, ProgressFn, StepFailed, operations_for
from runner.run.operations.check import not_run
from runner.run.operations.evidence import evidence_of_failure
from runner.run.operations.wait import wait_for_object
from runner.run.others import held_by_another
from runner.run.request import RunRequest
from runner.run.result import CheckOutcome, CleanupRecord, RunReport, StepResult
from runner.run.session import ShellSession
from runner.run.signals import Cancel, Interrupted, interrupts_ignored, interrupts_raise
from runner.run.workspace import Workspace
from runner.syntax import bash


def _noop(event: str, data: dict[str, Any]) -> None:
    pass


class Runner:
    """One run of a plan: the loop over its actions, the lease, the verdict of each step and of the run.

    What a step does is its operation's (`runner/run/operations`, chosen by
    `Action.do`); the runner decides whether it runs at all (an earlier step
    failed, or made nothing a later one needs), turns what the operation did
    or raised into the step's result, and cleans up whatever happened.
    """

    def __init__(
        self,
        plan: Plan,
        cluster: Cluster,
        request: RunRequest,
        workdir: Path,
        profile: Profile | None = None,
        progress: ProgressFn = _noop,
        registry: Registry | None = None,
        cancel: Cancel | None = None,
        kubectl_dir: str | None = None,
    ) -> None:
        self.plan = plan
        self.cluster = cluster
        self.request = request
        self.user = request.user
        self.progress = progress
        self.cancel = Cancel(parent=cancel)  # its own: a lost lease stops this run only, not the others of `run --all`
        self.lesson = plan.lesson
        self.effects = plan.effects or Effects(plan.lesson)
        self.run_id = uuid.uuid4().hex[:8]
        self.labels = run_labels(self.lesson.meta.id, request.user, self.run_id)
        self.lease = RunLease(
            cluster,
            self.labels[LESSON_LABEL],
            request.user,
            self.run_id,
            notice=lambda message: self.progress("notice", {"message": message}),
            cancel=self.cancel,
        )
        self.cleaner = Cleaner(cluster)
        # a control-plane restart is waited for (runner.kube.outage), and said on one line when it starts and ends
        cluster.outage.listeners.append(lambda line: self.progress("notice", {"message": line}))
        self.workdir = workdir
        self.workspace = Workspace(workdir, self.labels, request.user, profile, namespace=cluster.namespace)
        self.probe = ClusterProbe(
            cluster,
            labels=self.labels,
            inspector_image=(profile.image_for("busybox") if profile else None) or "busybox",
            simulated_gpu=bool(profile and profile.gpu_simulated),
        )
        # one model for every output of the run: the profile's secrets, the lesson's own, secret-looking --set values
        self.redact = redactor_for(
            self.lesson,
            {**(profile.values if profile else {}), **request.sets},
            known=(profile.values.get(key, "") for key in profile.secrets) if profile else (),
        )
        self.simulated: list[str] = []  # what the checks' results stood in for (a simulated GPU)
        self.blocked = Blocked(self.lesson.steps, plan.actions)
        self.ctx = OperationContext(
            cluster,
            self.workspace,
            self.probe,
            self.redact,
            self.cancel,
            self.cleaner,
            self.lease,
            request,
            progress,
        )
        # the reader's terminal: variables, functions, aliases and folder kept between the tutorial's commands
        self.session = ShellSession.for_run(workdir, request.user, self.effects, request.sets)
        self.operations = operations_for(self.ctx, self.lesson, self.effects, self.session, registry, kubectl_dir)

    # ----------------------------------------------------------------- the run
    def run(self) -> RunReport:
        """The run under its lease (one run per lesson and user at a time), released whatever happens."""
        try:
            return self._run()
        finally:
            with interrupts_ignored():  # a late Ctrl-C must not leave the lease to expire
                self.lease.release()
                self.session.close()

    def _run(self) -> RunReport:
        started = time.monotonic()
        cpu0 = _cpu()
        steps: list[StepResult] = []
        checks: list[CheckOutcome] = []
        cleanup: list[CleanupRecord] = []
        swept: list[CleanupRecord] = []
        failed = False
        interrupted = False
        try:
            with interrupts_raise(self.cancel):
                self.progress("plan", {"steps": len(self.plan.actions)})
                self.progress("lease", {})
                self.lease.acquire(wait=self.request.wait, wait_timeout=self.request.wait_timeout)
                self.lease.keep_renewed(on_lost=lambda reason: self.cancel.set(f"lost its lease: {reason}"))
                self.progress("sweep", {})
                # we hold the lease: what carries this lesson's and user's labels belongs to runs that released theirs or died
                swept = self.cleaner.sweep({LESSON_LABEL: self.labels[LESSON_LABEL], USER_LABEL: self.user})
                dead = self.lease.inherited  # a killed run's command may have made objects it never labelled
                if dead is not None:
                    swept += self.cleaner.sweep_named(dead.objects, dead.since, dead.run_id)
                self.workspace.write_files(self.plan)
                deferred = dict(self.plan.deferred)  # step index -> files inside the folder that step makes
                for action in self.plan.actions:
                    self.cancel.raise_if_set()
                    for index in sorted(i for i in deferred if i < action.step.index):
                        for name in deferred.pop(index):  # its folder's step (`mkdir kata4`) has had its turn
                            self.workspace.write_file(self.plan, name)
                    if failed and not self.request.keep_going:
                        steps.append(self._skipped(action, "an earlier step failed"))
                        if action.step.type is StepType.CHECK:
                            checks.append(self._not_run(action.step, SKIPPED, "an earlier step failed"))
                        continue
                    blocked = self.blocked.why(action)
                    if blocked:  # --keep-going: what needs what a failed step was to make cannot pass either
                        self.blocked.skipped(action.step, blocked)
                        steps.append(self._skipped(action, blocked))
                        if action.step.type is StepType.CHECK:
                            checks.append(self._not_run(action.step, SKIPPED, blocked))
                        continue
                    empty = self._left_empty(action) or self._unresolved_host(action) or self._another_runs(action)
                    if empty:  # `export POD=$(kubectl get pods -o name …)` printed nothing: the command cannot do its part
                        self.blocked.skipped(action.step, empty)
                        steps.append(self._skipped(action, empty))
                        continue
                    shown = self._shown(action.step)
                    self.progress("step", {"step": shown, "action": action})
                    result, outcome = self._do(action)
                    result = dataclasses.replace(result, id=shown.id)  # an id is made of the step's words
                    steps.append(result)
                    if outcome is not None:
                        checks.append(outcome)
                    self.progress("done", {"step": shown, "result": result})
                    if result.status in (FAILED, ERROR) and action.step.type is not StepType.CHECK:
                        failed = True  # a failed check is reported, but later steps can still run
                        self.blocked.failed(action.step, _short(result.message, action.step.location))
                self.cancel.raise_if_set()  # a Ctrl-C whose raise a finalizer swallowed during the last step
        except Interrupted as exc:
            if self.lease.lost:  # not the user's Ctrl-C: another run may now sweep ours, so stop and say why
                failed = True
                steps.append(StepResult(-1, 0, self.lesson.path, "run", "run", ERROR, 0.0, f"the run stopped: {exc}"))
            else:
                interrupted = True
                self.progress("interrupted", {})
        except ClusterError as exc:
            failed = True
            steps.append(StepResult(-1, 0, self.lesson.path, "run", "run", ERROR, 0.0, str(exc)))
            if exc.exit_code == 3:
                self._finish_cleanup(cleanup, failed=True)
                raise
        any_failed = failed or interrupted or any(s.status in (FAILED, ERROR) for s in steps)
        self._finish_cleanup(cleanup, any_failed)
        strict_fail = self.request.strict and any(s.counts_as_skip for s in steps)
        status = "interrupted" if interrupted else (FAILED if any_failed or strict_fail else PASSED)
        if any(r.outcome == "failed" for r in cleanup):
            status = FAILED
        kept = None
        if self._keeping(any_failed):
            lesson = shlex.quote(self.request.lesson)  # as the user named it: an id, or a path
            kept = f"tutorial clean {lesson} --user {self.user} -n {self.cluster.namespace} -y"
        return RunReport(
            lesson=self.lesson.meta.id,
            title=self.lesson.meta.title,
            path=self.lesson.path,
            user=self.user,
            namespace=self.cluster.namespace,
            run_id=self.run_id,
            status=status,
            seconds=time.monotonic() - started,
            steps=tuple(steps),
            checks=tuple(checks),
            cleanup=tuple(cleanup),
            swept=tuple(swept),
            simulated=tuple(dict.fromkeys(self.simulated + self.workspace.simulated)),
            kept_hint=kept,
            workdir=str(self.workdir),
            cpu_seconds=_cpu() - cpu0,
            outages=self.cluster.outage.outages,
            outage_seconds=self.cluster.outage.waited,
        )

    def _left_empty(self, action: Action) -> str | None:
        """A variable this command needs that an earlier command set from `$(…)` and left empty, as the terminal has it now."""
        if action.do is not Operation.COMMAND:
            return None
        computed = [d for d in action.needs if d.need.kind == VAR and self._computed(d.need.name, d.producers[-1])]
        if not computed:
            return None
        empty = self.session.empty(d.need.name for d in computed)
        for d in computed:
            if d.need.name in empty:
                line = self.lesson.steps[d.producers[-1]].line
                return f"depends on ${d.need.name}, which the step at line {line} left empty (its command printed nothing)"
        return None

    def _another_runs(self, action: Action) -> str | None:
        """An object this step would create or delete that another run made (two tutorials making one namespace)."""
        if action.do not in (Operation.COMMAND, Operation.APPLY):
            return None
        return held_by_another(self.cluster, self.effects, action.step, self.run_id)

    def _unresolved_host(self, action: Action) -> str | None:
        """`curl http://${NODE_NAME}:${NODE_PORT}`: a host known only now, through the terminal's variables, that does not resolve."""
        if action.do is not Operation.COMMAND or "$" not in (action.command or ""):
            return None
        hosts = [h for h in _URL_HOSTS.findall(action.command or "") if "$" in h]
        for written, host in self.session.expand(hosts).items():
            try:
                socket.getaddrinfo(host, None)
            except (OSError, UnicodeError):
                return f"needs {host} (the value of {written}), which does not resolve from here"
        return None

    def _computed(self, name: str, producer: int) -> bool:
        """Did that step set `name` from a command's output (`X=$(…)`), which is expected to give a value?"""
        command = self.lesson.steps[producer].command or ""
        return any(n == name and ("$(" in v or "`" in v) for c in bash.parse(command).commands for n, v in c.assignments)

    def _shown(self, step: Step) -> Step:
        """The step as the progress line and the report may show it: its id (made of its words), command and text redacted."""
        return dataclasses.replace(
            step, id=self.redact.text(step.id), command=self.redact(step.command), text=self.redact.text(step.text)
        )

    def _keeping(self, failed: bool) -> bool:
        return self.request.keep or (self.request.keep_on_failure and failed)

    def _finish_cleanup(self, cleanup: list[CleanupRecord], failed: bool) -> None:
        """Delete what the run made (or, keeping, say what really is still there); forbidden/unreachable: exit 3."""
        if self._keeping(failed):
            # only what exists now: the lesson itself may have deleted what it made
            cleanup.extend(CleanupRecord(str(r), "kept") for r in self.cleaner.still_there(self.labels))
            return
        self.progress("cleanup", {})
        with interrupts_ignored():  # a second Ctrl-C must not stop the cleanup
            cleanup.extend(self.cleaner.clean(self.labels))
        if self.cleaner.errors:
            raise self.cleaner.errors[0]  # the cluster refused or went away: not a failure of the lesson

    # ------------------------------------------------------------- one step
    def _skipped(self, action: Action, reason: str) -> StepResult:
        return StepResult.of(self._shown(action.step), SKIPPED, 0.0, self.redact.text(reason))

    def _not_run(self, step: Step, status: str, summary: str) -> CheckOutcome:
        return not_run(step, self.lesson, self.redact, status, summary)

    def _do(self, action: Action) -> tuple[StepResult, CheckOutcome | None]:
        """Perform one action (its operation, then its waits) and judge it: the step's result, and a check's outcome."""
        step = action.step
        t0 = time.monotonic()
        if action.do is Operation.SKIP:
            return (
                StepResult.of(step, SKIPPED, 0.0, self.redact.text(action.reason or ""), counts_as_skip=action.requirement_skip),
                self._not_run(step, SKIPPED, action.reason or "") if step.type is StepType.CHECK else None,
            )
        command = self.redact(action.command)
        if action.do is Operation.FAIL:  # the block cannot be used as written: it fails here, not before
            at = f"{step.path}:{step.error_line or step.line}"
            return StepResult.of(step, FAILED, 0.0, self.redact.text(f"{at}: {action.reason}")), (
                self._not_run(step, FAILED, action.reason or "") if step.type is StepType.CHECK else None
            )
        try:
            operation = self.operations.get(action.do)
            if operation is None:
                raise TutorialError(f"unknown action {action.do}")
            done = operation.perform(action)
            for wait in action.waits if done.status != SKIPPED else ():  # what the step made, in the state the plan asks
                wait_for_object(step, wait, self.ctx)  # (a check has none; a step that did not run made nothing)
            if done.check is not None and done.check.simulated:
                self.simulated.append(done.check.simulated)
            seconds = time.monotonic() - t0
            return StepResult.of(step, done.status, seconds, done.message, command=command, evidence=done.evidence), done.check
        except StepFailed as exc:
            ev = exc.evidence + tuple(evidence_of_failure(action, self.ctx, self.effects))
            return StepResult.of(
                step, FAILED, time.monotonic() - t0, self.redact.text(f"{step.location}: {exc}"), command=command, evidence=ev
            ), None
        except ClusterError as exc:
            if exc.exit_code == 3:
                exc.path, exc.line = step.path, step.line  # one line naming the step's file:line
                raise
            ev = tuple(evidence_of_failure(action, self.ctx, self.effects))
            return StepResult.of(
                step, FAILED, time.monotonic() - t0, self.redact.text(f"{step.location}: {exc}"), command=command, evidence=ev
            ), None
        except TutorialError as exc:
            return StepResult.of(step, ERROR, time.monotonic() - t0, self.redact.text(f"{step.location}: {exc.message}")), None


_URL_HOSTS = re.compile(r"\b(?:https?|ftp)://\"?((?:\$\{?\w+\}?|[\w.-])+)")


def _short(message: str, location: str) -> str:
    """A step's failure as another step's skip quotes it: without its `file:line: ` (the line is named already)."""
    return message.removeprefix(f"{location}: ")[:200]


def _cpu() -> float:
    r = _resource.getrusage(_resource.RUSAGE_SELF)
    c = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime
