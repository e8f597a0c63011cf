"""Leases (coordination.k8s.io/v1) as plain dicts, through the typed client: no discovery, safe on a thread.

A run's lease is renewed on a thread of its own while the run goes on; the
typed API needs no discovery cache shared with the run's dynamic client, and
every error arrives translated, like every other call of this package.
"""

from __future__ import annotations

from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import Conflict, NotFound, translate


def _as_dict(cluster: Cluster, lease: Any) -> dict[str, Any]:
    return dict(cluster.api.sanitize_for_serialization(lease))


def list_leases(cluster: Cluster, selector: str) -> list[dict[str, Any]]:
    """The leases of the namespace that match a label selector."""
    try:
        listing = cluster.coordination.list_namespaced_lease(cluster.namespace, label_selector=selector, _request_timeout=15)
    except Exception as exc:
        raise translate(exc, f"listing leases ({selector})") from exc
    return [_as_dict(cluster, lease) for lease in listing.items]


def read_lease(cluster: Cluster, name: str) -> dict[str, Any] | None:
    """The lease, or None when there is none."""
    try:
        return _as_dict(cluster, cluster.coordination.read_namespaced_lease(name, cluster.namespace, _request_timeout=15))
    except Exception as exc:
        err = translate(exc, f"reading lease/{name}")
        if isinstance(err, NotFound):
            return None
        raise err from exc


def create_lease(cluster: Cluster, body: dict[str, Any]) -> dict[str, Any]:
    """Create; Conflict when a lease of that name exists."""
    name = body["metadata"]["name"]
    try:
        return _as_dict(cluster, cluster.coordination.create_namespaced_lease(cluster.namespace, body, _request_timeout=15))
    except Exception as exc:
        raise translate(exc, f"creating lease/{name}") from exc


def replace_lease(cluster: Cluster, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the lease as read (metadata.resourceVersion): Conflict when it changed since, NotFound when it is gone."""
    name = body["metadata"]["name"]
    try:
        return _as_dict(
            cluster, cluster.coordination.replace_namespaced_lease(name, cluster.namespace, body, _request_timeout=15)
        )
    except Exception as exc:
        raise translate(exc, f"updating lease/{name}") from exc


def delete_lease(cluster: Cluster, name: str, uid: str | None, resource_version: str | None) -> bool:
    """Delete the lease only as we last wrote it; False when it is gone or changed (then it is not ours)."""
    from kubernetes import client

    pre = client.V1Preconditions(uid=uid, resource_version=resource_version)
    try:
        cluster.coordination.delete_namespaced_lease(
            name, cluster.namespace, body=client.V1DeleteOptions(preconditions=pre), _request_timeout=15
        )
        return True
    except Exception as exc:
        err = translate(exc, f"deleting lease/{name}")
        if isinstance(err, (NotFound, Conflict)):
            return False
        raise err from exc
