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
import os
import re
import resource as _resource
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from checks.context import CheckContext, Evaluation, evaluate
from checks.registry import Registry, load_all
from runner.core.errors import TutorialError
from runner.core.results import ERROR, FAILED, PASSED, SKIPPED, Evidence
from runner.effects import Effects, owners
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Conflict, translate
from runner.kube.labels import LESSON_LABEL, USER_LABEL, run_labels
from runner.kube.objects import ObjectRef, create, get, patch_labels, pods_of_job
from runner.kube.probe import ClusterProbe
from runner.kube.wait import WaitFailed, predicate_for, wait_for
from runner.lesson.model import Step, StepType
from runner.lesson.placeholders import PLACEHOLDER, RUNTIME
from runner.lesson.secrets import redactor_for
from runner.plan.build import Action, Plan, Wait
from runner.plan.profile import Profile
from runner.run.cleanup import Cleaner
from runner.run.lease import RunLease
from runner.run.request import RunRequest
from runner.run.result import CheckOutcome, CleanupRecord, RunReport, StepResult
from runner.run.signals import Cancel, Interrupted, interrupts_ignored, interrupts_raise
from runner.run.workspace import Workspace
from runner.syntax.shell import heredoc, plain_file, segments

_HASH = re.compile(r"([a-z0-9][a-z0-9.-]*?)(?:-(<index>|\d+))?-<hash>")

ProgressFn = Callable[[str, dict[str, Any]], None]


def _noop(event: str, data: dict[str, Any]) -> None:
    pass


class Runner:
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
        self.profile = profile
        self.progress = progress
        self.cancel = Cancel(parent=cancel)  # its own: a lost lease stops this run only, not the others of `run --all`
        self.kubectl_dir = kubectl_dir
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
        self.workdir = workdir
        self.workspace = Workspace(workdir, self.labels, request.user, profile)
        self.probe = ClusterProbe(
            cluster,
            labels=self.labels,
            inspector_image=(profile.image_for("busybox") if profile else None) or "busybox",
            simulated_gpu=bool(profile and profile.gpu_simulated),
        )
        self.registry = registry
        # one model for every output of the run: the profile's secrets, the lesson's own, secret-looking --set values
        self.redact = redactor_for(
            self.lesson,
            {**(profile.values if profile else {}), **request.sets},
            known=(profile.values.get(key, "") for key in profile.secrets) if profile else (),
        )
        self.simulated: list[str] = []
        self._pod_session: dict[str, list[str]] = {}
        self._not_made: dict[str, int] = {}  # name -> line of the step whose creation of it failed
        self._missing_files: dict[str, int] = {}  # a file a failed step applied that the tutorial never shows -> line
        self._shown_files = {plain_file(f) for f in plan.files}

    # ----------------------------------------------------------------- the run
    def run(self) -> RunReport:
        """The run under its lease (one run per lesson and user at a time), released whatever happens."""
        try:
            return self._run()
        finally:
            with interrupts_ignored():  # a late Ctrl-C must not leave the lease to expire
                self.lease.release()

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
            with interrupts_raise():
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
                for action in self.plan.actions:
                    self.cancel.raise_if_set()
                    if failed and not self.request.keep_going:
                        steps.append(self._skipped(action, "an earlier step failed"))
                        if action.step.type is StepType.CHECK:
                            checks.append(self._check_outcome(action.step, SKIPPED, "an earlier step failed", ()))
                        continue
                    blocked = self._needs_failed(action.step)
                    if blocked:  # --keep-going: what needs an object whose creation failed cannot pass either
                        steps.append(self._skipped(action, blocked))
                        if action.step.type is StepType.CHECK:
                            checks.append(self._check_outcome(action.step, SKIPPED, blocked, ()))
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
                        self._failed_creations(action.step)
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
        )

    def _failed_creations(self, step: Step) -> None:
        """Remember the objects a failed step was to create: later steps that need them are skipped, naming it.

        A failed `kubectl apply -f FILE` of a file the tutorial never shows made
        objects nobody can name: later steps using FILE, or an object no step
        of the tutorial makes, are skipped as depending on it.
        """
        for e in self.effects.of_step(step):
            if e.creates and not e.generated:
                self._not_made.setdefault(e.name, step.line)
        for c in self.effects.step_calls(step):
            if c.call.verb in ("create", "apply", "replace"):
                for f in c.call.files:
                    if f != "-" and "://" not in f and plain_file(f) not in self._shown_files:
                        self._missing_files.setdefault(plain_file(f), step.line)
        if step.type is StepType.MANIFEST:
            for o in step.objects:
                if o.name:
                    self._not_made.setdefault(o.name, step.line)

    def _needs_failed(self, step: Step) -> str | None:
        """Why `step` cannot pass because an object it needs was never made (its creating step failed), or None."""
        if not self._not_made and not self._missing_files:
            return None
        for c in self.effects.step_calls(step):
            for f in c.call.files:
                if plain_file(f) in self._missing_files:
                    return f"needs {f}, which the step at line {self._missing_files[plain_file(f)]} could not apply"
        if self._missing_files:
            unmade = self._never_made(step)
            if unmade:
                first = min(self._missing_files.values())
                return f"needs {unmade}, which no step makes here (the step at line {first} that could have made it failed)"
        if step.type is StepType.IN_POD and step.pod in self._not_made:
            return f"needs {step.pod}, whose creation failed at line {self._not_made[step.pod]}"
        if step.type is StepType.CHECK:
            for _, value in step.check_args:
                if value in self._not_made:
                    return f"needs {value}, whose creation failed at line {self._not_made[value]}"
        for e in self.effects.of_step(step):
            if e.creates and e.manifest is None and e.action in ("create", "run"):
                self._not_made.pop(e.name, None)  # made anew here
                continue
            if e.creates:
                continue
            for name in owners(e.name):
                if name in self._not_made:
                    return f"needs {name}, whose creation failed at line {self._not_made[name]}"
        return None

    def _never_made(self, step: Step) -> str | None:
        """An object this step uses that no step of the lesson makes (nor exists from before), if any."""
        made = {name for _, name in self.effects.created()}
        names = [step.pod] if step.type is StepType.IN_POD and step.pod else []
        names += [e.name for e in self.effects.of_step(step) if e.action in ("ref", "delete") and e.name != "*"]
        return next((n for n in names if n and not any(o in made for o in owners(n))), None)

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

    # ------------------------------------------------------------- actions
    def _skipped(self, action: Action, reason: str) -> StepResult:
        return StepResult.of(self._shown(action.step), SKIPPED, 0.0, self.redact.text(reason))

    def _do(self, action: Action) -> tuple[StepResult, CheckOutcome | None]:
        step = action.step
        t0 = time.monotonic()
        if action.do == "skip":
            return (
                StepResult.of(step, SKIPPED, 0.0, self.redact.text(action.reason or ""), counts_as_skip=action.requirement_skip),
                self._check_outcome(step, SKIPPED, action.reason or "", ()) if step.type is StepType.CHECK else None,
            )
        command = self.redact(action.command)
        if action.do == "fail":  # the block cannot be used as written: it fails here, not before
            at = f"{step.path}:{step.error_line or step.line}"
            return StepResult.of(step, FAILED, 0.0, self.redact.text(f"{at}: {action.reason}")), (
                self._check_outcome(step, FAILED, action.reason or "", ()) if step.type is StepType.CHECK else None
            )
        try:
            if action.do == "check":
                outcome = self._run_check(step)
                return (
                    StepResult.of(step, outcome.status, time.monotonic() - t0, outcome.summary, evidence=outcome.evidence),
                    outcome,
                )
            evidence, message = self._act(action)
            for wait in action.waits:
                self.progress("wait", {"step": step, "wait": wait})
                self._wait(wait)
            return StepResult.of(step, PASSED, time.monotonic() - t0, message, command=command, evidence=tuple(evidence)), None
        except StepFailed as exc:
            ev = tuple(exc.evidence) + tuple(self._catch(action))
            return StepResult.of(
                step, FAILED, time.monotonic() - t0, self.redact.text(f"{step.location}: {exc}"), command=command, evidence=ev
            ), None
        except ClusterError as exc:
            if exc.exit_code == 3:
                exc.path, exc.line = step.path, step.line  # one line naming the step's file:line
                raise
            ev = tuple(self._catch(action))
            return StepResult.of(
                step, FAILED, time.monotonic() - t0, self.redact.text(f"{step.location}: {exc}"), command=command, evidence=ev
            ), None
        except TutorialError as exc:
            return StepResult.of(step, ERROR, time.monotonic() - t0, self.redact.text(f"{step.location}: {exc.message}")), None

    def _act(self, action: Action) -> tuple[list[Evidence], str]:
        step = action.step
        if action.do == "write":
            return [], f"written as {step.file}"
        if action.do == "file":
            path = self.workspace.path(step.file or "file")
            if step.action == "update":
                with path.open("a") as fh:
                    fh.write(f"updated by tutorial-runner run {self.run_id} at {datetime.now(UTC).isoformat()}\n")
                return [Evidence(f"append to {step.file}", ())], f"updated {step.file}"
            if not path.exists():
                path.write_text(step.text if step.content_line else f"Hello from {self.user}.\n")
            return [], f"wrote {step.file}"
        if action.do == "apply":
            refs = []
            for obj in step.objects:
                body = self.workspace.prepared(obj.body)
                try:
                    ref = create(self.cluster, body)
                except Conflict as exc:
                    raise StepFailed(
                        f"{obj.kind.lower()}/{obj.display_name} already exists and was not created by this run: {exc}"
                    ) from exc
                self.cleaner.track(ref)
                refs.append(ref)
            return [Evidence(f"created {r}", ()) for r in refs], "created " + ", ".join(str(r) for r in refs)
        if action.do == "command":
            return self._command(step, action.command or "")
        if action.do == "exec":
            return self._exec(step, action.command or "")
        raise TutorialError(f"unknown action {action.do}")

    # ------------------------------------------------------------- host commands
    def _command(self, step: Step, command: str) -> tuple[list[Evidence], str]:
        _refuse_unresolved(command)
        command = self._resolve_hashes(self._prepared_heredoc(step, command), step)
        created = self._created_names(step)
        if created:
            self.lease.intend(created)  # if we die before labelling them, the next run still finds them
        started = datetime.now(UTC)
        env = {**os.environ, **self.cluster.kubectl_env()}
        if self.kubectl_dir:
            env["PATH"] = f"{self.kubectl_dir}{os.pathsep}{env.get('PATH', '')}"
        try:
            code, stdout, stderr = self._shell(command, env)
        except (Interrupted, StepFailed):
            with interrupts_ignored():  # interrupted or timed out: what it made so far is ours to clean up
                self._label_created(step, started)
            raise
        evidence = [
            Evidence(
                f"$ {self.redact.text(command)} (exit {code})",
                self.redact.lines(stdout.splitlines()[-30:] + [f"stderr: {line}" for line in stderr.splitlines()[-15:]]),
            )
        ]
        self._label_created(step, started)
        if step.expect_failure:
            if code == 0:
                raise StepFailed("the lesson expects this command to fail, but it succeeded", evidence)
            return evidence, f"failed as expected (exit {code})"
        if code != 0:
            last = (stderr.strip().splitlines() or stdout.strip().splitlines() or [""])[-1]
            raise StepFailed(f"command failed (exit {code}): {self.redact.text(last)}", evidence)
        return evidence, "exit 0"

    def _shell(self, command: str, env: dict[str, str]) -> tuple[int, str, str]:
        """Run `command` with bash (pipefail) in the working directory; stop it on timeout or cancel."""
        timeout = self.request.command_timeout
        proc = subprocess.Popen(
            ["bash", "-c", "set -eo pipefail\n" + command],
            cwd=self.workdir,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    stdout, stderr = proc.communicate(timeout=0.5)
                    return proc.returncode, stdout, stderr
                except subprocess.TimeoutExpired:
                    if self.cancel.is_set():
                        raise Interrupted(self.cancel.reason) from None
                    if time.monotonic() > deadline:
                        raise StepFailed(f"command still running after {timeout:.0f}s") from None
        finally:
            if proc.poll() is None:
                _kill_group(proc)

    def _prepared_heredoc(self, step: Step, command: str) -> str:
        """`kubectl apply -f - <<EOF ... EOF`: the here-document's objects as this run creates them (labelled, images mapped)."""
        manifests = self.effects.heredocs.get(step.index)
        doc = heredoc(command)
        if not manifests or doc is None or command != step.command:
            return command
        body = self.workspace.prepared_yaml_of([m.obj for m in manifests]).rstrip("\n").split("\n")
        lines = command.split("\n")
        return "\n".join(lines[: doc.first_line] + body + [doc.delimiter])

    def _resolve_hashes(self, command: str, step: Step) -> str:
        """`kubectl logs c3-bob-<hash>` -> the newest pod of Job c3-bob; `job2-bob-<index>-<hash>` -> a pod of job2-bob.

        For `logs` the Job is first waited for (its logs are complete then; a
        failed Job's logs are exactly what the reader wants to see); for other
        verbs (`delete pod badjob-bob-<hash>`) any pod of the Job will do.
        """
        wants_logs = any(seg and seg[0] == "kubectl" and "logs" in seg[1:3] for seg in segments(command))

        def sub(m: re.Match[str]) -> str:
            job, index = m.group(1), m.group(2)
            if index and index.isdigit() and get(self.cluster, ObjectRef("Job", f"{job}-{index}", self.cluster.namespace)):
                job, index = f"{job}-{index}", None  # `job-7-<hash>`: a Job named job-7, not index 7 of job
            ref = ObjectRef("Job", job, self.cluster.namespace)
            if wants_logs and get(self.cluster, ref) is not None:
                try:
                    wait_for(
                        self.cluster,
                        ref,
                        predicate_for("Job", "complete", pods_of=lambda: pods_of_job(self.cluster, job)),
                        step.timeout or 300,
                        checkpoint=self.cancel.raise_if_set,
                    )
                except WaitFailed:
                    pass
            pods = pods_of_job(self.cluster, job)
            if index and index.isdigit():
                pods = [p for p in pods if _completion_index(p) == index]
            if not pods:
                raise StepFailed(f"no pod of job/{job} to stand for {m.group(0)}")
            return str(pods[-1]["metadata"]["name"])

        return _HASH.sub(sub, command)

    def _created_names(self, step: Step) -> list[tuple[str, str]]:
        """(kind, name) of every named object the step's command may create."""
        names = [(e.kind, e.name) for e in self.effects.of_step(step) if e.creates and e.kind and e.name and not e.generated]
        return list(dict.fromkeys(names))

    def _label_created(self, step: Step, started: datetime) -> None:
        """Objects the command created or replaced get our labels and are tracked for cleanup."""
        tracked_uids = {r.uid for r in self.cleaner.tracked}
        for kind, name in self._created_names(step):
            ref = ObjectRef(kind, name, self.cluster.namespace)
            obj = get(self.cluster, ref)
            if obj is None:
                continue
            meta = obj.get("metadata") or {}
            created_at = meta.get("creationTimestamp")
            ours = meta.get("uid") in tracked_uids or (meta.get("labels") or {}).get("tutorial-runner.io/run") == self.run_id
            fresh = created_at and _parse_time(created_at).timestamp() >= started.timestamp() - 2
            if not (ours or fresh):
                continue  # an object this run did not make: never label (and so never delete) it
            if (meta.get("labels") or {}).get("tutorial-runner.io/run") != self.run_id:
                patch_labels(self.cluster, ref, self.labels)
            self.cleaner.track(ObjectRef(kind, name, self.cluster.namespace, ref.version, meta.get("uid")))

    # ------------------------------------------------------------- in-pod commands
    def _exec(self, step: Step, command: str) -> tuple[list[Evidence], str]:
        _refuse_unresolved(command)
        target = step.pod or ""
        pod = self.probe.running_pod(target, step.timeout or 180)
        # `cd`, `export`, `source` typed earlier in the same pod still hold, as in a terminal
        session = self._pod_session.setdefault(target, [])
        script = " && ".join(session + [command]) if session else command
        result = self.probe.exec(pod, script, step.container, timeout=step.timeout or self.request.command_timeout)
        words = command.split()
        if words and words[0] in ("cd", "export", "source", ".") and result.ok:
            session.append(command)
        evidence = [
            Evidence(
                f"$ {self.redact.text(command)} (in pod/{pod}, exit {result.exit_code})",
                self.redact.lines(
                    result.stdout.splitlines()[-30:] + [f"stderr: {line}" for line in result.stderr.splitlines()[-15:]]
                ),
            )
        ]
        if step.expect_failure:
            if result.ok:
                raise StepFailed("the lesson expects this command to fail, but it succeeded", evidence)
            return evidence, f"failed as expected (exit {result.exit_code})"
        if not result.ok:
            last = (result.stderr.strip().splitlines() or result.stdout.strip().splitlines() or [""])[-1]
            raise StepFailed(f"command failed in pod/{pod} (exit {result.exit_code}): {self.redact.text(last)}", evidence)
        return evidence, f"exit 0 in pod/{pod}"

    # ------------------------------------------------------------- waits, evidence
    def _wait(self, wait: Wait) -> None:
        ref = ObjectRef(wait.kind, wait.name, self.cluster.namespace)
        try:
            wait_for(
                self.cluster,
                ref,
                predicate_for(wait.kind, wait.condition, pods_of=lambda: pods_of_job(self.cluster, wait.name)),
                wait.timeout,
                progress=lambda state: self.progress("waiting", {"state": state}),
                checkpoint=self.cancel.raise_if_set,
            )
        except ClusterError as exc:
            if exc.exit_code == 3:
                raise
            raise StepFailed(f"waiting for {ref} to be {wait.condition}: {exc}") from exc

    def _catch(self, action: Action) -> list[Evidence]:
        """On failure: the status, recent events and logs of the objects the step touched."""
        names: list[tuple[str, str]] = [(w.kind, w.name) for w in action.waits]
        if action.step.type is StepType.MANIFEST:
            names += [(o.kind, o.name) for o in action.step.objects if o.name]
        if action.step.type is StepType.IN_POD and action.step.pod:
            names.append(("Pod", action.step.pod))
        out: list[Evidence] = []
        for kind, name in dict.fromkeys(names):
            try:
                out.extend(self._evidence_of(kind, name))
            except ClusterError:
                continue
        return out

    def _evidence_of(self, kind: str, name: str) -> Iterator[Evidence]:
        obj = get(self.cluster, ObjectRef(kind, name, self.cluster.namespace))
        if obj is None:
            yield Evidence(f"{kind.lower()}/{name}", ("does not exist",))
            return
        status = obj.get("status") or {}
        yield Evidence(
            f"{kind.lower()}/{name} status", self.redact.lines(yaml.safe_dump(status, sort_keys=False).splitlines()[:25])
        )
        try:
            events = self.cluster.core.list_namespaced_event(
                self.cluster.namespace, field_selector=f"involvedObject.name={name}"
            ).items
        except Exception as exc:
            raise translate(exc, "reading events") from exc
        lines = [
            f"{e.type} {e.reason}: {e.message}"
            for e in sorted(events, key=lambda e: str(e.last_timestamp or e.event_time or ""))[-10:]
        ]
        if lines:
            yield Evidence(f"events of {kind.lower()}/{name}", self.redact.lines(lines))
        pods = (
            [name]
            if kind == "Pod"
            else [p["metadata"]["name"] for p in pods_of_job(self.cluster, name)][-2:]
            if kind == "Job"
            else []
        )
        for pod in pods:
            try:
                log = self.probe.logs(pod, tail=20)
            except ClusterError:
                continue
            if log:
                yield Evidence(f"logs of pod/{pod}", self.redact.lines(log.splitlines()[-20:]))

    # ------------------------------------------------------------- checks
    def _run_check(self, step: Step) -> CheckOutcome:
        registry = self.registry or load_all()
        ctx = CheckContext(self.probe, self.user, self.lesson, "run", self.profile, self.workdir, self.labels)
        ev = evaluate(step, ctx, registry, self.redact)
        if ev.result.simulated:
            self.simulated.append(ev.result.simulated)
        return self._outcome(ev)

    def _outcome(self, ev: Evaluation) -> CheckOutcome:
        r = ev.result
        return CheckOutcome(
            ev.step.check or "",
            self.redact.text(ev.step.id),
            ev.step.line,
            r.status,
            ev.points,
            ev.max_points,
            r.summary,
            r.evidence,
            r.hint,
            r.simulated,
            ev.seconds,
        )

    def _check_outcome(self, step: Step, status: str, summary: str, evidence: tuple[Evidence, ...]) -> CheckOutcome:
        """A check that did not run (skipped): no points, out of what it is worth."""
        shown = self.redact.text
        points = self.lesson.points(step)
        return CheckOutcome(step.check or "", shown(step.id), step.line, status, 0.0, points, shown(summary), evidence)


class StepFailed(TutorialError):
    exit_code = 1

    def __init__(self, message: str, evidence: list[Evidence] | tuple[Evidence, ...] = ()):
        super().__init__(message)
        self.evidence = tuple(evidence)


def _refuse_unresolved(command: str) -> None:
    left = [m.group(1) for m in PLACEHOLDER.finditer(command) if m.group(1) not in RUNTIME]
    if left:
        raise TutorialError(f"placeholder <{left[0]}> is not declared, so the command cannot run as written")


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Stop a command and everything it started (its own session), then reap it."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _completion_index(pod: dict[str, Any]) -> str | None:
    meta = pod.get("metadata") or {}
    labels, notes = meta.get("labels") or {}, meta.get("annotations") or {}
    return labels.get("batch.kubernetes.io/job-completion-index") or notes.get("batch.kubernetes.io/job-completion-index")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _cpu() -> float:
    r = _resource.getrusage(_resource.RUSAGE_SELF)
    c = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime
