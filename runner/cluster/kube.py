"""Kubernetes API helpers used after the processes are up (python ``kubernetes`` client).

Everything that waits uses a watch with a deadline (no fixed sleeps): node Ready, the
default ServiceAccount, and the smoke pod that proves scheduling, image pull from the
local registry, CNI and the container runtime all work before ``up`` returns.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException

from runner.cluster import gpu, paths, storage
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError
from runner.kube.objects import ObjectRef
from runner.kube.wait import Outcome, exists, wait_for


def api() -> client.ApiClient:
    return config.new_client_from_config(config_file=str(paths.admin_kubeconfig()))


def node_ready(a: client.ApiClient, name: str) -> bool:
    try:
        node = client.CoreV1Api(a).read_node(name, _request_timeout=5)
    except ApiException:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))


def _apply_crb(a: client.ApiClient, name: str, role: str, user: str) -> None:
    rbac = client.RbacAuthorizationV1Api(a)
    body = client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name=name),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role),
        subjects=[client.RbacV1Subject(kind="User", name=user, api_group="rbac.authorization.k8s.io")],
    )
    try:
        rbac.create_cluster_role_binding(body)
    except ApiException as e:
        if e.status != 409:
            raise


def post_start(a: client.ApiClient, log: Callable[[str], None] = lambda s: None) -> None:
    # apiserver -> kubelet (logs, exec, port-forward) is authorized by the kubelet via SAR
    _apply_crb(a, "tutorial:apiserver-kubelet-client", "system:kubelet-api-admin", "kube-apiserver-kubelet-client")
    storage.ensure_storage_classes(a)


def _cluster(a: client.ApiClient, namespace: str = "default") -> Cluster:
    return Cluster(api=a, namespace=namespace, kubeconfig=None, context=None)


def _node_ready(node: dict[str, Any] | None) -> Outcome:
    if node is None:
        return Outcome(False, state="not registered yet")
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in (node.get("status") or {}).get("conditions") or []
    )
    return Outcome(ready, state="Ready" if ready else "NotReady")


def wait_node_ready(a: client.ApiClient, name: str, timeout: float) -> None:
    """Watch the node until it is Ready (the same watch-with-deadline as every other wait), then give it its GPUs."""
    try:
        wait_for(_cluster(a), ObjectRef("Node", name, None), _node_ready, timeout)
    except ClusterError as exc:
        raise TimeoutError(f"node {name} not Ready after {timeout:.0f}s ({exc}; see {paths.logs_dir() / 'kubelet.log'})") from exc
    gpu.ensure_gpu(a, name)


def wait_default_sa(a: client.ApiClient, timeout: float, namespace: str = "default") -> None:
    try:
        wait_for(_cluster(a, namespace), ObjectRef("ServiceAccount", "default", namespace), exists, timeout)
    except ClusterError as exc:
        raise TimeoutError(
            f"ServiceAccount {namespace}/default not created after {timeout:.0f}s "
            f"(controller-manager log: {paths.logs_dir() / 'kube-controller-manager.log'})"
        ) from exc


def wait_pod_phase(a: client.ApiClient, namespace: str, name: str, phases: set[str], timeout: float) -> client.V1Pod:
    """Watch a pod until its phase is in ``phases``; raise with its status on timeout/failure."""

    def in_phase(pod: dict[str, Any] | None) -> Outcome:
        phase = ((pod or {}).get("status") or {}).get("phase", "Pending")
        if phase == "Failed" and "Failed" not in phases:
            return Outcome(False, f"failed (wanted {sorted(phases)})", phase)
        return Outcome(pod is not None and phase in phases, state=phase)

    try:
        wait_for(_cluster(a, namespace), ObjectRef("Pod", name, namespace), in_phase, timeout)
    except ClusterError:
        pod = client.CoreV1Api(a).read_namespaced_pod(name, namespace)
        raise TimeoutError(f"pod {namespace}/{name} is {pod.status.phase}, wanted {sorted(phases)}: {_pod_why(pod)}") from None
    return client.CoreV1Api(a).read_namespaced_pod(name, namespace)


def _pod_why(pod: client.V1Pod) -> str:
    bits = []
    for c in pod.status.conditions or []:
        if c.status != "True" and c.message:
            bits.append(f"{c.type}: {c.message}")
    for cs in pod.status.container_statuses or []:
        st = cs.state
        if st.waiting:
            bits.append(f"{cs.name} waiting: {st.waiting.reason} {st.waiting.message or ''}")
        if st.terminated:
            bits.append(f"{cs.name} terminated: {st.terminated.reason} exit {st.terminated.exit_code}")
    return "; ".join(bits) or "(no details)"


def smoke_pod(a: client.ApiClient, timeout: float) -> None:
    """Run a pod to completion with an Always-pull ``:latest`` image; delete it after."""
    core = client.CoreV1Api(a)
    name = f"tutorial-smoke-{uuid.uuid4().hex[:6]}"
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "tutorial-smoke"}),
        spec=client.V1PodSpec(
            restart_policy="Never",
            termination_grace_period_seconds=0,
            automount_service_account_token=False,
            containers=[client.V1Container(name="smoke", image="busybox:latest", command=["sh", "-c", "echo smoke-ok"])],
        ),
    )
    core.create_namespaced_pod("default", pod)
    try:
        wait_pod_phase(a, "default", name, {"Succeeded"}, timeout)
    finally:
        try:
            core.delete_namespaced_pod(name, "default", grace_period_seconds=0)
        except ApiException:
            pass
