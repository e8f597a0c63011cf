"""Checks of the GPU lesson: the GPUs a pod sees (nvidia-smi parsed) and an Indexed Job parameter sweep.

On a cluster whose GPUs are simulated (the local profile, or a node labelled
`tutorial-runner.local/gpu-simulated=true`) every result says so in
`simulated`, so no report claims a real GPU ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks import spec as P
from checks.basics import (
    container_line,
    container_statuses,
    job_evidence,
    logs_of,
    pod_spec_containers,
    pods_by_age,
    status_of,
    tail,
    wait_job,
)
from checks.parsing import key_values, parse_nvidia_smi
from checks.registry import Evidence, check, failed, need, passed
from runner.kube.errors import ClusterError

RESOURCE = "nvidia.com/gpu"
SIMULATED = "GPU: a stand-in node resource and nvidia-smi (local profile)"  # the runner's wording: reports list it once
SIMULATED_NODE = "GPU: a stand-in node resource and nvidia-smi (node labelled tutorial-runner.local/gpu-simulated)"
_INDEX_KEY = "batch.kubernetes.io/job-completion-index"


def _simulated(probe, pod: dict[str, Any] | None = None) -> str | None:
    if getattr(probe, "simulated_gpu", False):
        return SIMULATED
    node = ((pod or {}).get("spec") or {}).get("nodeName")
    if node:
        try:
            obj = probe.get("Node", node)
        except ClusterError:
            return None  # a participant's credentials may not read nodes
        if (((obj or {}).get("metadata") or {}).get("labels") or {}).get("tutorial-runner.local/gpu-simulated") == "true":
            return SIMULATED_NODE
    return None


def _requested(containers: list[Mapping[str, Any]]) -> int:
    total = 0
    for c in containers:
        res = c.get("resources") or {}
        value = (res.get("limits") or {}).get(RESOURCE) or (res.get("requests") or {}).get(RESOURCE)
        if value is not None:
            try:
                total += int(str(value))
            except ValueError:
                pass
    return total


def _describe(smi) -> str:
    g = smi.gpus[0]
    mem = f", {g.memory_total_mib} MiB" if g.memory_total_mib else ""
    return f"{g.name}{mem}, driver {smi.driver or '?'}, CUDA {smi.cuda or '?'}"


@check(
    "gpu-visible",
    params=(
        P.pod("the pod that asked for GPUs"),
        P.Param("gpus", "int", "how many GPUs it asks for and sees", default=1),
        P.container("the container nvidia-smi runs in"),
        P.timeout(120, "the pod to run"),
    ),
    reads=("Pod",),
    points=3,
)
def gpu_visible(*, probe, args, **_: Any):
    """The pod asked for GPUs and sees exactly that many: nvidia-smi's GPU name, memory, driver and CUDA version."""
    name, want = args["pod"], args["gpus"]
    pod = need(probe, "Pod", name, f"create the pod `{name}` that requests `{RESOURCE}: {want}`.")
    sim = _simulated(probe, pod)
    asked = _requested(pod_spec_containers(pod))
    spec_ev = Evidence(f"kubectl get pod {name} -o yaml (resources)", (f"limits {RESOURCE}: {asked}",))
    if asked == 0:
        return failed(
            f"pod {name} does not request a GPU",
            f"add `{RESOURCE}: {want}` under resources.limits of the container: "
            "without it the pod gets no GPU, even on a GPU node.",
            spec_ev,
            simulated=sim,
        )
    if asked != want:
        return failed(
            f"pod {name} requests {asked} GPUs, the lesson asks for {want}",
            f"set `{RESOURCE}: {want}` in resources.limits.",
            spec_ev,
            simulated=sim,
        )
    try:
        target = probe.running_pod(name, args["timeout"])
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable or refuses us: not the learner's failure
        st = status_of(probe.get("Pod", name) or pod)
        return failed(
            f"pod {name} is not running ({st.get('phase')}): {str(exc)[:160]}",
            "if it stays Pending, no node has a free GPU right now: `kubectl describe pod " + name + "` shows why.",
            spec_ev,
            Evidence(
                f"kubectl get pod {name}", tuple(container_line(cs) for cs in container_statuses(pod)) or (str(st.get("phase")),)
            ),
            simulated=sim,
        )
    result = probe.exec(target, "nvidia-smi; echo '@@list'; nvidia-smi -L", args.get("container"))
    table, _, listing = result.stdout.partition("@@list")
    smi = parse_nvidia_smi(result.stdout + "\n" + result.stderr)
    listed = parse_nvidia_smi(listing).gpus or smi.gpus
    decisive = [l for l in table.splitlines() if "Driver Version" in l or "MiB" in l or any(g.name in l for g in smi.gpus)]
    ev = Evidence(
        f"kubectl exec {target} -- nvidia-smi; nvidia-smi -L (exit {result.exit_code})",
        tuple(l.strip() for l in decisive[:6])
        + tuple(l.strip() for l in listing.splitlines() if l.strip())
        + tail(result.stderr, 3),
    )
    if smi.error or not smi.gpus:
        return failed(
            f"nvidia-smi in pod {target} shows no GPU" + (f": {smi.error}" if smi.error else ""),
            "use a CUDA image (nvidia/cuda:...) and request the GPU in resources.limits; the GPU driver comes with the GPU request.",
            spec_ev,
            ev,
            simulated=sim,
        )
    if len(listed) != asked:
        return failed(
            f"pod {target} asked for {asked} GPU(s) but sees {len(listed)}",
            "a container sees exactly the GPUs it requested: if it sees more, NVIDIA_VISIBLE_DEVICES or a "
            "privileged container bypasses the request; remove them.",
            spec_ev,
            ev,
            simulated=sim,
        )
    missing = [what for what, value in (("driver version", smi.driver), ("memory", smi.gpus[0].memory_total_mib)) if not value]
    if missing:
        return failed(
            f"nvidia-smi in pod {target} did not show the {' and '.join(missing)}",
            "run plain `nvidia-smi` (the table) in the pod.",
            spec_ev,
            ev,
            simulated=sim,
        )
    return passed(f"pod {target} asked for {asked} GPU and sees {len(listed)}: {_describe(smi)}", spec_ev, ev, simulated=sim)


def _index_of(pod: dict[str, Any]) -> int | None:
    meta = pod.get("metadata") or {}
    value = (meta.get("annotations") or {}).get(_INDEX_KEY) or (meta.get("labels") or {}).get(_INDEX_KEY)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@check(
    "indexed-sweep",
    params=(
        P.job("the Indexed Job"),
        P.Param("completions", "int", "how many parameters the sweep has (one index each)", required=True),
        P.Param("param", "text", "the name of the parameter each index prints", required=True),
        P.Param("gpus", "int", "GPUs each index sees (0: no GPU check)", default=0),
        P.timeout(180, "the Job to finish"),
    ),
    reads=("Job", "Pod"),
)
def indexed_sweep(*, probe, args, **_: Any):
    """Every index of an Indexed Job ran to success with its own parameter (and saw its GPU when gpus=N)."""
    name, param, want, gpus = args["job"], args["param"], args["completions"], args["gpus"]
    job = need(probe, "Job", name, f"create the Indexed Job `{name}`.")
    spec = job.get("spec") or {}
    spec_ev = Evidence(
        f"kubectl get job {name} -o yaml (spec)",
        (
            f"completionMode: {spec.get('completionMode')}",
            f"completions: {spec.get('completions')}",
            f"parallelism: {spec.get('parallelism')}",
        ),
    )
    if spec.get("completionMode") != "Indexed":
        return failed(
            f"Job {name} is not Indexed (completionMode: {spec.get('completionMode')})",
            "set `completionMode: Indexed`, so each pod gets its own JOB_COMPLETION_INDEX.",
            spec_ev,
        )
    if (spec.get("completions") or 1) != want:
        got = spec.get("completions") or 1
        return failed(
            f"Job {name} has completions: {got}, but the sweep has {want} parameters",
            f"set `completions: {want}`, one per parameter: with {got}, "
            + (
                f"index {got}..{want - 1} never run{'s' if want - got == 1 else ''}."
                if got < want
                else f"index {want}..{got - 1} run{'s' if got - want == 1 else ''} without a parameter."
            ),
            spec_ev,
        )
    job, state, line = wait_job(probe, name, args["timeout"])
    evidence = [spec_ev, job_evidence(name, line)]
    pods = pods_by_age(probe, name)
    sim = _simulated(probe, pods[-1] if pods else None) if gpus else None
    by_index: dict[int, dict[str, Any]] = {}
    for pod in pods:
        i = _index_of(pod)
        if i is not None and (i not in by_index or status_of(pod).get("phase") == "Succeeded"):
            by_index[i] = pod
    rows, values = [], {}
    problems: list[tuple[str, str]] = []
    for i in range(want):
        p = by_index.get(i)
        if p is None:
            problems.append((f"index {i} has no pod", "did every index start? `kubectl get pods -l job-name=" + name + "`"))
            continue
        pod_name = p["metadata"]["name"]
        log, why = logs_of(probe, pod_name)
        kv = key_values(log)
        value = kv.get(param)
        rows.append(f"index {i} ({pod_name}, {status_of(p).get('phase')}): {param}={value}")
        if status_of(p).get("phase") != "Succeeded":
            problems.append(
                (
                    f"index {i} did not succeed ({status_of(p).get('phase')}): {(tail(log, 1) or (why or '',))[0][:120]}",
                    f"read its log: kubectl logs {pod_name}",
                )
            )
            continue
        if not value:
            problems.append(
                (
                    f"index {i} printed no {param}=...",
                    f"each pod should print `{param}=<its value>`, chosen by $JOB_COMPLETION_INDEX.",
                )
            )
            continue
        if gpus:
            seen = parse_nvidia_smi(log).gpus
            if len(seen) != gpus:
                problems.append(
                    (
                        f"index {i} saw {len(seen)} GPU(s), not {gpus}",
                        f"request `{RESOURCE}: {gpus}` in the Job's pod template and print `nvidia-smi -L`.",
                    )
                )
                continue
        values[i] = value
    evidence.append(Evidence(f"kubectl logs of each index of job {name}", tuple(rows)))
    if problems:
        return failed(f"sweep {name}: {problems[0][0]}", problems[0][1], *evidence, simulated=sim)
    if state != "complete":
        return failed(f"Job {name} did not complete: {line}", f"look at `kubectl describe job {name}`.", *evidence, simulated=sim)
    dupes = sorted({v for v in values.values() if list(values.values()).count(v) > 1})
    if dupes:
        same = [i for i, v in values.items() if v == dupes[0]]
        return failed(
            f"indexes {', '.join(map(str, same))} all ran with {param}={dupes[0]}",
            "pick the parameter by $JOB_COMPLETION_INDEX, so every index runs its own value.",
            *evidence,
            simulated=sim,
        )
    shown = ", ".join(f"{i}:{values[i]}" for i in sorted(values))
    gpu_note = f", each on {gpus} GPU" if gpus else ""
    return passed(
        f"all {want} indexes of {name} succeeded, each with its own {param} ({shown}){gpu_note}", *evidence, simulated=sim
    )
