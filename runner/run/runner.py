"""Execute a plan against a real cluster, the way a careful participant would, and leave nothing behind.

One run: a working directory where every named file exists (manifests carry
our labels, so objects the tutorial's own `kubectl create -f` makes are
labelled too); a sweep of leftovers of earlier runs of the same lesson and
user; each action in order with watches and deadlines; evidence collected when
a step fails (object status, events, logs: Chainsaw's `catch`); cleanup on
success, failure, Ctrl-C/SIGTERM or an exception.
"""

from __future__ import annotations

import copy
import os
import re
import resource as _resource
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from runner.syntax import kubectl
from runner.run.cleanup import Cleaner, LESSON_LABEL, USER_LABEL, run_labels, selector
from runner.core.errors import TutorialError
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, NotFound, translate
from runner.kube.objects import ObjectRef, create, get, patch_labels, pods_of_job
from runner.kube.wait import WaitFailed, predicate_for, wait_for
from runner.lesson.model import Step, StepType
from runner.plan.build import Action, Plan, Wait
from runner.kube.probe import Probe
from runner.plan.profile import Profile
from runner.core.redact import redact, remember
from runner.run.result import CheckOutcome, CleanupRecord, RunReport, StepResult
from runner.core.results import ERROR, FAILED, PASSED, SKIPPED, Evidence
from runner.syntax.shell import segments

_HASH = re.compile(r"([a-z0-9][a-z0-9.-]*?)-<hash>")


class Interrupted(BaseException):
    """SIGINT/SIGTERM during a run: stop, then clean up."""


@dataclass
class RunOptions:
    user: str
    keep: bool = False
    keep_on_failure: bool = False
    strict: bool = False
    keep_going: bool = False
    command_timeout: float = 300.0
    workdir: Path | None = None
    kubectl_dir: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


ProgressFn = Callable[[str, dict[str, Any]], None]


def _noop(event: str, data: dict[str, Any]) -> None:
    pass


class Runner:
    def __init__(self, plan: Plan, cluster: Cluster, options: RunOptions, profile: Profile | None = None,
                 progress: ProgressFn = _noop, registry=None) -> None:
        self.plan = plan
        self.cluster = cluster
        self.opts = options
        self.profile = profile
        self.progress = progress
        self.lesson = plan.lesson
        self.run_id = uuid.uuid4().hex[:8]
        self.labels = run_labels(self.lesson.meta.id, options.user, self.run_id)
        self.cleaner = Cleaner(cluster)
        self.workdir = Path(options.workdir) if options.workdir else Path(tempfile.mkdtemp(prefix=f"tutorial-{self.lesson.meta.id}-{options.user}-"))
        self.probe = Probe(cluster, labels=self.labels,
                           inspector_image=(profile.image_for("busybox") if profile else None) or "busybox",
                           simulated_gpu=bool(profile and profile.gpu_simulated))
        self.registry = registry
        self.simulated: list[str] = []
        self._pod_session: dict[str, list[str]] = {}
        if profile:
            for key in profile.secrets:
                remember(profile.values.get(key, ""))

    # ----------------------------------------------------------------- the run
    def run(self) -> RunReport:
        started = time.monotonic()
        cpu0 = _cpu()
        steps: list[StepResult] = []
        checks: list[CheckOutcome] = []
        cleanup: list[CleanupRecord] = []
        swept: list[CleanupRecord] = []
        failed = False
        interrupted = False
        previous = _install_signal_handlers()
        try:
            self.progress("sweep", {})
            swept = self.cleaner.sweep({LESSON_LABEL: self.labels[LESSON_LABEL], USER_LABEL: self.opts.user})
            self._write_files()
            for action in self.plan.actions:
                if failed and not self.opts.keep_going:
                    steps.append(self._skipped(action, "an earlier step failed"))
                    if action.step.type is StepType.CHECK:
                        checks.append(self._check_outcome(action.step, SKIPPED, "an earlier step failed", ()))
                    continue
                self.progress("step", {"step": action.step, "action": action})
                result, outcome = self._do(action)
                steps.append(result)
                if outcome is not None:
                    checks.append(outcome)
                self.progress("done", {"step": action.step, "result": result})
                if result.status in (FAILED, ERROR) and action.step.type is not StepType.CHECK:
                    failed = True  # a failed check is reported, but later steps can still run
        except Interrupted:
            interrupted = True
            self.progress("interrupted", {})
        except ClusterError as exc:
            failed = True
            steps.append(StepResult(-1, 0, self.lesson.path, "run", "run", ERROR, 0.0, str(exc)))
            if exc.exit_code == 3:
                self._restore(previous)
                self._finish_cleanup(cleanup, failed=True)
                raise
        finally:
            self._restore(previous)
        any_failed = failed or interrupted or any(s.status in (FAILED, ERROR) for s in steps)
        self._finish_cleanup(cleanup, any_failed)
        strict_fail = self.opts.strict and any(s.counts_as_skip for s in steps)
        status = "interrupted" if interrupted else (FAILED if any_failed or strict_fail else PASSED)
        if any(r.outcome == "failed" for r in cleanup):
            status = FAILED
        kept = None
        if self.opts.keep or (self.opts.keep_on_failure and any_failed):
            kept = f"tutorial clean {self.lesson.meta.id} --user {self.opts.user} -n {self.cluster.namespace} -y"
        return RunReport(
            lesson=self.lesson.meta.id, title=self.lesson.meta.title, path=self.lesson.path, user=self.opts.user,
            namespace=self.cluster.namespace, run_id=self.run_id, status=status, seconds=time.monotonic() - started,
            steps=tuple(steps), checks=tuple(checks), cleanup=tuple(cleanup), swept=tuple(swept),
            simulated=tuple(dict.fromkeys(self.simulated)), kept_hint=kept, workdir=str(self.workdir),
            cpu_seconds=_cpu() - cpu0,
        )

    def _finish_cleanup(self, cleanup: list[CleanupRecord], failed: bool) -> None:
        if self.opts.keep or (self.opts.keep_on_failure and failed):
            cleanup.extend(CleanupRecord(str(r), "kept") for r in self.cleaner.tracked)
            return
        self.progress("cleanup", {})
        previous = _install_signal_handlers(ignore=True)  # a second Ctrl-C must not stop the cleanup
        try:
            cleanup.extend(self.cleaner.clean(self.labels))
        finally:
            self._restore(previous)

    @staticmethod
    def _restore(previous: dict[int, Any]) -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    # ------------------------------------------------------------- files
    def _write_files(self) -> None:
        """Every file the tutorial names, manifests with our labels and the cluster's image names."""
        for name, content in self.plan.files.items():
            path = self._path(name)
            step = next((s for s in self.lesson.steps if s.file == name), None)
            if step is not None and step.type is StepType.MANIFEST:
                content = self._prepared_yaml(step)
            elif not content:
                content = f"Hello from {self.opts.user}, written by tutorial-runner for {self.lesson.meta.id}.\n"
            path.write_text(content)

    def _path(self, name: str) -> Path:
        path = (self.workdir / name).resolve()
        if self.workdir.resolve() not in path.parents:
            raise TutorialError(f"file name '{name}' leaves the run's working directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _prepared_yaml(self, step: Step) -> str:
        return yaml.safe_dump_all([self._prepared(o.body) for o in step.objects], sort_keys=False)

    def _prepared(self, body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(dict(body))
        meta = body.setdefault("metadata", {})
        meta.setdefault("labels", {}).update(self.labels)
        for template in _templates(body):
            template.setdefault("metadata", {}).setdefault("labels", {}).update(self.labels)
        for spec in _pod_specs(body):
            for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                self._map_image(container)
        return body

    def _map_image(self, container: dict[str, Any]) -> None:
        if not self.profile or "image" not in container:
            return
        mapped = self.profile.image_for(str(container["image"]))
        if mapped and mapped != container["image"]:
            container["image"] = mapped
        if self.profile.pull_policy:
            container["imagePullPolicy"] = self.profile.pull_policy
        if "nvidia" in str(container.get("image", "")) and self.profile.gpu_simulated:
            self.simulated.append("GPU: a stand-in node resource and nvidia-smi (local profile)")
        res = container.get("resources") or {}
        if self.profile.gpu_simulated and any("nvidia.com/gpu" in (res.get(k) or {}) for k in ("limits", "requests")):
            self.simulated.append("GPU: a stand-in node resource and nvidia-smi (local profile)")

    # ------------------------------------------------------------- actions
    def _skipped(self, action: Action, reason: str) -> StepResult:
        s = action.step
        return StepResult(s.index, s.line, s.path, s.id, s.type.value, SKIPPED, 0.0, reason)

    def _do(self, action: Action) -> tuple[StepResult, CheckOutcome | None]:
        step = action.step
        t0 = time.monotonic()
        if action.do == "skip":
            return (StepResult(step.index, step.line, step.path, step.id, step.type.value, SKIPPED, 0.0,
                               action.reason or "", counts_as_skip=action.requirement_skip),
                    self._check_outcome(step, SKIPPED, action.reason or "", ()) if step.type is StepType.CHECK else None)
        try:
            if action.do == "check":
                outcome = self._run_check(step)
                status = outcome.status if outcome.status != SKIPPED else SKIPPED
                return (StepResult(step.index, step.line, step.path, step.id, "check", status, time.monotonic() - t0,
                                   outcome.summary, evidence=outcome.evidence), outcome)
            evidence, message = self._act(action)
            for wait in action.waits:
                self.progress("wait", {"step": step, "wait": wait})
                self._wait(wait)
            return StepResult(step.index, step.line, step.path, step.id, step.type.value, PASSED,
                              time.monotonic() - t0, message, action.command and redact(action.command), tuple(evidence)), None
        except StepFailed as exc:
            ev = tuple(exc.evidence) + tuple(self._catch(action))
            return StepResult(step.index, step.line, step.path, step.id, step.type.value, FAILED, time.monotonic() - t0,
                              redact(f"{step.location}: {exc}"), action.command and redact(action.command), ev), None
        except ClusterError as exc:
            if exc.exit_code == 3:
                exc.path, exc.line = step.path, step.line  # one line naming the step's file:line
                raise
            ev = tuple(self._catch(action))
            return StepResult(step.index, step.line, step.path, step.id, step.type.value, FAILED, time.monotonic() - t0,
                              redact(f"{step.location}: {exc}"), action.command and redact(action.command), ev), None
        except TutorialError as exc:
            return StepResult(step.index, step.line, step.path, step.id, step.type.value, ERROR, time.monotonic() - t0,
                              redact(f"{step.location}: {exc.message}")), None

    def _act(self, action: Action) -> tuple[list[Evidence], str]:
        step = action.step
        if action.do == "write":
            return [], f"written as {step.file}"
        if action.do == "file":
            path = self._path(step.file or "file")
            if step.action == "update":
                with path.open("a") as fh:
                    fh.write(f"updated by tutorial-runner run {self.run_id} at {datetime.now(timezone.utc).isoformat()}\n")
                return [Evidence(f"append to {step.file}", ())], f"updated {step.file}"
            if not path.exists():
                path.write_text(step.text if step.content_line else f"Hello from {self.opts.user}.\n")
            return [], f"wrote {step.file}"
        if action.do == "apply":
            refs = []
            for obj in step.objects:
                body = self._prepared(obj.body)
                try:
                    ref = create(self.cluster, body)
                except ClusterError as exc:
                    if exc.__class__.__name__ == "Conflict":
                        raise StepFailed(f"{obj.kind.lower()}/{obj.display_name} already exists and was not created by this run: {exc}") from exc
                    raise
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
        command = self._resolve_hashes(command, step)
        started = datetime.now(timezone.utc)
        env = {**os.environ, **self.cluster.kubectl_env(), **self.opts.extra_env}
        if self.opts.kubectl_dir:
            env["PATH"] = f"{self.opts.kubectl_dir}{os.pathsep}{env.get('PATH', '')}"
        try:
            proc = subprocess.run(["bash", "-c", "set -eo pipefail\n" + command], cwd=self.workdir, env=env,
                                  capture_output=True, text=True, timeout=self.opts.command_timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"command still running after {self.opts.command_timeout:.0f}s") from None
        evidence = [Evidence(f"$ {redact(command)} (exit {proc.returncode})",
                             tuple(redact(l) for l in (proc.stdout.splitlines()[-30:] + [f"stderr: {l}" for l in proc.stderr.splitlines()[-15:]])))]
        self._label_created(command, started)
        if step.expect_failure:
            if proc.returncode == 0:
                raise StepFailed("the lesson expects this command to fail, but it succeeded", evidence)
            return evidence, f"failed as expected (exit {proc.returncode})"
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or [""])[-1]
            raise StepFailed(f"command failed (exit {proc.returncode}): {redact(last)}", evidence)
        return evidence, f"exit 0"

    def _resolve_hashes(self, command: str, step: Step) -> str:
        """`kubectl logs c3-bob-<hash>` -> the newest pod of Job c3-bob, once the Job has finished."""
        def sub(m: re.Match) -> str:
            job = m.group(1)
            if get(self.cluster, ObjectRef("Job", job, self.cluster.namespace)) is not None:
                try:
                    wait_for(self.cluster, ObjectRef("Job", job, self.cluster.namespace), predicate_for("Job", "complete"),
                             step.timeout or 300)
                except WaitFailed:
                    pass  # the logs of a failed Job are exactly what the reader wants to see
            pods = pods_of_job(self.cluster, job)
            if not pods:
                raise StepFailed(f"no pod of job/{job} to stand for {m.group(0)}")
            return pods[-1]["metadata"]["name"]
        return _HASH.sub(sub, command)

    def _label_created(self, command: str, started: datetime) -> None:
        """Objects the command created or replaced get our labels and are tracked for cleanup."""
        tracked_uids = {r.uid for r in self.cleaner.tracked}
        for seg in segments(command):
            call = kubectl.parse(seg)
            if call is None or call.verb not in ("create", "apply", "replace", "run", "expose"):
                continue
            refs: list[tuple[str, str]] = []
            if call.creates:
                refs.append(call.creates)
            for f in call.files:
                step = next((s for s in self.lesson.steps if s.file == f and s.type is StepType.MANIFEST), None)
                if step is not None:
                    refs.extend((o.kind, o.name) for o in step.objects if o.name)
            for kind, name in refs:
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
        result = self.probe.exec(pod, script, step.container, timeout=step.timeout or self.opts.command_timeout)
        words = command.split()
        if words and words[0] in ("cd", "export", "source", ".") and result.ok:
            session.append(command)
        evidence = [Evidence(f"$ {redact(command)} (in pod/{pod}, exit {result.exit_code})",
                             tuple(redact(l) for l in result.stdout.splitlines()[-30:] + [f"stderr: {l}" for l in result.stderr.splitlines()[-15:]]))]
        if step.expect_failure:
            if result.ok:
                raise StepFailed("the lesson expects this command to fail, but it succeeded", evidence)
            return evidence, f"failed as expected (exit {result.exit_code})"
        if not result.ok:
            last = (result.stderr.strip().splitlines() or result.stdout.strip().splitlines() or [""])[-1]
            raise StepFailed(f"command failed in pod/{pod} (exit {result.exit_code}): {redact(last)}", evidence)
        return evidence, f"exit 0 in pod/{pod}"

    # ------------------------------------------------------------- waits, evidence
    def _wait(self, wait: Wait) -> None:
        ref = ObjectRef(wait.kind, wait.name, self.cluster.namespace)
        try:
            wait_for(self.cluster, ref, predicate_for(wait.kind, wait.condition), wait.timeout,
                     progress=lambda state: self.progress("waiting", {"state": state}))
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
        yield Evidence(f"{kind.lower()}/{name} status", tuple(redact(l) for l in yaml.safe_dump(status, sort_keys=False).splitlines()[:25]))
        try:
            events = self.cluster.core.list_namespaced_event(self.cluster.namespace, field_selector=f"involvedObject.name={name}").items
        except Exception as exc:
            raise translate(exc, "reading events") from exc
        lines = [f"{e.type} {e.reason}: {e.message}" for e in sorted(events, key=lambda e: str(e.last_timestamp or e.event_time or ""))[-10:]]
        if lines:
            yield Evidence(f"events of {kind.lower()}/{name}", tuple(redact(l) for l in lines))
        pods = [name] if kind == "Pod" else [p["metadata"]["name"] for p in pods_of_job(self.cluster, name)][-2:] if kind == "Job" else []
        for pod in pods:
            try:
                log = self.probe.logs(pod, tail=20)
            except ClusterError:
                continue
            if log:
                yield Evidence(f"logs of pod/{pod}", tuple(redact(l) for l in log.splitlines()[-20:]))

    # ------------------------------------------------------------- checks
    def _run_check(self, step: Step) -> CheckOutcome:
        from checks.registry import REGISTRY, load_all

        registry = self.registry or load_all() or REGISTRY
        fn = registry.get(step.check or "")
        if fn is None:
            return self._check_outcome(step, ERROR, f"unknown check '{step.check}' (known: {', '.join(registry.names())})", ())
        args = dict(step.check_args)
        t0 = time.monotonic()
        try:
            result = fn(probe=self.probe, cluster=self.cluster, namespace=self.cluster.namespace, user=self.opts.user,
                        args=args, lesson=self.lesson, mode="run", profile=self.profile, workdir=self.workdir,
                        labels=self.labels)
        except ClusterError as exc:
            if exc.exit_code == 3:
                raise
            return self._check_outcome(step, ERROR, redact(str(exc)) or "", (), seconds=time.monotonic() - t0)
        except Exception as exc:  # a check's bug is its error, not the run's crash
            return self._check_outcome(step, ERROR, f"check crashed: {type(exc).__name__}: {redact(str(exc))}", (), seconds=time.monotonic() - t0)
        if result.simulated:
            self.simulated.append(result.simulated)
        ev = tuple(Evidence(e.source, tuple(redact(l) or "" for l in e.lines)) for e in result.evidence)
        return self._check_outcome(step, result.status, redact(result.summary) or "", ev, result.hint, result.simulated, time.monotonic() - t0)

    def _check_outcome(self, step: Step, status: str, summary: str, evidence, hint: str | None = None,
                       simulated: str | None = None, seconds: float = 0.0) -> CheckOutcome:
        points = {r.check: r.points for r in self.lesson.meta.rubric}
        max_points = points.get(step.id, points.get(step.check or "", 0.0))
        return CheckOutcome(step.check or "", step.id, step.line, status, max_points if status == PASSED else 0.0,
                            max_points, summary, tuple(evidence), hint, simulated, seconds)


class StepFailed(TutorialError):
    exit_code = 1

    def __init__(self, message: str, evidence: list[Evidence] | tuple[Evidence, ...] = ()):
        super().__init__(message)
        self.evidence = tuple(evidence)


def _refuse_unresolved(command: str) -> None:
    from runner.lesson.placeholders import PLACEHOLDER, RUNTIME
    left = [m.group(1) for m in PLACEHOLDER.finditer(command) if m.group(1) not in RUNTIME]
    if left:
        raise TutorialError(f"placeholder <{left[0]}> is not declared, so the command cannot run as written")


def _templates(body: dict[str, Any]) -> list[dict[str, Any]]:
    spec = body.get("spec") or {}
    if body.get("kind") in ("Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet") and isinstance(spec.get("template"), dict):
        return [spec["template"]]
    if body.get("kind") == "CronJob":
        jt = (spec.get("jobTemplate") or {}).get("spec") or {}
        if isinstance(jt.get("template"), dict):
            return [jt["template"]]
    return []


def _pod_specs(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body.get("kind") == "Pod":
        return [body.setdefault("spec", {})]
    return [t.setdefault("spec", {}) for t in _templates(body)]


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def _cpu() -> float:
    r = _resource.getrusage(_resource.RUSAGE_SELF)
    c = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _install_signal_handlers(ignore: bool = False) -> dict[int, Any]:
    """SIGINT/SIGTERM raise Interrupted (or are ignored during cleanup); returns the previous handlers."""
    previous: dict[int, Any] = {}

    def handler(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, signal.SIG_IGN if ignore else handler)
        except ValueError:  # not the main thread (e.g. run --all): the caller handles signals
            pass
    return previous
