"""Checks of the secrets lesson: a Secret with git credentials, private clones without and with it, init containers.

Secret values are never shown: evidence names keys and their lengths only.
"""

from __future__ import annotations

import base64
from typing import Any

from checks import spec as P
from checks.basics import (
    container_line,
    container_statuses,
    job_evidence,
    job_spec_containers,
    logs_of,
    pods_by_age,
    resolve_job,
    status_of,
    tail,
    terminated,
    wait_job,
)
from checks.parsing import numbers_in, parse_git_output
from checks.registry import Evidence, check, error, failed, need, passed

_AUTH = ("auth-missing", "auth-failed")


def _secret_refs(job: dict[str, Any], init: bool | None = None) -> dict[str, tuple[str, str]]:
    """env name -> (secret, key) for every secretKeyRef in the Job's containers (init, main, or both)."""
    out: dict[str, tuple[str, str]] = {}
    groups = [False, True] if init is None else [init]
    for which in groups:
        for c in job_spec_containers(job, init=which):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    out[e.get("name", "")] = (ref.get("name", ""), ref.get("key", ""))
            for src in c.get("envFrom") or []:
                if (src.get("secretRef") or {}).get("name"):
                    out["*"] = (src["secretRef"]["name"], "*")
    return out


def _pod_log(probe, job: str, container: str | None = None) -> tuple[str, str, str | None]:
    """(log, pod name, why the log could not be read) of the Job's newest pod."""
    pods = pods_by_age(probe, job)
    if not pods:
        return "", "", "the Job has no pods"
    name = pods[-1]["metadata"]["name"]
    log, why = logs_of(probe, name, container)
    return log, name, why


_SECRET = P.Param("secret", "object", "the Secret", required=True, kind="Secret")


@check(
    "secret-has-keys",
    params=(
        _SECRET,
        P.Param("keys", "names", "the keys it must hold, none empty", default=("username", "token")),
        P.Param("username", "text", "the value its username key must hold"),
    ),
    reads=("Secret",),
    points=2,
)
def secret_has_keys(*, probe, args, **_: Any):
    """The Secret exists and holds every key asked for, none of them empty (values are never shown)."""
    name, keys = args["secret"], list(args["keys"])
    secret = probe.get("Secret", name)
    if secret is None:
        return failed(
            f"no Secret {name}",
            f"create it: kubectl create secret generic {name} --from-literal=username=... --from-literal=token=...",
            Evidence(f"kubectl get secret {name}", ("NotFound",)),
        )
    data = {k: base64.b64decode(v or "").decode("utf-8", "replace") for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    ev = Evidence(
        f"kubectl get secret {name} -o yaml (values hidden)",
        (f"type: {secret.get('type')}",) + tuple(f"data.{k}: {len(v)} characters" for k, v in data.items()),
    )
    missing = [k for k in keys if k not in data]
    if missing:
        return failed(
            f"Secret {name} has no key {', '.join(missing)} (keys: {', '.join(data) or 'none'})",
            "the key names matter: create it with " + " ".join(f"--from-literal={k}=..." for k in keys),
            ev,
        )
    empty = [k for k in keys if not data[k].strip()]
    if empty:
        return failed(
            f"key {', '.join(empty)} of Secret {name} is empty",
            f"give {', '.join(empty)} a value: was the shell variable in --from-literal set?",
            ev,
        )
    if args["username"] and data.get("username", "").strip() != args["username"]:
        return failed(
            f"Secret {name} holds username {data.get('username')!r}, not {args['username']!r}",
            f"recreate it with --from-literal=username={args['username']}",
            ev,
        )
    if any(data[k] != data[k].strip() for k in keys):
        return failed(
            f"a value in Secret {name} starts or ends with whitespace (a newline from a file?)",
            "use --from-literal (or a file without a trailing newline): git sends the newline as part of the token.",
            ev,
        )
    return passed(f"Secret {name} holds {', '.join(keys)}", ev)


@check(
    "clone-denied",
    params=(P.job("the Job that clones without credentials"), P.timeout(120, "the Job to finish")),
    reads=("Job", "Pod"),
)
def clone_denied(*, probe, args, **_: Any):
    """A Job cloning the private repository without credentials fails, and its log says why: authentication."""
    name = args["job"]
    _job, state, line = wait_job(probe, name, args["timeout"])
    if state == "missing":
        return failed(
            f"no Job {name}",
            f"create the Job `{name}` that clones the private repository without credentials.",
            job_evidence(name, line),
        )
    log, pod, why = _pod_log(probe, name)
    git = parse_git_output(log)
    ev = Evidence(
        f"kubectl logs {pod or 'job/' + name}", ((git.line,) if git.line else tail(log, 6)) or ((why,) if why else ("(no log)",))
    )
    if why and state == "failed":
        return error(f"Job {name} failed, but its log could not be read to tell why: {why[:200]}", job_evidence(name, line), ev)
    if state == "complete":
        return failed(
            f"Job {name} succeeded: the private repository was cloned without credentials",
            "this Job must show what happens without the Secret: clone the private repository, with no credentials.",
            job_evidence(name, line),
            ev,
        )
    if state == "running":
        return failed(
            f"Job {name} has not finished: {line}",
            "give the Job `backoffLimit: 0` and `restartPolicy: Never`, so a refused clone fails at once instead of retrying.",
            job_evidence(name, line),
            ev,
        )
    if git.kind in _AUTH:
        return passed(
            f"Job {name} failed as expected: the server asked for credentials ({git.line[:120]})", job_evidence(name, line), ev
        )
    return failed(
        f"Job {name} failed, but not because of missing credentials ({git.line or 'no git error in the log'})",
        "the clone should fail with an authentication error; "
        + (
            "the server was not reachable: check the repository URL."
            if git.kind == "network"
            else "the repository was not found: check the URL."
            if git.kind == "not-found"
            else "read `kubectl logs job/" + name + "`."
        ),
        job_evidence(name, line),
        ev,
    )


def _result_line(log: str) -> str | None:
    nums = numbers_in(log)
    return nums[-1][1] if nums else None


@check(
    "clone-with-secret",
    params=(P.job("the Job that clones with the Secret's credentials"), _SECRET, P.timeout(180, "the Job to finish")),
    reads=("Job", "Pod", "Secret"),
)
def clone_with_secret(*, probe, args, **_: Any):
    """A Job that takes git credentials from the Secret clones the private repository and runs its code."""
    name, secret = args["job"], args["secret"]
    job = need(probe, "Job", name, f"create the Job `{name}` that reads the credentials from Secret `{secret}`.")
    refs = _secret_refs(job)
    ref_ev = Evidence(
        f"kubectl get job {name} -o yaml (env)",
        tuple(f"{env} <- secret {s} key {k}" for env, (s, k) in refs.items()) or ("no env from a Secret",),
    )
    if not any(s == secret for s, _k in refs.values()):
        return failed(
            f"Job {name} does not read Secret {secret}",
            f"pass the credentials as env: valueFrom.secretKeyRef with name: {secret} and key: username / token.",
            ref_ev,
        )
    job, state, line = wait_job(probe, name, args["timeout"])
    log, pod, why = _pod_log(probe, name)
    git = parse_git_output(log)
    log_ev = Evidence(
        f"kubectl logs {pod or 'job/' + name}",
        ((git.line,) if git.line else ()) + tail(log, 6) or ((why,) if why else ("(no log)",)),
    )
    if why and state != "missing":
        return error(f"the log of Job {name} could not be read: {why[:200]}", job_evidence(name, line), ref_ev, log_ev)
    if state != "complete":
        if git.kind == "auth-failed":
            hint = (
                f"the git server refused the username/token from Secret `{secret}`: is the token right? Recreate the "
                f"Secret (kubectl delete secret {secret}; kubectl create secret generic {secret} --from-literal=username=... "
                "--from-literal=token=...) and run the Job again."
            )
        elif git.kind == "auth-missing":
            hint = (
                "git sent no credentials: the container must hand the username and token from the Secret to git "
                "(the credential helper in the lesson reads $GIT_USERNAME and $GIT_TOKEN)."
            )
        elif git.kind:
            hint = f"the clone failed ({git.kind}): {git.line[:160]}"
        else:
            hint = f"read the log: kubectl logs job/{name}"
        return failed(
            f"Job {name} failed: {git.line[:160]}" if git.line else f"Job {name} did not succeed: {line}",
            hint,
            job_evidence(name, line),
            ref_ev,
            log_ev,
        )
    result = _result_line(log)
    if result is None:
        return failed(
            f"Job {name} succeeded but its log shows no result",
            "the Job should run the code it cloned (python3 pi.py).",
            job_evidence(name, line),
            ref_ev,
            log_ev,
        )
    return passed(
        f"Job {name} cloned the private repository with Secret {secret} and printed {result.strip()[:80]}",
        job_evidence(name, line),
        ref_ev,
        Evidence(f"kubectl logs {pod}", (result,)),
    )


@check(
    "init-clone",
    params=(
        P.job("the Job with the init container", required=False),
        P.generate_name(),
        P.Param("init", "container", "the init container that clones (default: the first)"),
        P.container("the main container that runs the code (default: the first)"),
        P.Param("path", "path", "where the init container clones to"),
        P.Param("expect", "number", "the number the main container should print"),
        P.Param("tolerance", "number", "how far from expect it may be", default=0.01),
        P.timeout(180, "the Job to finish"),
    ),
    one_of=(("job", "generate-name"),),
    reads=("Job", "Pod"),
    points=3,
)
def init_clone(*, probe, args, mode: str = "run", labels: dict[str, str] | None = None, **_: Any):
    """An init container cloned the code into a shared volume, and the main container ran it (both logs checked)."""
    name, shown = args["job"], args["job"] or ""
    evidence: list[Evidence] = []
    if not name:
        name, found_ev, shown = resolve_job(probe, args, mode=mode, labels=labels)
        if found_ev is not None:  # always, with generate-name
            evidence.append(found_ev)
    if not name:
        return failed(
            f"no Job made from generateName {args['generate-name']}",
            f"create the Job with `kubectl create -f` (generateName: {args['generate-name']}).",
            *evidence,
        )
    path = args["path"]
    job, state, line = wait_job(probe, name, args["timeout"])
    evidence.append(job_evidence(name, line))
    if state == "missing":
        return failed(f"no Job {name}", f"create the Job `{name}`.", *evidence)
    assert job is not None  # wait_job gives None only for a missing Job
    inits = job_spec_containers(job, init=True)
    if not inits:
        return failed(
            f"Job {name} has no init container",
            "add `initContainers:` with a container that clones the repository into the shared volume.",
            *evidence,
        )
    init_name = args["init"] or inits[0].get("name")
    main_name = args["container"] or (job_spec_containers(job) or [{}])[0].get("name")
    pods = pods_by_age(probe, name)
    if not pods:
        return failed(f"Job {name} has no pods: {line}", "look at `kubectl describe job " + name + "`.", *evidence)
    pod = next((p for p in reversed(pods) if status_of(p).get("phase") == "Succeeded"), pods[-1])
    pod_name = pod["metadata"]["name"]
    states = tuple(container_line(cs) for cs in container_statuses(pod, init=True) + container_statuses(pod))
    evidence.append(Evidence(f"kubectl get pod {pod_name}", states))
    init_log, why = logs_of(probe, pod_name, init_name)
    if why:
        return error(f"the log of init container {init_name} (pod {pod_name}) could not be read: {why[:200]}", *evidence)
    git = parse_git_output(init_log)
    evidence.append(Evidence(f"kubectl logs {pod_name} -c {init_name}", tail(init_log, 5) or ("(no log)",)))
    init_status = next((cs for cs in container_statuses(pod, init=True) if cs.get("name") == init_name), None)
    init_exit = (terminated(init_status) or {}).get("exitCode") if init_status else None
    if init_exit not in (0, None) or git.kind:
        hint = {
            "auth-failed": "the git server refused the credentials: is the token in the Secret right?",
            "auth-missing": "the init container sent no credentials to git: pass the Secret's username and token to it.",
            "not-found": "the repository was not found: check its URL.",
            "network": "the init container could not reach the git server: check the URL.",
            "exists": "the target directory is not empty: clone into an empty directory of the shared volume.",
        }.get(git.kind or "", "read the init container's log: kubectl logs " + pod_name + " -c " + init_name)
        return failed(
            f"init container {init_name} of {shown} failed" + (f": {git.line[:140]}" if git.line else f" (exit {init_exit})"),
            hint,
            *evidence,
        )
    main_log, why = logs_of(probe, pod_name, main_name)
    if why:
        return error(f"the log of container {main_name} (pod {pod_name}) could not be read: {why[:200]}", *evidence)
    evidence.append(Evidence(f"kubectl logs {pod_name} -c {main_name}", tail(main_log, 5) or ("(no log)",)))
    wrong_place = git.cloned_into and path and git.cloned_into.rstrip("/") != path.rstrip("/")
    if state != "complete":
        if wrong_place:
            return failed(
                f"the main container of {shown} found no code: the init container cloned into {git.cloned_into}, not {path}",
                f"clone into `{path}` (the last argument of `git clone`), the directory the main container runs the code from.",
                *evidence,
            )
        return failed(
            f"Job {shown} did not succeed: {line}",
            f"the main container {main_name} failed after the clone: {(tail(main_log, 1) or ('',))[0][:160]}",
            *evidence,
        )
    if wrong_place:
        return failed(f"the init container cloned into {git.cloned_into}, not {path}", f"clone into `{path}`.", *evidence)
    nums = numbers_in(main_log)
    if not nums:
        return failed(
            f"the main container {main_name} of {shown} printed no result", "it should run the cloned pi.py.", *evidence
        )
    if args["expect"] is not None and abs(nums[-1][0] - args["expect"]) > args["tolerance"]:
        return failed(
            f"the main container printed {nums[-1][0]}, not about {args['expect']}", "is it running the cloned pi.py?", *evidence
        )
    where = f" into {git.cloned_into}" if git.cloned_into else ""
    return passed(
        f"init container {init_name} cloned the code{where}; {main_name} ran it and printed {nums[-1][0]!r} (pod {pod_name})",
        *evidence,
    )
