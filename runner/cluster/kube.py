"""Kubernetes API helpers used after the processes are up (python ``kubernetes`` client).

Everything that waits uses a watch with a deadline (no fixed sleeps): node Ready, the
default ServiceAccount, and the smoke pod that proves scheduling, image pull from the
local registry, CNI and the container runtime all work before ``up`` returns.
"""

from __future__ import annotations

import time
import uuid
from typing import Callable

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from runner.cluster import gpu, paths, storage


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
        subjects=[client.RbacV1Subject(kind="User", name=user, api_group="rbac.authorization.k8s.io")])
    try:
        rbac.create_cluster_role_binding(body)
    except ApiException as e:
        if e.status != 409:
            raise


def post_start(a: client.ApiClient, log: Callable[[str], None] = lambda s: None) -> None:
    # apiserver -> kubelet (logs, exec, port-forward) is authorized by the kubelet via SAR
    _apply_crb(a, "tutorial:apiserver-kubelet-client", "system:kubelet-api-admin", "kube-apiserver-kubelet-client")
    storage.ensure_storage_classes(a)


def wait_node_ready(a: client.ApiClient, name: str, timeout: float) -> None:
    core = client.CoreV1Api(a)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node_ready(a, name):
            try:
                gpu.ensure_gpu(a, name)
            except ApiException:
                pass
            return
        w = watch.Watch()
        try:
            for ev in w.stream(core.list_node, field_selector=f"metadata.name={name}",
                               timeout_seconds=max(1, int(min(10, deadline - time.monotonic())))):
                obj = ev["object"]
                if any(c.type == "Ready" and c.status == "True" for c in (obj.status.conditions or [])):
                    w.stop()
                    break
        except ApiException:
            time.sleep(1)
    if not node_ready(a, name):
        raise TimeoutError(f"node {name} not Ready after {timeout:.0f}s (see {paths.logs_dir() / 'kubelet.log'})")
    gpu.ensure_gpu(a, name)


def wait_default_sa(a: client.ApiClient, timeout: float, namespace: str = "default") -> None:
    core = client.CoreV1Api(a)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            core.read_namespaced_service_account("default", namespace)
            return
        except ApiException as e:
            if e.status != 404:
                raise
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_service_account, namespace,
                           timeout_seconds=max(1, int(min(5, deadline - time.monotonic())))):
            if ev["object"].metadata.name == "default":
                w.stop()
                return
    raise TimeoutError(f"ServiceAccount {namespace}/default not created after {timeout:.0f}s "
                       f"(controller-manager log: {paths.logs_dir() / 'kube-controller-manager.log'})")


def wait_pod_phase(a: client.ApiClient, namespace: str, name: str, phases: set[str], timeout: float) -> client.V1Pod:
    """Watch a pod until its phase is in ``phases``; raise with its status on timeout/failure."""
    core = client.CoreV1Api(a)
    deadline = time.monotonic() + timeout
    pod = core.read_namespaced_pod(name, namespace)
    while pod.status.phase not in phases and time.monotonic() < deadline:
        if pod.status.phase == "Failed" and "Failed" not in phases:
            break
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_pod, namespace, field_selector=f"metadata.name={name}",
                           resource_version=pod.metadata.resource_version,
                           timeout_seconds=max(1, int(min(10, deadline - time.monotonic())))):
            pod = ev["object"]
            if pod.status.phase in phases or pod.status.phase == "Failed":
                w.stop()
                break
        else:
            pod = core.read_namespaced_pod(name, namespace)
    if pod.status.phase not in phases:
        raise TimeoutError(f"pod {namespace}/{name} is {pod.status.phase}, wanted {sorted(phases)}: "
                           f"{_pod_why(pod)}")
    return pod


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
        spec=client.V1PodSpec(restart_policy="Never", termination_grace_period_seconds=0,
                              automount_service_account_token=False,
                              containers=[client.V1Container(name="smoke", image="busybox:latest",
                                                             command=["sh", "-c", "echo smoke-ok"])]))
    core.create_namespaced_pod("default", pod)
    try:
        wait_pod_phase(a, "default", name, {"Succeeded"}, timeout)
    finally:
        try:
            core.delete_namespaced_pod(name, "default", grace_period_seconds=0)
        except ApiException:
            pass
