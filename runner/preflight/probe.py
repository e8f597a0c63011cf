"""`preflight --probe`: the few things only trying tells, tried once and deleted: each image pulls, each claim binds.

A short pod per image the lesson's pods use (as this cluster runs them,
after the profile's image map), restricted enough for any Pod Security
level; it counts as pulled once its container got past the pull (running,
finished, or refused to start for another reason). A claim per storage class
the lesson's claims name; with WaitForFirstConsumer a pod mounts it. Every
object carries our labels and is deleted before preflight answers, whatever
happened.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from runner.effects import Effects
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError
from runner.kube.objects import ObjectRef, create, delete
from runner.kube.wait import Outcome, WaitFailed, gone, pvc_bound, wait_for
from runner.plan.profile import Profile
from runner.preflight.items import FAIL, OK, UNKNOWN, Item

PULL_FAILED = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")
PULL_TIMEOUT = 300.0
BIND_TIMEOUT = 180.0
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": 65534,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def pulled(pod: dict[str, Any] | None) -> Outcome:
    """Done once the container got past its image: running, finished, or stopped for a reason that is not the pull."""
    if pod is None:
        return Outcome(False, state="not created yet")
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    if not statuses:
        return Outcome(False, state=(pod.get("status") or {}).get("phase", "Pending"))
    state = statuses[0].get("state") or {}
    if "running" in state or "terminated" in state:
        return Outcome(True, state="pulled")
    reason = (state.get("waiting") or {}).get("reason", "")
    if reason in PULL_FAILED:
        return Outcome(False, f"{reason}: {(state.get('waiting') or {}).get('message', '')}"[:300], reason)
    if reason and reason != "ContainerCreating":
        return Outcome(True, state=f"pulled ({reason})")
    return Outcome(False, state=reason or "Pending")


def _images(effects: Effects, profile: Profile | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in effects.events:
        if not e.creates or e.manifest is None:
            continue
        for c in e.manifest.obj.containers(init=None):
            if c.image:
                image = (profile.image_for(c.image) if profile else None) or c.image
                out.setdefault(image, e.manifest.obj.line)
    return out


def _name(prefix: str, text: str) -> str:
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def _pod(name: str, image: str, labels: dict[str, str], claim: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 0,
        "containers": [
            {"name": "probe", "image": image, "command": ["true"], "securityContext": RESTRICTED, "resources": _SMALL}
        ],
    }
    if claim:
        spec["volumes"] = [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]
        spec["containers"][0]["volumeMounts"] = [{"name": "v", "mountPath": "/probe"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels}, "spec": spec}


_SMALL = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}


def probe(
    cluster: Cluster,
    effects: Effects,
    profile: Profile | None,
    classes: dict[str, tuple[str, int, tuple[str, ...]]],
    labels: dict[str, str],
) -> list[Item]:
    """Try each image, and each storage class with the access modes the lesson asks of it (`classes`: name -> (binding
    mode, line, access modes)); delete what was made."""
    items: list[Item] = []
    made: list[ObjectRef] = []
    helper = (profile.image_for("busybox") if profile else None) or "busybox"
    try:
        for image, line in _images(effects, profile).items():
            t0 = time.monotonic()
            try:
                ref = create(cluster, _pod(_name("preflight-image", image), image, labels))
                made.append(ref)
                wait_for(cluster, ref, pulled, PULL_TIMEOUT)
                items.append(Item("images", OK, image, f"pulled on a node in {time.monotonic() - t0:.1f} s", line))
            except (WaitFailed, ClusterError) as exc:
                if exc.exit_code == 3 and isinstance(exc, ClusterError) and "forbidden" not in str(exc):
                    raise
                items.append(Item("images", FAIL, image, str(exc), line))
        for cls, (mode, line, access) in classes.items():
            t0 = time.monotonic()
            claim = {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": _name("preflight-claim", cls), "labels": labels},
                "spec": {
                    "storageClassName": cls,
                    "accessModes": list(access),
                    "resources": {"requests": {"storage": "1Mi"}},
                },
            }
            try:
                ref = create(cluster, claim)
                made.append(ref)
                if mode == "WaitForFirstConsumer":
                    made.append(create(cluster, _pod(_name("preflight-mount", cls), helper, labels, ref.name)))
                wait_for(cluster, ref, pvc_bound, BIND_TIMEOUT)
                took = time.monotonic() - t0
                items.append(Item("storage", OK, f"a claim of {cls}", f"{', '.join(access)}: bound in {took:.1f} s", line))
            except (WaitFailed, ClusterError) as exc:
                if exc.exit_code == 3 and isinstance(exc, ClusterError) and "forbidden" not in str(exc):
                    raise
                items.append(Item("storage", FAIL, f"a claim of {cls}", str(exc), line))
    finally:
        for ref in reversed(made):
            try:
                delete(cluster, ref)
                wait_for(cluster, ref, gone, 120)
            except ClusterError as exc:
                items.append(Item("storage", UNKNOWN, str(ref), f"could not delete the probe's object: {exc}"))
    return items
