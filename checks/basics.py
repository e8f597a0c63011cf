"""Checks of the basics lesson (a pod, its logs, exec, describe), and the pod/Job helpers other lessons share.

Everything is found by the names the lesson gives (with the username), so the
same check grades a run of the runner and objects a participant made by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks import spec as P
from checks.registry import Evidence, Missing, check, failed, passed
from runner.kube.errors import ClusterError, NotFound
from runner.syntax.k8s import containers, mapping, pod_spec

# ----------------------------------------------------------------------------- helpers (shared by the lesson checks)


def status_of(obj: dict[str, Any] | None) -> dict[str, Any]:
    return (obj or {}).get("status") or {}


def container_statuses(pod: dict[str, Any], init: bool = False) -> list[dict[str, Any]]:
    return status_of(pod).get("initContainerStatuses" if init else "containerStatuses") or []


def terminated(cs: dict[str, Any]) -> dict[str, Any] | None:
    """The terminated state of a container status (current, else the last one), or None."""
    state = cs.get("state") or {}
    return state.get("terminated") or (cs.get("lastState") or {}).get("terminated")


def container_line(cs: dict[str, Any]) -> str:
    state = cs.get("state") or {}
    for key in ("terminated", "waiting", "running"):
        if key in state and state[key] is not None:
            detail = state[key] or {}
            extra = f" exit {detail.get('exitCode')}" if key == "terminated" else ""
            reason = f" ({detail.get('reason')})" if detail.get("reason") else ""
            return f"container {cs.get('name')}: {key}{extra}{reason}, restarts {cs.get('restartCount', 0)}"
    return f"container {cs.get('name')}: no state yet"


def pod_spec_containers(pod: dict[str, Any], init: bool = False) -> list[Mapping[str, Any]]:
    return containers(mapping(pod.get("spec")), init)


def job_spec_containers(job: dict[str, Any], init: bool = False) -> list[Mapping[str, Any]]:
    """The containers of a Job's (or CronJob's) pod template; an object read from a list has no `kind`: a Job."""
    return containers(pod_spec(job if job.get("kind") else {**job, "kind": "Job"}), init)


def job_state(job: dict[str, Any] | None) -> tuple[str, str]:
    """("complete" | "failed" | "running" | "missing", a one-line description) of a Job."""
    if job is None:
        return "missing", "does not exist"
    st = status_of(job)
    conds = {c.get("type"): c for c in st.get("conditions") or [] if c.get("status") == "True"}
    want = (job.get("spec") or {}).get("completions") or 1
    counts = f"{st.get('succeeded') or 0}/{want} succeeded, {st.get('failed') or 0} failed, {st.get('active') or 0} active"
    if "Failed" in conds:
        c = conds["Failed"]
        return "failed", f"Failed ({c.get('reason', '')}: {c.get('message', '')}); {counts}"
    if "Complete" in conds:
        return "complete", f"Complete; {counts}"
    return "running", f"not finished; {counts}"


def wait_job(probe, name: str, timeout: float = 120) -> tuple[dict[str, Any] | None, str, str]:
    """Wait (a watch with a deadline) until the Job is complete or failed: (job, state, description)."""
    if probe.get("Job", name) is None:
        return None, "missing", "does not exist"
    try:
        probe.wait("Job", name, "complete", timeout)
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable: not the learner's failure
        # failed, or still running at the deadline, or gone: the object read below tells which
    job = probe.get("Job", name)
    state, line = job_state(job)
    return job, state, line


def waited(probe, kind: str, name: str, condition: str, timeout: float) -> dict[str, Any] | None:
    """The object once `condition` holds, else as it is at the deadline (None: it does not exist); an unreachable
    cluster stops the caller."""
    try:
        return probe.wait(kind, name, condition, timeout)
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable or refuses us: not the learner's failure
        return probe.get(kind, name)


def pods_by_age(probe, job: str) -> list[dict[str, Any]]:
    return sorted(
        probe.pods_of_job(job),
        key=lambda p: ((p.get("metadata") or {}).get("creationTimestamp") or "", (p.get("metadata") or {}).get("name", "")),
    )


def logs_of(probe, pod: str, container: str | None = None) -> tuple[str, str | None]:
    """(log text, None) or ("", why the log could not be read)."""
    try:
        return probe.logs(pod, container) or "", None
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable or refuses us: not the learner's failure
        return "", str(exc)


def job_evidence(name: str, line: str) -> Evidence:
    return Evidence(f"kubectl get job {name}", (line,))


def tail(text: str, n: int = 12) -> tuple[str, ...]:
    return tuple(l for l in text.splitlines() if l.strip())[-n:]


def resolve_job(
    probe, args: dict[str, str], *, mode: str = "run", labels: dict[str, str] | None = None
) -> tuple[str | None, Evidence | None, str]:
    """The Job a check is about: `job=NAME`, or the newest Job made from `generate-name=PREFIX`.

    Grade mode finds a participant's generated Jobs by their generateName (or a
    name starting with the prefix); in run mode the run's label narrows it to
    this run's Jobs.
    """
    if args.get("job"):
        return args["job"], None, args["job"]
    prefix = args.get("generate-name")
    if not prefix:
        return None, None, ""
    selector = None
    if mode == "run" and labels:
        selector = ",".join(f"{k}={v}" for k, v in labels.items() if k.endswith("/run")) or None
    jobs = probe.list("Job", selector)
    made = [j for j in jobs if (j.get("metadata") or {}).get("generateName") == prefix]
    if not made:
        made = [j for j in jobs if (j.get("metadata") or {}).get("name", "").startswith(prefix)]
    made.sort(key=lambda j: ((j.get("metadata") or {}).get("creationTimestamp") or "", (j.get("metadata") or {}).get("name", "")))
    names = [(j.get("metadata") or {}).get("name", "") for j in made]
    ev = Evidence(f"kubectl get jobs (generateName {prefix})", tuple(names) or ("no Job with that generateName",))
    return (names[-1] if names else None), ev, f"{prefix}*"


# ----------------------------------------------------------------------------- the basics lesson's checks


@check("pod-running", params=(P.pod("the pod"), P.timeout(60, "the pod to be ready")), reads=("Pod",))
def pod_running(*, probe, args, **_: Any):
    """The pod runs and is ready, with resource requests and limits set on every container."""
    name = args["pod"]
    try:
        pod = probe.wait("Pod", name, "ready", args["timeout"])
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable or refuses us: not the learner's failure
        pod = probe.get("Pod", name)
        if pod is None:
            return failed(
                f"no pod {name}",
                f"create the pod `{name}` (kubectl create -f pod.yaml) and check its name.",
                Evidence(f"kubectl get pod {name}", ("NotFound",)),
            )
        lines = tuple(container_line(cs) for cs in container_statuses(pod))
        return failed(
            f"pod {name} is not ready: {exc}",
            "look at the Events at the end of `kubectl describe pod " + name + "`: they say why it does not start.",
            Evidence(f"kubectl get pod {name}", (f"phase: {status_of(pod).get('phase')}",) + lines),
        )
    st = status_of(pod)
    lines = (
        f"phase: {st.get('phase')}",
        f"node: {(pod.get('spec') or {}).get('nodeName')}",
        f"podIP: {st.get('podIP')}",
    ) + tuple(container_line(cs) for cs in container_statuses(pod))
    ev = Evidence(f"kubectl get pod {name} -o yaml", lines)
    for c in pod_spec_containers(pod):
        res = c.get("resources") or {}
        missing = [k for k in ("requests", "limits") if not res.get(k)]
        if missing:
            return failed(
                f"container {c.get('name')} of pod {name} has no resource {' or '.join(missing)}",
                "a shared cluster needs to know what your pod uses: add `resources: {requests: ..., limits: ...}` "
                "with memory and cpu to the container.",
                ev,
            )
    return passed(f"pod {name} is running on {(pod.get('spec') or {}).get('nodeName')} with requests and limits set", ev)


@check(
    "pod-logs-contain",
    params=(
        P.pod("the pod", required=False),
        P.job("a Job: its newest pod's log is read", required=False),
        P.Param("text", "text", "the text a line of the log contains", required=True),
        P.container("the container whose log is read (default: the pod's only one)"),
    ),
    one_of=(("pod", "job"),),
    reads=("Pod", "Job"),
)
def pod_logs_contain(*, probe, args, **_: Any):
    """The log of a pod (or of the newest pod of a Job) contains the text."""
    name, text = args["pod"] or args["job"], args["text"]
    pod = name
    if args.get("job"):
        pods = pods_by_age(probe, name)
        if not pods:
            return failed(
                f"job {name} has no pods",
                f"create the Job `{name}` and wait until its pod ran.",
                Evidence(f"kubectl get pods -l job-name={name}", ("no pods",)),
            )
        pod = pods[-1]["metadata"]["name"]
    log, why = logs_of(probe, pod, args.get("container"))
    ev = Evidence(f"kubectl logs {pod}", tail(log) or ((why,) if why else ("(empty log)",)))
    if why:
        return failed(f"could not read the log of pod {pod}", f"does the pod `{pod}` exist and has it started? ({why[:160]})", ev)
    hits = [l for l in log.splitlines() if text in l]
    if not hits:
        return failed(
            f"the log of pod {pod} does not contain {text!r}",
            f"the container should print {text!r}: check the `command` of the pod `{name}`.",
            ev,
        )
    return passed(f"the log of pod {pod} says: {hits[-1].strip()[:120]}", Evidence(f"kubectl logs {pod}", tuple(hits[-3:])))


@check(
    "pod-exec-output",
    params=(
        P.pod(),
        P.Param("command", "text", "the command run in the pod with kubectl exec", required=True),
        P.Param("expect", "text", "text its output contains", required=True),
        P.container(),
        P.timeout(60, "the pod to run"),
    ),
    reads=("Pod", "Job"),
)
def pod_exec_output(*, probe, args, **_: Any):
    """A command run inside the pod with `kubectl exec` prints the expected text."""
    name, command, expect = args["pod"], args["command"], args["expect"]
    try:
        target = probe.running_pod(name, args["timeout"])
    except (NotFound, ClusterError) as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable or refuses us: not the learner's failure
        return failed(
            f"no running pod {name}",
            f"`kubectl exec` needs a running pod: is `{name}` running? ({str(exc)[:160]})",
            Evidence(f"kubectl get pod {name}", (str(exc)[:200],)),
        )
    result = probe.exec(target, command, args.get("container"))
    out = result.stdout + result.stderr
    ev = Evidence(f"kubectl exec {target} -- {command} (exit {result.exit_code})", tail(out) or ("(no output)",))
    if not result.ok:
        return failed(
            f"`{command}` failed in pod {target} (exit {result.exit_code})",
            f"run `kubectl exec {target} -- {command}` yourself and read the error.",
            ev,
        )
    if expect not in out:
        return failed(
            f"`{command}` in pod {target} did not print {expect!r}",
            f"`kubectl exec {target} -- {command}` should print {expect!r}.",
            ev,
        )
    return passed(f"`{command}` in pod {target} printed {expect!r}", ev)


@check(
    "deployment-ready",
    params=(
        P.Param("deployment", "object", "the Deployment", required=True, kind="Deployment"),
        P.Param("replicas", "int", "how many replicas must be available (default: its spec.replicas)"),
        P.Param("image", "text", "the image its pods must run (after a rollout: the new one)"),
        P.timeout(120, "the rollout to finish"),
    ),
    reads=("Deployment",),
    points=2,
)
def deployment_ready(*, probe, args, **_: Any):
    """The Deployment rolled out: its replicas are available and up to date (with the image asked for)."""
    name = args["deployment"]
    dep = waited(probe, "Deployment", name, "ready", args["timeout"])
    if dep is None:
        raise Missing("Deployment", name, f"create the Deployment `{name}` (kubectl apply -f ...).")
    spec, st = dep.get("spec") or {}, status_of(dep)
    want = args["replicas"] if args["replicas"] is not None else spec.get("replicas", 1)
    images = [str(c.get("image")) for c in containers(pod_spec({**dep, "kind": "Deployment"}))]
    lines = (
        f"replicas: {spec.get('replicas', 1)}",
        f"available: {st.get('availableReplicas') or 0}, updated: {st.get('updatedReplicas') or 0}, ready: {st.get('readyReplicas') or 0}",
        f"images: {', '.join(images) or 'none'}",
    )
    ev = Evidence(f"kubectl get deployment {name} -o yaml", lines)
    if (st.get("availableReplicas") or 0) < want or (st.get("updatedReplicas") or 0) < want:
        return failed(
            f"Deployment {name} has {st.get('availableReplicas') or 0} of {want} replicas available",
            f"`kubectl rollout status deployment/{name}` waits for it; `kubectl describe deployment {name}` and its pods' events say why not.",
            ev,
        )
    if args["image"] and args["image"] not in images:
        return failed(
            f"Deployment {name} runs {', '.join(images)}, not {args['image']}",
            f"`kubectl set image deployment/{name} CONTAINER={args['image']}` (or edit the manifest and apply it).",
            ev,
        )
    return passed(
        f"Deployment {name}: {st.get('availableReplicas')} of {want} replicas available, running {', '.join(images)}", ev
    )
