"""Probes of the behaviours lessons rely on, run against the real local cluster.

Each probe runs real pods; every wait is a watch (or a followed log stream) with a
deadline, never a fixed sleep.
"""

from __future__ import annotations

import time
import uuid

import pytest
from kubernetes import client

from runner.cli.main import crashed
from runner.cluster import gitserver, kube
from runner.cluster.cluster import git_credentials

pytestmark = pytest.mark.e2e

GIT = "http://10.244.0.1:8418"


def _pod(
    name: str,
    command: str,
    image: str = "busybox:latest",
    volumes=(),
    mounts=(),
    resources=None,
    node_selector=None,
    env=None,
    restart="Never",
) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1PodSpec(
            restart_policy=restart,
            termination_grace_period_seconds=0,
            node_selector=node_selector,
            volumes=list(volumes) or None,
            containers=[
                client.V1Container(
                    name="main",
                    image=image,
                    command=["sh", "-c", command],
                    volume_mounts=list(mounts) or None,
                    resources=resources,
                    env=[client.V1EnvVar(name=k, value=v) for k, v in (env or {}).items()] or None,
                )
            ],
        ),
    )


def run_to_end(api, ns: str, pod: client.V1Pod, timeout: float = 90) -> tuple[str, str]:
    """Create ``pod``, wait until it Succeeded/Failed; return (phase, logs). Pod is deleted."""
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(ns, pod)
    name = pod.metadata.name
    try:
        p = kube.wait_pod_phase(api, ns, name, {"Succeeded", "Failed"}, timeout)
        return p.status.phase, core.read_namespaced_pod_log(name, ns)
    finally:
        core.delete_namespaced_pod(name, ns, grace_period_seconds=0)


def uid() -> str:
    return uuid.uuid4().hex[:6]


def test_emptydir_memory_is_tmpfs(kube_api, namespace):
    pod = _pod(
        f"tmpfs-{uid()}",
        "grep ' /scratch ' /proc/mounts",
        volumes=[client.V1Volume(name="s", empty_dir=client.V1EmptyDirVolumeSource(medium="Memory"))],
        mounts=[client.V1VolumeMount(name="s", mount_path="/scratch")],
    )
    phase, logs = run_to_end(kube_api, namespace, pod)
    assert phase == "Succeeded", logs
    assert logs.split()[2] == "tmpfs", logs


def test_configmap_volume_is_read_only(kube_api, namespace):
    core = client.CoreV1Api(kube_api)
    cm = f"ro-{uid()}"
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=cm), data={"key": "v1"}))
    pod = _pod(
        f"ro-{uid()}",
        "cat /cfg/key; echo; echo x > /cfg/new 2>&1; echo rc=$?",
        volumes=[client.V1Volume(name="c", config_map=client.V1ConfigMapVolumeSource(name=cm))],
        mounts=[client.V1VolumeMount(name="c", mount_path="/cfg")],
    )
    phase, logs = run_to_end(kube_api, namespace, pod)
    assert phase == "Succeeded", logs
    assert "v1" in logs
    assert "Read-only file system" in logs, logs
    assert "rc=0" not in logs


def test_configmap_update_reaches_running_pod(kube_api, namespace):
    core = client.CoreV1Api(kube_api)
    cm, name = f"live-{uid()}", f"live-{uid()}"
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=cm), data={"key": "before"})
    )
    pod = _pod(
        name,
        'while true; do echo "value=$(cat /cfg/key)"; sleep 0.5; done',
        volumes=[client.V1Volume(name="c", config_map=client.V1ConfigMapVolumeSource(name=cm))],
        mounts=[client.V1VolumeMount(name="c", mount_path="/cfg")],
    )
    core.create_namespaced_pod(namespace, pod)
    try:
        kube.wait_pod_phase(kube_api, namespace, name, {"Running"}, 90)
        core.patch_namespaced_config_map(cm, namespace, {"data": {"key": "after"}})
        t0 = time.monotonic()
        stream = core.read_namespaced_pod_log(
            name, namespace, follow=True, since_seconds=1, _preload_content=False, _request_timeout=20
        )
        seen = False
        for line in stream.stream():
            if b"value=after" in line:
                seen = True
                break
            if time.monotonic() - t0 > 15:
                break
        stream.release_conn()
        elapsed = time.monotonic() - t0
        assert seen and elapsed <= 15, f"ConfigMap update not visible in the pod after {elapsed:.1f}s"
    finally:
        core.delete_namespaced_pod(name, namespace, grace_period_seconds=0)


def test_pvc_binds_and_data_survives_pod_deletion(kube_api, namespace):
    core = client.CoreV1Api(kube_api)
    claim = f"data-{uid()}"
    core.create_namespaced_persistent_volume_claim(
        namespace,
        client.V1PersistentVolumeClaim(
            metadata=client.V1ObjectMeta(name=claim),
            spec=client.V1PersistentVolumeClaimSpec(
                access_modes=["ReadWriteMany"],
                storage_class_name="rook-cephfs",
                resources=client.V1VolumeResourceRequirements(requests={"storage": "1Gi"}),
            ),
        ),
    )
    from kubernetes import watch

    w = watch.Watch()
    phase = None
    for ev in w.stream(
        core.list_namespaced_persistent_volume_claim, namespace, field_selector=f"metadata.name={claim}", timeout_seconds=30
    ):
        phase = ev["object"].status.phase
        if phase == "Bound":
            w.stop()
    assert phase == "Bound", f"PVC {claim} is {phase} after 30s"
    vol = [client.V1Volume(name="d", persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name=claim))]
    mnt = [client.V1VolumeMount(name="d", mount_path="/data")]
    token = uuid.uuid4().hex
    ph, logs = run_to_end(kube_api, namespace, _pod(f"writer-{uid()}", f"echo {token} > /data/f", volumes=vol, mounts=mnt))
    assert ph == "Succeeded", logs
    ph, logs = run_to_end(kube_api, namespace, _pod(f"reader-{uid()}", "cat /data/f", volumes=vol, mounts=mnt))
    assert ph == "Succeeded" and token in logs, logs


def test_private_clone_needs_token(kube_api, namespace):
    user, token = git_credentials()
    repo = gitserver.PRIVATE_REPO
    ph, logs = run_to_end(
        kube_api,
        namespace,
        _pod(f"noauth-{uid()}", f"GIT_TERMINAL_PROMPT=0 git clone {GIT}/{repo}.git /tmp/r", image="python:3.11"),
    )
    assert ph == "Failed", logs
    ph, logs = run_to_end(
        kube_api,
        namespace,
        _pod(
            f"auth-{uid()}",
            f"git clone -q http://{user}:{token}@10.244.0.1:8418/{repo}.git /tmp/r && cd /tmp/r && python3 pi.py",
            image="python:3.11",
            env={"PI_STEPS": "100000"},
        ),
    )
    assert ph == "Succeeded", logs
    assert logs.strip().startswith("3.14159"), logs


def test_public_clone_and_git_image(kube_api, namespace):
    ph, logs = run_to_end(
        kube_api,
        namespace,
        _pod(f"pub-{uid()}", f"git clone -q {GIT}/{gitserver.PUBLIC_REPO} /tmp/r && python3 /tmp/r/pi.py", image="python:3.11"),
    )
    assert ph == "Succeeded", logs
    assert logs.strip().startswith("3.14"), logs


def test_gpu_pod_schedules_and_nvidia_smi_runs(kube_api, namespace):
    res = client.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"}, requests={"nvidia.com/gpu": "1"})
    ph, logs = run_to_end(
        kube_api,
        namespace,
        _pod(
            f"gpu-{uid()}",
            "nvidia-smi",
            image="nvidia/cuda:12.2.0-base-ubuntu22.04",
            resources=res,
            node_selector={"nvidia.com/gpu.product": "NVIDIA-A10"},
        ),
    )
    assert ph == "Succeeded", logs
    assert "NVIDIA A10" in logs and "23028MiB" in logs, logs


def test_service_reachable_by_dns_name(kube_api, namespace):
    """kube-proxy (ClusterIP) + CoreDNS: a Service answers by name from another pod."""
    core = client.CoreV1Api(kube_api)
    name = f"web-{uid()}"
    pod = _pod(
        name,
        "echo hello-from-web > /tmp/index.html && cd /tmp && exec python3 -m http.server 8000",
        image="python:3.11",
        restart="Always",
    )
    pod.metadata.labels = {"app": name}
    core.create_namespaced_pod(namespace, pod)
    core.create_namespaced_service(
        namespace,
        client.V1Service(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1ServiceSpec(selector={"app": name}, ports=[client.V1ServicePort(port=80, target_port=8000)]),
        ),
    )
    try:
        kube.wait_pod_phase(kube_api, namespace, name, {"Running"}, 90)
        ph, logs = run_to_end(
            kube_api,
            namespace,
            _pod(
                f"client-{uid()}",
                f"for i in $(seq 1 40); do curl -sf http://{name}.{namespace}.svc.cluster.local/index.html && exit 0; "
                "sleep 0.5; done; exit 1",
            ),
        )  # retry loop inside the pod: the server needs a moment to listen
        assert ph == "Succeeded" and "hello-from-web" in logs, logs
    finally:
        core.delete_namespaced_pod(name, namespace, grace_period_seconds=0)


def test_two_cluster_starts_at_once_take_turns(kube_api):
    """Two `tutorial cluster up` at once (two terminals, two test sessions): both succeed, one after the other."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "runner.cli", "cluster", "up", "--no-smoke"]
    procs = [subprocess.Popen(cmd, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert not any(crashed(o) or "FileNotFoundError" in o for o in outs), outs
    waited = [o for o in outs if "waits for it to finish" in o]
    # when they overlapped, the one that waited named the other
    assert all(f"(pid {procs[1 - outs.index(o)].pid}," in o for o in waited), outs
