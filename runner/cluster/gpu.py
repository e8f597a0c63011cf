"""Simulated GPUs: the node advertises ``nvidia.com/gpu: 4`` (NVIDIA A10) with no device.

Lessons request ``nvidia.com/gpu: 1`` and run ``nvidia-smi``. There is no GPU here, so the
node's status capacity is PATCHed (the documented way to advertise an extended resource
without a device plugin) and labelled like the NVIDIA GPU feature discovery would; the
CUDA stand-in image carries an ``nvidia-smi`` that prints A10 output. Kubelet restarts may
reset extended resources, so the agent re-applies this every few seconds.
"""

from __future__ import annotations

from kubernetes import client

RESOURCE = "nvidia.com/gpu"
COUNT = 4
PRODUCT = "NVIDIA-A10"
LABELS = {
    "nvidia.com/gpu.product": PRODUCT,
    "nvidia.com/gpu.present": "true",
    "nvidia.com/gpu.count": str(COUNT),
    "nvidia.com/gpu.memory": "23028",
    "tutorial-runner.local/gpu-simulated": "true",
}


def ensure_gpu(api: client.ApiClient, node_name: str) -> bool:
    """Make the node advertise the simulated GPUs; True if something was changed."""
    core = client.CoreV1Api(api)
    node = core.read_node(node_name)
    changed = False
    labels = node.metadata.labels or {}
    if any(labels.get(k) != v for k, v in LABELS.items()):
        core.patch_node(node_name, {"metadata": {"labels": LABELS}})
        changed = True
    cap = (node.status.capacity or {}).get(RESOURCE)
    alloc = (node.status.allocatable or {}).get(RESOURCE)
    if cap != str(COUNT) or alloc != str(COUNT):
        core.patch_node_status(node_name, {"status": {"capacity": {RESOURCE: str(COUNT)}, "allocatable": {RESOURCE: str(COUNT)}}})
        changed = True
    return changed
