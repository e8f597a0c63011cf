"""Generic object operations through the dynamic client, with errors translated.

`ObjectRef` names an object precisely enough to find it again (kind,
apiVersion, name, namespace, uid): the cleaner keeps a list of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import Conflict, NotFound, translate
from runner.syntax.k8s import API_VERSIONS, mapping

# namespaced kinds a tutorial creates, in the order they are safely deleted (owners before what they use)
SWEEP_KINDS = (
    "CronJob",
    "Job",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Pod",
    "Service",
    "Ingress",
    "RoleBinding",
    "Role",
    "ServiceAccount",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
)


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    name: str
    namespace: str | None
    api_version: str = ""
    uid: str | None = None

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name}"

    @property
    def version(self) -> str:
        return self.api_version or API_VERSIONS.get(self.kind, "v1")


def resource(cluster: Cluster, kind: str, api_version: str | None = None):
    try:
        return cluster.dynamic.resources.get(api_version=api_version or API_VERSIONS.get(kind, "v1"), kind=kind)
    except Exception as exc:
        raise translate(exc, f"finding the API of kind {kind}") from exc


def create(cluster: Cluster, body: dict[str, Any]) -> ObjectRef:
    kind, version = body.get("kind", ""), body.get("apiVersion", "")
    res = resource(cluster, kind, version)
    meta = mapping(body.get("metadata"))
    ns = None if not res.namespaced else (meta.get("namespace") or cluster.namespace)
    what = f"creating {kind.lower()}/{meta.get('name') or str(meta.get('generateName') or '') + '*'}"
    try:
        out = res.create(body=body, namespace=ns)
    except Exception as exc:
        raise translate(exc, what) from exc
    return ObjectRef(kind, out.metadata.name, ns, version, out.metadata.uid)


def validate(cluster: Cluster, body: dict[str, Any]) -> list[str]:
    """Ask the API server whether it would create the object as written, storing nothing (`kubectl apply --dry-run=server`).

    Fields are checked strictly, as kubectl does (`fieldValidation=Strict`):
    a field in the wrong place is an error, not a warning. Raises the
    translated error (`Invalid`, or a 400 `ClusterError`) when it would not;
    returns the API server's warnings when it would (a Job whose pods Pod
    Security would reject is created, with a warning saying so).
    """
    kind, version = body.get("kind", ""), body.get("apiVersion", "")
    res = resource(cluster, kind, version)
    meta = mapping(body.get("metadata"))
    ns = None if not res.namespaced else (meta.get("namespace") or cluster.namespace)
    what = f"checking {kind.lower()}/{meta.get('name') or str(meta.get('generateName') or '') + '*'}"
    try:
        _data, _status, headers = cluster.api.call_api(
            res.path(namespace=ns),
            "POST",
            query_params=[("dryRun", "All"), ("fieldValidation", "Strict")],
            body=body,
            header_params={"Accept": "application/json", "Content-Type": "application/json"},
            auth_settings=["BearerToken"],
            response_type="object",
            _preload_content=True,
            _return_http_data_only=False,
        )
    except Exception as exc:
        raise translate(exc, what) from exc
    return warnings_of(headers.get("Warning") if headers else None)


def warnings_of(header: str | None) -> list[str]:
    """The texts of an HTTP Warning header (`299 - "text", 299 - "text"`), unquoted."""
    if not header:
        return []
    out = []
    for m in re.finditer(r'\d{3} \S+ "((?:[^"\\]|\\.)*)"', header):
        out.append(m.group(1).replace('\\"', '"'))
    return out


def get(cluster: Cluster, ref: ObjectRef) -> dict[str, Any] | None:
    """The object as a dict, or None when it does not exist."""
    res = resource(cluster, ref.kind, ref.version)
    try:
        return res.get(name=ref.name, namespace=ref.namespace if res.namespaced else None).to_dict()
    except Exception as exc:
        err = translate(exc, f"reading {ref}")
        if isinstance(err, NotFound):
            return None
        raise err from exc


def delete(cluster: Cluster, ref: ObjectRef, propagation: str = "Background") -> bool:
    """Delete; False when it was already gone. Pods of a Job go with it (propagation)."""
    res = resource(cluster, ref.kind, ref.version)
    body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
    if ref.uid:
        body["preconditions"] = {"uid": ref.uid}
    try:
        res.delete(name=ref.name, namespace=ref.namespace if res.namespaced else None, body=body)
        return True
    except Exception as exc:
        err = translate(exc, f"deleting {ref}")
        if isinstance(err, NotFound):
            return False
        if isinstance(err, Conflict) and ref.uid:
            return False  # a newer object of that name: not ours, leave it
        raise err from exc


def patch_labels(cluster: Cluster, ref: ObjectRef, labels: dict[str, str]) -> None:
    res = resource(cluster, ref.kind, ref.version)
    try:
        res.patch(
            name=ref.name,
            namespace=ref.namespace,
            body={"metadata": {"labels": labels}},
            content_type="application/merge-patch+json",
        )
    except Exception as exc:
        raise translate(exc, f"labelling {ref}") from exc


# finalizers a controller of Kubernetes itself serves (the garbage collector's); every other one is domain-qualified
# (`kubernetes.io/pvc-protection`, `example.com/cleanup`) when a controller serves it
_SERVED_PLAIN_FINALIZERS = frozenset({"foregroundDeletion", "orphan"})


def release_unserved_finalizers(cluster: Cluster, ref: ObjectRef, attempts: int = 5) -> list[str]:
    """Drop the finalizers of an object being deleted that nothing serves: plain names a tutorial sets to show what a
    finalizer does (`finalizers: [kubernetes]` on a ConfigMap). Left, they hold the object, and its namespace,
    forever. Domain-qualified ones (a controller's) and the garbage collector's stay. Returns what was dropped.

    The garbage collector updates the object meanwhile (foreground deletion): on a conflict it is read again."""
    for _ in range(attempts):
        dropped = _release_once(cluster, ref)
        if dropped is not None:
            return dropped
    return []


def _release_once(cluster: Cluster, ref: ObjectRef) -> list[str] | None:
    """One read and patch; None when the object changed in between (a conflict: read it again)."""
    obj = get(cluster, ref)
    meta = (obj or {}).get("metadata") or {}
    if not meta.get("deletionTimestamp") or (ref.uid and meta.get("uid") != ref.uid):
        return []
    finalizers = list(meta.get("finalizers") or [])
    # a controller's finalizer is qualified by a domain, after a slash or in dots (`x.argoproj.io`)
    unserved = [f for f in finalizers if "/" not in f and "." not in f and f not in _SERVED_PLAIN_FINALIZERS]
    if not unserved:
        return []
    kept = [f for f in finalizers if f not in unserved]
    res = resource(cluster, ref.kind, ref.version)
    try:
        res.patch(
            name=ref.name,
            namespace=ref.namespace,
            body={"metadata": {"finalizers": kept or None, "resourceVersion": meta.get("resourceVersion")}},
            content_type="application/merge-patch+json",
        )
    except Exception as exc:
        err = translate(exc, f"releasing the finalizers of {ref}")
        if isinstance(err, Conflict):
            return None
        if isinstance(err, NotFound):
            return []  # gone meanwhile
        raise err from exc
    return unserved


def list_labeled(cluster: Cluster, selector: str, kinds: Iterable[str] = SWEEP_KINDS) -> list[ObjectRef]:
    """Objects of these kinds in the namespace that match a label selector."""
    found: list[ObjectRef] = []
    for kind in kinds:
        res = resource(cluster, kind)
        try:
            items = res.get(namespace=cluster.namespace, label_selector=selector).items
        except Exception as exc:
            raise translate(exc, f"listing {kind} objects") from exc
        for item in items:
            found.append(ObjectRef(kind, item.metadata.name, cluster.namespace, API_VERSIONS.get(kind, "v1"), item.metadata.uid))
    return found


def pods_of_job(cluster: Cluster, job: str) -> list[dict[str, Any]]:
    """The pods of a Job, oldest first (`<job>-<hash>` in tutorials)."""
    try:
        pods = cluster.core.list_namespaced_pod(cluster.namespace, label_selector=f"batch.kubernetes.io/job-name={job}").items
        if not pods:
            pods = cluster.core.list_namespaced_pod(cluster.namespace, label_selector=f"job-name={job}").items
    except Exception as exc:
        raise translate(exc, f"listing the pods of job/{job}") from exc
    dicts = [cluster.api.sanitize_for_serialization(p) for p in pods]
    return sorted(dicts, key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"]))
