"""Checks of the storage lesson: scratch on disk, RAM disk in memory, claims bound, data surviving Jobs."""

from __future__ import annotations

import re
from typing import Any

from checks import spec as P
from checks.parsing import parse_df, parse_mounts
from checks.registry import Evidence, check, failed, need, passed
from runner.effects import Effects
from runner.kube.errors import NotFound, Timeout
from runner.kube.wait import WaitFailed

_FS_PROBE = "df -P / {paths} /dev/shm; echo '--- mounts'; cat /proc/mounts"
_FS_CHECKS = {"scratch-on-disk": "/mnt/myscratch", "ramdisk-is-tmpfs": "/mytmp"}  # the checks that read a pod's filesystems


def _paths(pod: str, path: str, container: str | None, lesson) -> list[str]:
    """Every path the lesson's filesystem checks ask about in this pod, so one `df` (one exec) serves them all."""
    paths = {path}
    for step in lesson.checks if lesson is not None else ():
        if step.check in _FS_CHECKS:
            args = dict(step.check_args)
            if args.get("pod") == pod and args.get("container") == container:
                paths.add(args.get("path", _FS_CHECKS[step.check]))
    return sorted(paths)


def _filesystems(probe, pod: str, path: str, container: str | None = None, lesson=None):
    """(df rows by path, mounts, evidence) for `/`, `path` (and the lesson's other paths in this pod) and /dev/shm."""
    target = probe.running_pod(pod)
    paths = _paths(pod, path, container, lesson)
    shown = " ".join(paths)
    result = probe.exec(target, _FS_PROBE.format(paths=shown), container)
    df_text, _, mounts_text = result.stdout.partition("--- mounts")
    rows = parse_df(df_text)
    mounts = parse_mounts(mounts_text)
    asked = ["/", *paths, "/dev/shm"]
    by_path = dict(zip(asked, rows, strict=False)) if len(rows) == len(asked) else {r.mounted_on: r for r in rows}
    relevant = [l for l in df_text.splitlines() if l.strip()]
    ev = Evidence(f"kubectl exec {target} -- df -P / {shown} /dev/shm (exit {result.exit_code})", tuple(relevant))
    return by_path, mounts, ev, result


def _fstype(row, mounts) -> str:
    return row.fstype or mounts.get(row.mounted_on, ("", "?"))[1]


@check(
    "scratch-on-disk",
    params=(
        P.pod("the pod with the scratch volume"),
        P.Param("path", "path", "where the scratch volume is mounted", default=_FS_CHECKS["scratch-on-disk"]),
        P.container(),
    ),
    reads=("Pod",),
    points=2,
)
def scratch_on_disk(*, probe, args, lesson=None, **_: Any):
    """The scratch emptyDir is a filesystem of its own, on disk (not the container's `/`, not tmpfs)."""
    pod, path = args["pod"], args["path"]
    rows, mounts, ev, result = _filesystems(probe, pod, path, args["container"], lesson)
    if not result.ok or path not in rows or "/" not in rows:
        return failed(
            f"could not read the filesystems of {path} in pod {pod}",
            f"is `{path}` a mountPath of the pod's scratch volume? df said: {result.stderr.strip()[:200]}",
            ev,
        )
    root, scratch = rows["/"], rows[path]
    ftype = _fstype(scratch, mounts)
    mount_ev = Evidence("/proc/mounts", tuple(f"{m} {d} {t}" for m, (d, t) in mounts.items() if m in ("/", path)))
    if scratch.mounted_on == root.mounted_on:
        return failed(
            f"{path} is on the same filesystem as / ({root.filesystem})",
            f"`{path}` is not a separate volume: mount an emptyDir volume there (volumeMounts.mountPath: {path}).",
            ev,
            mount_ev,
        )
    if ftype == "tmpfs":
        return failed(
            f"{path} is tmpfs, a RAM disk, not disk scratch",
            f"`{path}` is in memory: remove `medium: Memory` from the scratch volume to get disk-backed scratch.",
            ev,
            mount_ev,
        )
    return passed(
        f"{path} is its own {ftype} filesystem ({scratch.filesystem} mounted on {scratch.mounted_on}), not / ({root.filesystem})",
        ev,
        mount_ev,
    )


@check(
    "ramdisk-is-tmpfs",
    params=(
        P.pod("the pod with the RAM disk"),
        P.Param("path", "path", "where the RAM disk is mounted", default=_FS_CHECKS["ramdisk-is-tmpfs"]),
        P.container(),
    ),
    reads=("Pod",),
    points=2,
)
def ramdisk_is_tmpfs(*, probe, args, lesson=None, **_: Any):
    """The RAM disk is a tmpfs, and larger than the container's tiny /dev/shm."""
    pod, path = args["pod"], args["path"]
    rows, mounts, ev, result = _filesystems(probe, pod, path, args["container"], lesson)
    if not result.ok or path not in rows:
        return failed(
            f"could not read the filesystem of {path} in pod {pod}",
            f"is `{path}` a mountPath of the pod's ramdisk volume? df said: {result.stderr.strip()[:200]}",
            ev,
        )
    ram, shm = rows[path], rows.get("/dev/shm")
    ftype = _fstype(ram, mounts)
    if ftype != "tmpfs" or ram.mounted_on == "/":
        where = ram.filesystem if ram.mounted_on != "/" else "the container's root filesystem"
        return failed(
            f"{path} is on {where} ({ftype}), not tmpfs",
            f"`{path}` is on {where}, not tmpfs: did you set `medium: Memory` on the ramdisk volume?",
            ev,
        )
    if shm is not None and ram.size_bytes is not None and shm.size_bytes is not None and ram.size_bytes <= shm.size_bytes:
        return failed(
            f"{path} is tmpfs but not larger than /dev/shm ({ram.size_bytes} <= {shm.size_bytes} bytes)",
            "the RAM disk should be larger than /dev/shm: give the pod a memory limit (or sizeLimit) above 64Mi.",
            ev,
        )
    size = f"{ram.size_bytes / 2**20:.0f} MiB" if ram.size_bytes else "?"
    shm_size = f"{shm.size_bytes / 2**20:.0f} MiB" if shm and shm.size_bytes else "?"
    return passed(f"{path} is tmpfs of {size}, larger than /dev/shm ({shm_size})", ev)


@check(
    "pvc-bound",
    params=(
        P.claim(),
        P.Param("class", "text", "the StorageClass it must use"),
        P.Param("mode", "text", "an access mode it must have (ReadWriteOnce, ReadWriteMany, ...)"),
        P.timeout(60, "the claim to bind"),
    ),
    reads=("PersistentVolumeClaim",),
    points=2,
)
def pvc_bound(*, probe, args, **_: Any):
    """The claim is Bound, with the requested StorageClass and access mode."""
    claim = args["claim"]
    try:
        pvc = probe.wait("PersistentVolumeClaim", claim, "bound", args["timeout"])
    except (NotFound, Timeout, WaitFailed) as exc:  # the participant's claim: missing, never bound, or lost
        # anything else keeps its meaning: unreachable or forbidden stops the caller, another API error is this check's
        pvc = probe.get("PersistentVolumeClaim", claim)
        if pvc is None:
            return failed(
                f"no PersistentVolumeClaim {claim}",
                f"create the claim `{claim}` (kubectl create -f pvc.yaml).",
                Evidence(f"kubectl get pvc {claim}", ("NotFound",)),
            )
        phase = (pvc.get("status") or {}).get("phase")
        return failed(
            f"claim {claim} is {phase}, not Bound",
            f"is the StorageClass `{(pvc.get('spec') or {}).get('storageClassName')}` right? ({exc})",
            Evidence(f"kubectl get pvc {claim}", (f"phase: {phase}",)),
        )
    spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
    lines = (
        f"phase: {status.get('phase')}",
        f"storageClassName: {spec.get('storageClassName')}",
        f"accessModes: {', '.join(spec.get('accessModes') or [])}",
        f"volumeName: {spec.get('volumeName')}",
        f"capacity: {(status.get('capacity') or {}).get('storage')}",
    )
    ev = Evidence(f"kubectl get pvc {claim} -o yaml", lines)
    want_class, want_mode = args["class"], args["mode"]
    if want_class and spec.get("storageClassName") != want_class:
        return failed(
            f"claim {claim} uses StorageClass {spec.get('storageClassName')}, not {want_class}",
            f"set `storageClassName: {want_class}` in the claim.",
            ev,
        )
    if want_mode and want_mode not in (spec.get("accessModes") or []):
        return failed(
            f"claim {claim} has access modes {spec.get('accessModes')}, not {want_mode}",
            f"set `accessModes: [{want_mode}]` so several pods can mount it at once.",
            ev,
        )
    return passed(
        f"claim {claim} is Bound to {spec.get('volumeName')} ({spec.get('storageClassName')}, {', '.join(spec.get('accessModes') or [])})",
        ev,
    )


_INDEX = re.compile(r"[.-](\d+)(?:\.[A-Za-z]\w*)?$")


@check(
    "pvc-data-survives",
    params=(
        P.claim("the claim the Job writes into"),
        P.job("the Job whose runs wrote the files", required=False),
        P.Param("completions", "int", "the Job's completions (one file per index and run)", default=1),
        P.Param("runs", "int", "how many times the Job ran", default=2),
        P.Param("dir", "text", "the directory on the claim the files are in", default=""),
    ),
    reads=("PersistentVolumeClaim", "Job", "Event"),
    points=4,
)
def pvc_data_survives(*, probe, args, **_: Any):
    """Files written by every index of every run of a Job are on the claim (data survived the Job's deletion)."""
    claim, completions, runs, subdir = args["claim"], args["completions"], args["runs"], args["dir"].strip("/")
    pvc = need(probe, "PersistentVolumeClaim", claim, f"create the claim `{claim}` first; the Job writes into it.")
    if (pvc.get("status") or {}).get("phase") != "Bound":
        return failed(
            f"claim {claim} is {(pvc.get('status') or {}).get('phase')}, not Bound",
            "is its StorageClass right?",
            Evidence(f"kubectl get pvc {claim}", (f"phase: {(pvc.get('status') or {}).get('phase')}",)),
        )
    job = args["job"]
    if job and not probe.existed("Job", job):
        # the files can only come from the Job's runs: with no trace of it (now, in the session's record, or in the
        # cluster's events, kept about an hour) the claim is not read, which spares mounting it for nothing
        return failed(
            f"job {job} has not run: no Job {job} now, and no trace of one (its pods, the cluster's events)",
            f"run the Job twice as the lesson says (kubectl create -f s3.yaml); its workers write into {claim}. "
            "Graded long after the session? Grade during it with --watch --progress.",
            Evidence(f"kubectl get job {job}; kubectl get events", ("no Job, no pods, no events of it",)),
        )
    result = probe.read_claim(claim, f"ls -1 /data/{subdir}")
    names = [n for n in result.stdout.split() if n]
    ev = Evidence(f"ls -1 of claim {claim} (read-only inspector pod, exit {result.exit_code})", tuple(names[:40]))
    if not result.ok:
        return failed(f"could not list the files on claim {claim}", "does the claim exist and is it Bound?", ev)
    per_index: dict[int, int] = {}
    for name in names:
        m = _INDEX.search(name)
        if m:
            per_index[int(m.group(1))] = per_index.get(int(m.group(1)), 0) + 1
    short = {i: per_index.get(i, 0) for i in range(completions) if per_index.get(i, 0) < runs}
    if short:
        worst = min(short.values())
        return failed(
            f"{len(names)} file(s) on {claim}; index {min(short)} has {short[min(short)]}, expected {runs} (one per run)",
            "the files of the first run are gone or were never written to the claim: does the Job mount "
            f"the PVC `{claim}` (persistentVolumeClaim.claimName), not an emptyDir, at the path it writes to?"
            if worst < runs
            else "",
            ev,
        )
    return passed(f"{len(names)} files on {claim}: every one of {completions} indexes wrote in each of {runs} runs", ev)


@check("no-running-pods", final=True, reads=("Pod", "Job"))
def no_running_pods(*, probe, user: str, lesson=None, mode: str = "run", labels: dict[str, str] | None = None, **_: Any):
    """The participant left no running (or pending) pods behind; completed Job pods are fine.

    Pods are the participant's when the lesson names them (rendered for this
    user), belong to one of the lesson's Jobs, or carry our user label.
    """
    if mode == "run" and labels:
        sel = ",".join(f"{k}={v}" for k, v in labels.items() if k.endswith("/run"))
        pods = probe.list("Pod", sel)
    else:
        made = Effects(lesson).created() if lesson is not None else {}
        own_pods = {name for kind, name in made if kind == "Pod"}
        own_jobs = {name for kind, name in made if kind == "Job"}

        def mine(p: dict) -> bool:
            labels_ = p["metadata"].get("labels") or {}
            job = labels_.get("batch.kubernetes.io/job-name") or labels_.get("job-name")
            return p["metadata"]["name"] in own_pods or job in own_jobs or labels_.get("tutorial-runner.io/user") == user

        pods = [p for p in probe.list("Pod") if mine(p)]
    pods = [p for p in pods if (p["metadata"].get("labels") or {}).get("tutorial-runner.io/role") != "inspector"]
    # a terminating pod is not gone yet: it still holds its node's resources and may never go (a finalizer, a
    # container that ignores SIGTERM), so "nothing running" is true only once it has disappeared
    alive = [p for p in pods if (p.get("status") or {}).get("phase") in ("Running", "Pending")]
    ev = Evidence(
        "kubectl get pods",
        tuple(f"{p['metadata']['name']} {_pod_state(p)}" for p in pods) or ("no pods",),
    )
    if alive:
        names = ", ".join(p["metadata"]["name"] for p in alive)
        going = [p for p in alive if _terminating(p)]
        if len(going) == len(alive):
            return failed(
                f"{len(alive)} pod(s) still terminating: {names}",
                f"wait until they are gone: kubectl wait --for=delete pod/{alive[0]['metadata']['name']}",
                ev,
            )
        return failed(
            f"{len(alive)} pod(s) still running: {names}",
            f"delete pods you are done with: kubectl delete pod {alive[0]['metadata']['name']}",
            ev,
        )
    return passed("no running pods left", ev)


def _terminating(pod: dict) -> bool:
    meta = pod.get("metadata") or {}
    return bool(meta.get("deletionTimestamp") or meta.get("deletion_timestamp"))


def _pod_state(pod: dict) -> str:
    phase = (pod.get("status") or {}).get("phase")
    return f"{phase} (terminating)" if _terminating(pod) and phase in ("Running", "Pending") else str(phase)
