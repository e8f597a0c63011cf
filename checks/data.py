"""Checks of the data lesson: ConfigMaps mounted as a file and as a directory, live updates, code run from git."""

from __future__ import annotations

import shlex
import time
from datetime import datetime
from typing import Any

from checks import spec as P
from checks.basics import (
    container_statuses,
    job_evidence,
    job_spec_containers,
    logs_of,
    pod_spec_containers,
    pods_by_age,
    status_of,
    tail,
    terminated,
    wait_job,
)
from checks.parsing import numbers_in, parse_git_output, read_only_error
from checks.registry import Evidence, check, failed, passed
from runner.kube.errors import ClusterError
from runner.syntax.k8s import timestamp

_MARK = "@@tutorial-runner"
_PROBE_FILE = ".tutorial-runner-write-test"


def _configmap(probe, name: str):
    cm = probe.get("ConfigMap", name)
    if cm is None:
        return None, failed(
            f"no ConfigMap {name}",
            f"create it from your local file: kubectl create configmap {name} --from-file=hello.txt",
            Evidence(f"kubectl get configmap {name}", ("NotFound",)),
        )
    return cm, None


def _read(probe, pod: str, paths: list[str], write_test: str | None, container: str | None = None):
    """One exec: each path's content (or the error), and the outcome of a write attempt at `write_test`.

    Returns ({path: (content | None, error line)}, write outcome line | None, ExecResult).
    """
    parts = []
    for p in paths:
        q = shlex.quote(p)
        parts.append(
            f"echo '{_MARK} file {p}'; if [ -d {q} ]; then echo '{_MARK} isdir'; ls -1 {q}; else cat {q} 2>&1 || echo '{_MARK} missing'; fi"
        )
    if write_test:
        q = shlex.quote(write_test)
        cleanup = f" && rm -f {q}" if write_test.endswith(_PROBE_FILE) else ""  # never remove a file of the learner's
        parts.append(f"echo '{_MARK} write'; (touch {q} && echo '{_MARK} writable'{cleanup}) 2>&1")
    result = probe.exec(pod, "; ".join(parts), container)
    files: dict[str, tuple[str | None, str]] = {}
    write: str | None = None
    current: str | None = None
    buf: list[str] = []
    section: str | None = None

    def flush() -> None:
        if section == "file" and current is not None:
            text = "\n".join(buf)
            if f"{_MARK} isdir" in text:
                files[current] = (None, "is a directory: " + " ".join(l for l in buf[1:]))
            elif f"{_MARK} missing" in text:
                files[current] = (None, next((l for l in buf if not l.startswith(_MARK)), "No such file or directory"))
            else:
                files[current] = (text, "")

    for line in result.stdout.splitlines():
        if line.startswith(f"{_MARK} file "):
            flush()
            current, buf, section = line[len(f"{_MARK} file ") :], [], "file"
        elif line == f"{_MARK} write":
            flush()
            current, buf, section = None, [], "write"
        elif section == "write":
            write = line if write is None or _MARK in line else write + " " + line
        else:
            buf.append(line)
    flush()
    return files, write, result


def _join(path: str, key: str) -> str:
    return f"{path.rstrip('/')}/{key}"


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip() == (b or "").strip()


def _lines(text: str | None, n: int = 4) -> tuple[str, ...]:
    return tuple((text or "").strip().splitlines()[-n:])


def _mount_of(pod: dict[str, Any], path: str) -> dict[str, Any] | None:
    for c in pod_spec_containers(pod):
        for m in c.get("volumeMounts") or []:
            if m.get("mountPath", "").rstrip("/") == path.rstrip("/"):
                return m
    return None


def _read_only_verdict(write: str | None, path: str, pod: str) -> tuple[bool, str]:
    if write and "writable" in write:
        return False, (
            f"`{path}` in pod {pod} can be written to: it is not the read-only ConfigMap volume; "
            "mount the ConfigMap there (volumes[].configMap and volumeMounts[].mountPath)."
        )
    if not read_only_error(write or ""):
        return False, f"writing to `{path}` failed, but not with a read-only filesystem error: {(write or '')[:160]}"
    return True, ""


_CM = P.Param("configmap", "object", "the ConfigMap", required=True, kind="ConfigMap")


@check(
    "configmap-file",
    params=(
        P.pod(),
        P.Param("path", "path", "the file the key is mounted as", required=True),
        _CM,
        P.Param("key", "text", "the ConfigMap's key (default: the file's name)"),
        P.container(),
        P.timeout(60, "the pod to run"),
    ),
    reads=("ConfigMap", "Pod"),
    points=2,
)
def configmap_file(*, probe, args, **_: Any):
    """One key of a ConfigMap, mounted as a single file with subPath: same content, and read-only."""
    pod, path, name = args["pod"], args["path"], args["configmap"]
    key = args["key"] or path.rsplit("/", 1)[-1]
    cm, bad = _configmap(probe, name)
    if bad:
        return bad
    data = cm.get("data") or {}
    cm_ev = Evidence(
        f"kubectl get configmap {name} -o yaml", tuple(f"data.{k}: {len(v)} characters" for k, v in data.items()) or ("no data",)
    )
    if key not in data:
        return failed(
            f"ConfigMap {name} has no key {key} (keys: {', '.join(data) or 'none'})",
            f"create the ConfigMap from the file: kubectl create configmap {name} --from-file={key}",
            cm_ev,
        )
    target, not_running = _running(probe, pod, args, cm_ev)
    if not_running:
        return not_running
    files, write, _result = _read(probe, target, [path], path, args.get("container"))
    content, err = files.get(path, (None, "not read"))
    ev = Evidence(
        f"kubectl exec {target} -- cat {path}; touch {path}",
        _lines(content) + ((err,) if err else ()) + ((write,) if write else ()),
    )
    if content is None:
        if err.startswith("is a directory"):
            return failed(
                f"{path} in pod {target} is a directory, not a file ({err})",
                f"mount one key as a file with `subPath: {key}` in the volumeMount (mountPath: {path}).",
                ev,
                cm_ev,
            )
        return failed(
            f"{path} is not there in pod {target}: {err}",
            f"mount the ConfigMap `{name}` at `{path}` with `subPath: {key}`.",
            ev,
            cm_ev,
        )
    if not _same(content, data[key]):
        return failed(
            f"{path} in pod {target} does not hold the ConfigMap's {key}",
            f"mount key `{key}` of ConfigMap `{name}` (volumes[].configMap.name: {name}).",
            ev,
            cm_ev,
        )
    ok, hint = _read_only_verdict(write, path, target)
    if not ok:
        return failed(f"{path} in pod {target} is not read-only", hint, ev, cm_ev)
    return passed(
        f"{path} in pod {target} holds {key} of ConfigMap {name}, and writing fails: {read_only_error(write or '')}", ev, cm_ev
    )


@check(
    "configmap-dir",
    params=(
        P.pod(),
        P.Param("path", "path", "the directory the ConfigMap is mounted at", required=True),
        _CM,
        P.Param("keys", "names", "the keys to compare (default: all of the ConfigMap's)"),
        P.container(),
        P.timeout(60, "the pod to run"),
    ),
    reads=("ConfigMap", "Pod"),
    points=2,
)
def configmap_dir(*, probe, args, **_: Any):
    """A whole ConfigMap mounted as a directory: one file per key with the same content, and read-only."""
    pod, path, name = args["pod"], args["path"], args["configmap"]
    cm, bad = _configmap(probe, name)
    if bad:
        return bad
    data = cm.get("data") or {}
    keys = list(args["keys"] or data)
    missing_keys = [k for k in keys if k not in data]
    cm_ev = Evidence(
        f"kubectl get configmap {name} -o yaml", tuple(f"data.{k}: {len(v)} characters" for k, v in data.items()) or ("no data",)
    )
    if missing_keys or not keys:
        return failed(
            f"ConfigMap {name} lacks {', '.join(missing_keys) or 'any key'}",
            f"create it from both files: kubectl create configmap {name} "
            + " ".join(f"--from-file={k}" for k in (keys or ["hello.txt"])),
            cm_ev,
        )
    target, not_running = _running(probe, pod, args, cm_ev)
    if not_running:
        return not_running
    files, write, _r = _read(
        probe, target, [_join(path, k) for k in keys], f"{path.rstrip('/')}/{_PROBE_FILE}", args.get("container")
    )
    lines = []
    for k in keys:
        content, err = files.get(_join(path, k), (None, "not read"))
        lines.append(f"{k}: {err}" if content is None else f"{k}: {(content.strip().splitlines() or [''])[-1][:100]}")
    ev = Evidence(
        f"kubectl exec {target} -- cat {path}/<key>; touch {path}/<new file>", tuple(lines) + ((write,) if write else ())
    )
    for k in keys:
        content, err = files.get(_join(path, k), (None, "not read"))
        if content is None:
            return failed(
                f"{path}/{k} is not there in pod {target}: {err}",
                f"mount the whole ConfigMap `{name}` at `{path}` (a volumeMount with mountPath {path} and no subPath).",
                ev,
                cm_ev,
            )
        if not _same(content, data[k]):
            return failed(
                f"{path}/{k} in pod {target} differs from the ConfigMap's {k}",
                f"is the volume's configMap.name `{name}`?",
                ev,
                cm_ev,
            )
    ok, hint = _read_only_verdict(write, path, target)
    if not ok:
        return failed(f"{path} in pod {target} is not read-only", hint, ev, cm_ev)
    return passed(
        f"{path} in pod {target} holds all {len(keys)} keys of ConfigMap {name} ({', '.join(keys)}), read-only", ev, cm_ev
    )


def _running(probe, pod: str, args, *evidence: Evidence):
    """(the running pod, None), or (None, a failed result a learner understands)."""
    try:
        return probe.running_pod(pod, args["timeout"]), None
    except ClusterError as exc:
        if exc.exit_code == 3:
            raise  # the cluster is unreachable or refuses us: not the learner's failure
        return None, failed(
            f"pod {pod} is not running", f"create the pod `{pod}` and wait until it runs ({str(exc)[:160]})", *evidence
        )


def _time(value: str | None) -> datetime | None:
    return timestamp(value)


def _last_change(cm: dict[str, Any]) -> tuple[datetime | None, str]:
    """When the ConfigMap was last written, and by whom (from managedFields)."""
    best, who = None, ""
    for mf in (cm.get("metadata") or {}).get("managedFields") or []:
        t = _time(mf.get("time"))
        if t and (best is None or t > best):
            best, who = t, f"{mf.get('manager')} ({mf.get('operation')})"
    return best, who


@check(
    "configmap-live-update",
    params=(
        P.pod(),
        P.Param("path", "path", "the directory the ConfigMap is mounted at", required=True),
        _CM,
        P.container(),
        P.timeout(90, "the kubelet to update the files"),
    ),
    reads=("ConfigMap", "Pod"),
    points=3,
)
def configmap_live_update(*, probe, args, mode: str = "run", **_: Any):
    """The ConfigMap was changed while the pod ran, and the pod sees the new content within the deadline.

    In grade mode nothing waits: one look at the files as they are now.
    """
    pod, path, name = args["pod"], args["path"], args["configmap"]
    timeout = 0.0 if mode == "grade" else args["timeout"]
    cm, bad = _configmap(probe, name)
    if bad:
        return bad
    pod_obj = probe.get("Pod", pod)
    if pod_obj is None:
        return failed(
            f"no pod {pod}",
            f"the pod `{pod}` must still run while you update the ConfigMap.",
            Evidence(f"kubectl get pod {pod}", ("NotFound",)),
        )
    started = _time(status_of(pod_obj).get("startTime"))
    changed, who = _last_change(cm)
    meta_ev = Evidence(
        f"kubectl get configmap {name} -o yaml; kubectl get pod {pod}",
        (
            f"pod started: {status_of(pod_obj).get('startTime')}",
            f"ConfigMap last written: {changed.isoformat() if changed else '?'} by {who}",
        ),
    )
    mount = _mount_of(pod_obj, path)
    if mount and mount.get("subPath"):
        return failed(
            f"{path} is mounted with subPath: the pod never sees ConfigMap updates",
            "a file mounted with `subPath` is a copy made when the pod starts; mount the whole ConfigMap as a "
            "directory (no subPath) to see updates.",
            meta_ev,
        )
    created = _time((cm.get("metadata") or {}).get("creationTimestamp"))
    update_hint = (
        f"change your local file, then update the ConfigMap in place: kubectl create configmap {name} "
        "--from-file=... --dry-run=client -o yaml | kubectl apply -f -"
    )
    if started and created and created > started:
        return failed(
            f"ConfigMap {name} was created after pod {pod} started: it was re-created, not updated in place",
            update_hint + " (deleting and re-creating it is not an update).",
            meta_ev,
        )
    if changed is None or (created and changed <= created):
        return failed(f"ConfigMap {name} was never changed after it was created", update_hint, meta_ev)
    if started and changed < started:
        return failed(
            f"ConfigMap {name} was last changed before pod {pod} started: that is not a live update",
            "update the ConfigMap while the pod runs: " + update_hint,
            meta_ev,
        )
    data = cm.get("data") or {}
    keys = list(data)
    deadline = time.monotonic() + timeout
    t0 = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        files, _w, _result = _read(probe, pod, [_join(path, k) for k in keys], None, args.get("container"))
        stale = [k for k in keys if not _same(files.get(_join(path, k), (None, ""))[0], data[k])]
        if not stale:
            lines = tuple(f"{k}: {' | '.join(_lines(files[_join(path, k)][0], 2))}"[:160] for k in keys)
            return passed(
                f"pod {pod} sees the updated ConfigMap {name} in {path} after {time.monotonic() - t0:.0f}s ({attempts} read(s))",
                meta_ev,
                Evidence(f"kubectl exec {pod} -- cat {path}/*", lines),
            )
        if time.monotonic() >= deadline:
            shown = files.get(_join(path, stale[0]), (None, "not read"))
            return failed(
                f"after {timeout:.0f}s pod {pod} still shows old content of {stale[0]} in {path}",
                "the kubelet refreshes ConfigMap volumes every minute or so: is the volume the whole ConfigMap "
                f"`{name}` (no subPath), and did the update reach the cluster (kubectl get configmap {name} -o yaml)?",
                meta_ev,
                Evidence(f"kubectl exec {pod} -- cat {path}/{stale[0]}", _lines(shown[0]) or (shown[1],)),
            )
        time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))


def _result(probe, job: str, expect: float | None) -> tuple[float | None, str, str, str | None]:
    """(number closest to `expect` (else the last), its line, pod, why not) from the newest succeeded pod of the Job."""
    pods = pods_by_age(probe, job)
    done = [p for p in pods if status_of(p).get("phase") == "Succeeded"] or pods
    if not done:
        return None, "", "", "no pods"
    pod = done[-1]["metadata"]["name"]
    log, why = logs_of(probe, pod)
    if why:
        return None, "", pod, why
    nums = numbers_in(log)
    if not nums:
        return None, "", pod, "the log has no number: " + " | ".join(tail(log, 3))
    best = min(nums, key=lambda n: abs(n[0] - expect)) if expect is not None else nums[-1]
    return best[0], best[1], pod, None


def _job_failure(probe, name: str, line: str) -> tuple[str, Evidence]:
    """Why a Job failed, as a hint, from its newest pod's log (git errors are recognised)."""
    pods = pods_by_age(probe, name)
    log = ""
    pod = pods[-1]["metadata"]["name"] if pods else None
    if pod:
        log, _ = logs_of(probe, pod)
        for cs in container_statuses(pods[-1], init=True):
            if (terminated(cs) or {}).get("exitCode") not in (None, 0):
                init_log, _ = logs_of(probe, pod, cs.get("name"))
                log = init_log + "\n" + log
    git = parse_git_output(log)
    ev = Evidence(f"kubectl logs {pod or name}", tail(log) or ("(no log)",))
    if git.kind == "network":
        return f"the pod could not reach the git server ({git.line}): is the repository URL right?", ev
    if git.kind == "not-found":
        return f"the repository was not found ({git.line}): check the URL.", ev
    if git.kind in ("auth-missing", "auth-failed"):
        return f"the git server refused the clone ({git.line}): is this the public repository?", ev
    return f"read the log (`kubectl logs job/{name}`) to see why it failed: {(tail(log, 1) or ('',))[0][:160]}", ev


_EXPECT = P.Param("expect", "number", "the number the log should show")
_TOLERANCE = P.Param("tolerance", "number", "how far from expect it may be", default=0.01)


@check(
    "job-result",
    params=(
        P.job(),
        _EXPECT,
        _TOLERANCE,
        P.Param("text", "text", "instead of a number: a line of the log contains this"),
        P.timeout(180, "the Job to finish"),
    ),
    reads=("Job", "Pod"),
)
def job_result(*, probe, args, **_: Any):
    """The Job succeeded and its log shows the result (a number near `expect`, or a line with `text`)."""
    name = args["job"]
    _job, state, line = wait_job(probe, name, args["timeout"])
    if state == "missing":
        return failed(f"no Job {name}", f"create the Job `{name}` (kubectl create -f ...).", job_evidence(name, line))
    if state != "complete":
        hint, log_ev = _job_failure(probe, name, line)
        return failed(f"Job {name} did not succeed: {line}", hint, job_evidence(name, line), log_ev)
    if args["text"]:
        pods = pods_by_age(probe, name)
        pod = pods[-1]["metadata"]["name"] if pods else name
        log, why = logs_of(probe, pod)
        hits = [l for l in log.splitlines() if args["text"] in l]
        ev = Evidence(f"kubectl logs {pod}", tuple(hits[-3:]) or tail(log, 5) or ((why,) if why else ()))
        if not hits:
            return failed(
                f"Job {name} succeeded but its log does not say {args['text']!r}", "look at `kubectl logs job/" + name + "`.", ev
            )
        return passed(f"Job {name} succeeded; its log says {hits[-1].strip()[:100]}", job_evidence(name, line), ev)
    expect = args["expect"]
    value, value_line, pod, why = _result(probe, name, expect)
    ev = Evidence(f"kubectl logs {pod or name}", (value_line,) if value_line else ((why,) if why else ()))
    if value is None:
        return failed(
            f"Job {name} succeeded but its log shows no result ({why})",
            "the program should print its result: look at `kubectl logs job/" + name + "`.",
            job_evidence(name, line),
            ev,
        )
    tol = args["tolerance"]
    if expect is not None and abs(value - expect) > tol:
        return failed(
            f"Job {name} printed {value}, not within {tol} of {expect}",
            "is the Job running the lesson's code (pi.py)?",
            job_evidence(name, line),
            ev,
        )
    return passed(f"Job {name} succeeded; its log shows {value!r}", job_evidence(name, line), ev)


def _env_value(job: dict[str, Any], env: str) -> tuple[bool, str | None]:
    for c in job_spec_containers(job):
        for e in c.get("env") or []:
            if e.get("name") == env:
                return True, e.get("value") if "value" in e else "(from " + ", ".join((e.get("valueFrom") or {}).keys()) + ")"
    return False, None


@check(
    "env-changes-result",
    params=(
        P.Param("base", "object", "the Job run without the variable", required=True, kind="Job"),
        P.job("the Job run with the variable set"),
        P.Param("env", "text", "the environment variable that changes the result", required=True),
        _EXPECT,
        P.Param("closer", "bool", "the second result must be closer to expect than the first", default=True),
        P.timeout(180, "each Job to finish"),
    ),
    reads=("Job", "Pod"),
)
def env_changes_result(*, probe, args, **_: Any):
    """The same code run with a parameter set through an environment variable gives a different (better) result."""
    base, job_name, env = args["base"], args["job"], args["env"]
    expect = args["expect"]
    results = {}
    evidence: list[Evidence] = []
    for name in (base, job_name):
        job, state, line = wait_job(probe, name, args["timeout"])
        evidence.append(job_evidence(name, line))
        if state != "complete":
            hint, log_ev = (
                _job_failure(probe, name, line)
                if state != "missing"
                else (f"create the Job `{name}`.", Evidence(f"kubectl get job {name}", ("NotFound",)))
            )
            return failed(f"Job {name} did not succeed: {line}", hint, *evidence, log_ev)
        assert job is not None  # a complete Job was read
        results[name] = (job,) + _result(probe, name, expect)
    has_env, value = _env_value(results[job_name][0], env)
    base_env, base_value = _env_value(results[base][0], env)
    env_ev = Evidence(f"kubectl get job {job_name} -o yaml (env)", (f"{env}={value}" if has_env else f"{env} not set",))
    if not has_env:
        return failed(
            f"Job {job_name} does not set {env}",
            f'add `env: [{{name: {env}, value: "100000"}}]` to the Job\'s container.',
            *evidence,
            env_ev,
        )
    if base_env and base_value == value:
        return failed(
            f"both Jobs set {env}={value}", f"give Job {job_name} a different {env} than Job {base}.", *evidence, env_ev
        )
    a, b = results[base][1], results[job_name][1]
    ev = Evidence(
        "kubectl logs job/" + base + "; kubectl logs job/" + job_name,
        (f"{base}: {results[base][2]}", f"{job_name}: {results[job_name][2]}"),
    )
    if a is None or b is None:
        return failed("a Job's log shows no result", "both Jobs should print the result of pi.py.", *evidence, env_ev, ev)
    if a == b:
        return failed(
            f"both Jobs printed {a}: {env}={value} changed nothing",
            f"does the program read {env}? Is the variable set on the container that runs it?",
            *evidence,
            env_ev,
            ev,
        )
    if expect is not None and abs(b - expect) > abs(a - expect) and args["closer"]:
        return failed(
            f"{env}={value} gave {b}, further from {expect} than {a}",
            f"more steps should give a more precise result: did you set {env} larger than the default?",
            *evidence,
            env_ev,
            ev,
        )
    closer = f" (error {abs(b - expect):.1e} instead of {abs(a - expect):.1e})" if expect is not None else ""
    return passed(f"{env}={value} changed the result from {a!r} to {b!r}{closer}", *evidence, env_ev, ev)
