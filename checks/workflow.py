"""Checks of the workflow lesson: Jobs made with generateName (found again by their prefix) and data on a claim."""

from __future__ import annotations

import shlex
from typing import Any

from checks import spec as P
from checks.basics import job_evidence, logs_of, pods_by_age, resolve_job, status_of, tail, wait_job
from checks.registry import Evidence, check, failed, passed


@check(
    "generated-job-complete",
    params=(
        P.generate_name("the generateName prefix of the Jobs; the newest one is checked"),
        P.job("instead of generate-name: the Job", required=False),
        P.Param("text", "text", "a line of its log contains this"),
        P.timeout(180, "the Job to finish"),
    ),
    one_of=(("generate-name", "job"),),
    reads=("Job", "Pod"),
    points=2,
)
def generated_job_complete(*, probe, args, mode: str = "run", labels: dict[str, str] | None = None, **_: Any):
    """The newest Job made from a generateName prefix completed, and its log says `text` (when given)."""
    prefix = args["generate-name"]
    name, found_ev, shown = resolve_job(probe, args, mode=mode, labels=labels)
    evidence = [e for e in (found_ev,) if e]
    if not name:
        return failed(
            f"no Job made from generateName {prefix}",
            f"create the Job with `kubectl create -f` (`apply` refuses generateName); its name then starts with {prefix}.",
            *evidence,
        )
    _job, state, line = wait_job(probe, name, args["timeout"])
    evidence.append(job_evidence(name, line))
    pods = pods_by_age(probe, name)
    pod = next((p for p in reversed(pods) if status_of(p).get("phase") == "Succeeded"), pods[-1] if pods else None)
    log, why = logs_of(probe, pod["metadata"]["name"]) if pod else ("", "no pod")
    if pod:
        evidence.append(
            Evidence(f"kubectl logs {pod['metadata']['name']}", tail(log, 6) or ((why,) if why else ("(empty log)",)))
        )
    if state != "complete":
        return failed(
            f"Job {name} (from {shown}) did not complete: {line}",
            f"read its log: kubectl logs job/{name}" + (f" — it says: {(tail(log, 1) or ('',))[0][:140]}" if log else ""),
            *evidence,
        )
    text = args["text"]
    if text and text not in log:
        return failed(
            f"Job {name} completed but its log does not say {text!r}",
            f"the Job should print {text!r}; look at `kubectl logs job/{name}`.",
            *evidence,
        )
    said = f"; its log says {next(l for l in reversed(log.splitlines()) if text in l).strip()[:100]}" if text else ""
    return passed(f"Job {name} (generated from {shown}) completed{said}", *evidence)


@check(
    "claim-has-files",
    params=(
        P.claim(),
        P.Param("files", "paths", "the files (relative to the claim's root) that must be there, not empty", required=True),
    ),
    reads=("PersistentVolumeClaim",),
)
def claim_has_files(*, probe, args, **_: Any):
    """Files the Jobs wrote are on the PersistentVolumeClaim, not empty (so they outlive the pods)."""
    claim, files = args["claim"], list(args["files"])
    if probe.get("PersistentVolumeClaim", claim) is None:
        return failed(
            f"no PersistentVolumeClaim {claim}",
            f"create the claim `{claim}` first.",
            Evidence(f"kubectl get pvc {claim}", ("NotFound",)),
        )
    script = (
        "; ".join(
            f'if [ -s /data/{shlex.quote(f)} ]; then echo "ok {f} $(wc -c < /data/{shlex.quote(f)}) bytes"; '
            f'else echo "missing {f}"; fi'
            for f in files
        )
        + "; echo '--- ls'; ls -R /data | head -40"
    )
    result = probe.read_claim(claim, script)
    report, _, listing = result.stdout.partition("--- ls")
    lines = [l for l in report.splitlines() if l.strip()]
    ev = Evidence(
        f"files on claim {claim} (read-only inspector pod, exit {result.exit_code})",
        tuple(lines) + tuple(l for l in listing.splitlines() if l.strip())[:15],
    )
    if not result.ok and not lines:
        return failed(f"could not look at the files on claim {claim}", "is the claim Bound? (kubectl get pvc " + claim + ")", ev)
    missing = [l.split(" ", 1)[1] for l in lines if l.startswith("missing ")]
    if missing:
        return failed(
            f"{', '.join(missing)} not on claim {claim} (or empty)",
            f"the Job must write into the claim: mount it (volumes[].persistentVolumeClaim.claimName: {claim}, not an emptyDir) "
            "at the path it writes to.",
            ev,
        )
    return passed(f"claim {claim} holds {', '.join(files)}", ev)
