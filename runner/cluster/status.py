"""``tutorial cluster status``: what runs, which versions, and what is simulated.

Healthy means: every component process alive and answering its health probe, and the
node Ready. The report also lists the memory (RSS) each component uses, so the footprint
on the shared 24 GiB VM is visible.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from runner.cluster import build, cluster, configs, gitserver, gpu, images, paths, storage
from runner.cluster.processes import Proc
from runner.kube import storage_class


def _session_rss_kib(sid: int) -> int:
    total = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[3]) != sid:  # field 6: session id
                continue
            for line in (d / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def _shim_rss_kib() -> int:
    from runner.cluster.processes import pids_by_exe

    total = 0
    for pid in pids_by_exe(f"-address {configs.CONTAINERD_SOCK}"):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def collect() -> dict:
    health = cluster.healthy_components()
    comps = []
    total = 0
    for name in cluster.COMPONENT_NAMES:
        pid = Proc(name).pid()
        rss = _session_rss_kib(pid) if pid else 0
        total += rss
        comps.append(
            {
                "name": name,
                "pid": pid,
                "healthy": health[name],
                "rss_mib": round(rss / 1024, 1),
                "log": str(paths.logs_dir() / f"{name}.log"),
            }
        )
    shim = _shim_rss_kib()
    total += shim
    info: dict = {"components": comps, "shims_rss_mib": round(shim / 1024, 1), "total_rss_mib": round(total / 1024, 1)}
    stamp = paths.k8s_build_dir() / "BUILT"
    info["versions"] = {
        "kubernetes": paths.K8S_VERSION if build.k8s_is_built() else "not built",
        "kubernetes_build": json.loads(stamp.read_text()) if stamp.exists() else None,
        "etcd": paths.ETCD_VERSION if build.etcd_is_built() else "not built",
        "containerd": _version(["containerd", "--version"]).split()[-1],
        "runc": _version(["runc", "--version"]),
    }
    info["node"] = None
    info["storage_classes"] = []
    if health.get("kube-apiserver"):
        try:
            from kubernetes import client

            from runner.cluster import kube

            a = kube.api()
            n = client.CoreV1Api(a).read_node(configs.NODE_NAME, _request_timeout=5)
            info["node"] = {
                "name": n.metadata.name,
                "ready": any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or []),
                "kubelet": n.status.node_info.kubelet_version,
                "runtime": n.status.node_info.container_runtime_version,
                "capacity": dict(n.status.capacity or {}),
                "addresses": [x.address for x in n.status.addresses or []],
            }
            info["storage_classes"] = [
                {
                    "name": sc.metadata.name,
                    "provisioner": sc.provisioner,
                    "binding": sc.volume_binding_mode,
                    "default": storage_class.is_default(sc.metadata.annotations),
                }
                for sc in client.StorageV1Api(a).list_storage_class(_request_timeout=5).items
            ]
        except Exception as e:
            info["node_error"] = str(e)
    info["images"] = [s.name for s in images.IMAGES]
    info["registry"] = f"http://{images.REGISTRY_ADDR} (docker.io mirror for containerd)"
    info["dns"] = (
        f"CoreDNS {paths.COREDNS_VERSION} on the host, {configs.POD_GATEWAY}:53 (cluster.local)"
        if build.coredns_is_built()
        else "none"
    )
    info["git_server"] = f"http://{configs.POD_GATEWAY}:{gitserver.PORT}/"
    info["kubeconfig"] = str(paths.admin_kubeconfig())
    info["simulated"] = {
        "gpu": f"{gpu.COUNT}x {gpu.PRODUCT} advertised via node status patch; no device, nvidia-smi is a stand-in",
        "images": "built locally from Debian bookworm, NOT the real upstream images (same names)",
        "storage": f"{', '.join(storage.CLASSES)} are host directories under {storage.volumes_dir()}",
    }
    if not build.coredns_is_built():
        info["simulated"]["dns"] = "no cluster DNS (CoreDNS not built; pods use the host resolv.conf)"
    info["healthy"] = all(health.values()) and bool(info["node"] and info["node"]["ready"])
    return info
