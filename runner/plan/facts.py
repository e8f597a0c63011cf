"""What a cluster offers, as the planner needs it: storage classes, GPUs, network, images, nodes, existing objects.

Gathered by the runner (from the cluster, its profile and this machine) and
handed to the pure planner, which never talks to a cluster itself. Each
`unmet` reason names what is missing precisely (the host, the image, the
program, the node label), because a docs CI reads it to tell an environment
skip from a defect of the tutorial.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from runner.effects.commands import CLOUD_CLIS
from runner.syntax import kubectl

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class NodeShape:
    """What one node can ever give a pod (allocatable), and its labels."""

    name: str
    cpu: float  # cores
    memory: float  # bytes
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterFacts:
    """What the cluster (or its profile) offers."""

    storage_classes: frozenset[str] | None = None  # None: unknown, assume present
    wait_for_first_consumer: frozenset[str] = frozenset()
    default_storage_class: str | None = None  # the class a claim without storageClassName gets (None: none, or unknown)
    gpu: bool = False
    gpu_simulated: bool = False
    network: bool = True  # False: pods and commands reach no host outside this machine (profile `network: none`)
    reachable: frozenset[str] | None = None  # with network: only these hosts (profile `network: [hosts]`); None: all
    existing: frozenset[tuple[str, str]] = frozenset()  # (kind, name) that exist before the run
    image_for: Callable[[str], str | None] | None = None  # None: every image is pullable
    local_hosts: frozenset[str] = frozenset()  # hosts that count as local (the git server) for `network`
    missing_programs: frozenset[str] = frozenset()  # programs the lesson's commands call that this machine lacks
    unusable_programs: Mapping[str, str] = field(
        default_factory=dict
    )  # installed but not usable here, and why (no Docker engine)
    nodes: tuple[NodeShape, ...] | None = None  # None: unknown (a participant may not list nodes)
    namespace: str | None = None  # the run's own namespace
    namespaces: frozenset[str] | None = None  # namespaces the lesson names that exist here; None: unknown, assume they do
    served: frozenset[str] | None = None  # kinds the API server serves, `group/version/Kind`; None: unknown, assume it does
    resources: frozenset[str] | None = None  # resource names kubectl resolves here (plural, singular, short, kind); None: unknown
    objects_known: bool = False  # `existing` holds every object the lesson needs and does not make (looked up before)
    variables: frozenset[str] = frozenset()  # shell variables the run gives its commands (`--set NAME=…`)
    runtime_handlers: frozenset[str] | None = None  # container runtime handlers some node offers; None: unknown
    runtime_classes: Mapping[str, str] | None = None  # the cluster's RuntimeClasses, name → handler; None: unknown
    clouds: frozenset[str] = (
        frozenset()
    )  # cloud CLIs with an account on this machine (none by default: runs make no infrastructure)

    def reaches(self, host: str) -> bool:
        host = host.lower()
        if host in LOCAL_HOSTS or host in self.local_hosts or host.startswith("10.244."):
            return True
        if not self.network:
            return False
        return self.reachable is None or host in self.reachable or any(host.endswith("." + h) for h in self.reachable)

    def unmet(self, requirement: str) -> str | None:
        """Why `requirement` is not met here, or None."""
        key, _, value = requirement.partition(":")
        key = key.strip().lower()
        if key == "gpu":
            return None if self.gpu else "needs a GPU (nvidia.com/gpu), which this cluster does not offer"
        if key in ("storage-class", "storageclass"):
            if self.storage_classes is None or value in self.storage_classes:
                return None
            return f"needs StorageClass {value}, which this cluster does not have"
        if key == "network":
            if not value:
                return None if self.network else "needs access to external hosts, which this cluster does not have"
            return None if self.reaches(value) else f"needs {value}, which is not reachable from here (profile network)"
        if key == "image":
            if self.image_for is None or self.image_for(value):
                return None
            registry = image_registry(value)
            where = "the local mirror does not have it" if registry == "docker.io" else f"registry {registry} is not reachable"
            return f"needs image {value}, which this cluster cannot pull ({where})"
        if key == "object":
            kind_word, _, name = value.partition("/")
            kind = kubectl.kind_of(kind_word) or kind_word
            return None if (kind, name) in self.existing else f"needs {kind_word}/{name} to exist before the lesson"
        if key == "program":
            if value in self.unusable_programs:
                return f"needs `{value}`, {self.unusable_programs[value]}"
            return f"needs `{value}`, which is not installed here" if value in self.missing_programs else None
        if key == "host":
            return f"changes this machine ({value}): a run never installs software or writes outside its working directory"
        if key == "value":
            flag = f'--set "{value}=…"' if " " in value else f"--set {value}=…"
            return f"needs a value for <{value}>: give {flag}"
        if key == "node":
            return self._node_unmet(value)
        if key == "fits":
            return self._fits_unmet(value)
        if key == "nodes":
            if self.nodes is None or len(self.nodes) >= int(value):
                return None
            return (
                f"needs {value} nodes (its pods must each run on a node of their own: a required pod anti-affinity on "
                f"kubernetes.io/hostname), and this cluster has {len(self.nodes)}"
            )
        if key == "runtime":
            return self._runtime_unmet(value)
        if key == "platform":
            return f"written for another platform: {value}"
        if key == "context":
            return f"needs kubeconfig context {value}: a run talks to its own cluster, through its own context"
        if key == "kubeconfig":
            return f"changes the kubeconfig (`{value}`): a run keeps its own cluster, context and namespace"
        if key == "account":
            return f"needs an account on a container registry (`{value}`), which a run does not use"
        if key == "fill":
            return f"needs the reader's own value where the text says `{value}` (it asks the reader to change it)"
        if key == "synopsis":
            return (
                f"a usage synopsis: `{value}` stands for what the reader gives (kubectl's own notation), not runnable as written"
            )
        if key == "elided":
            return f"needs the reader's own value where the text elides it (`{value}`): not runnable as written"
        if key == "cloud":
            if value in self.clouds:
                return None
            return (
                f"needs {CLOUD_CLIS.get(value, 'a cloud account')} (`{value}` makes cloud infrastructure), "
                "which a run does not use"
            )
        return None  # unknown requirement words are the linter's business

    def _node_unmet(self, value: str) -> str | None:
        """`node:KEY=V1|V2`: some node must carry label KEY with one of the values (required node affinity, nodeSelector)."""
        if self.nodes is None:
            return None
        label, _, wanted = value.partition("=")
        values = set(wanted.split("|")) if wanted else set()
        if any(label in n.labels and (not values or n.labels[label] in values) for n in self.nodes):
            return None
        want = f"{label} in {sorted(values)}" if values else label
        return f"needs a node with label {want}, which no node of this cluster has"

    def _runtime_unmet(self, value: str) -> str | None:
        """`runtime:CLASS=HANDLER` (a RuntimeClass the lesson makes) or `runtime:CLASS` (one the cluster must have):
        a pod of that class starts only on a node whose container runtime has the handler (gVisor's `runsc`, Kata's
        `kata`); without it the kubelet cannot create the pod's sandbox, and the pod stays Pending."""
        name, _, handler = value.partition("=")
        if not handler:
            if self.runtime_classes is None:
                return None
            if name not in self.runtime_classes:
                return f"needs RuntimeClass {name}, which this cluster does not have"
            handler = self.runtime_classes[name]
        if self.runtime_handlers is None or handler in self.runtime_handlers:
            return None
        offered = ", ".join(sorted(h for h in self.runtime_handlers if h)) or "none named"
        return (
            f"needs container runtime handler {handler} (RuntimeClass {name}), which no node of this cluster offers "
            f"(its nodes offer: {offered})"
        )

    def _fits_unmet(self, value: str) -> str | None:
        """`fits:CPU,MEMORY` (cores, bytes a pod requests): some node must be able to give that much, ever."""
        if not self.nodes:
            return None
        cpu_s, _, mem_s = value.partition(",")
        cpu, mem = float(cpu_s or 0), float(mem_s or 0)
        if any(n.cpu >= cpu and n.memory >= mem for n in self.nodes):
            return None
        biggest = max(self.nodes, key=lambda n: (n.cpu, n.memory))
        return (
            f"requests {cpu:g} CPU and {mem / 2**30:.3g} GiB, more than any node can ever give "
            f"(the largest, {biggest.name}, has {biggest.cpu:g} CPU and {biggest.memory / 2**30:.3g} GiB allocatable)"
        )

    def serves(self, api_kind: str) -> bool:
        """Does the API server serve `group/version/Kind` (`v1/Pod`, `batch.volcano.sh/v1alpha1/Job`)? Unknown: yes."""
        return self.served is None or api_kind in self.served

    def resolves(self, resource: str) -> bool:
        """Does kubectl find a resource type by this name here (`mpijob`, `tfjobs.kubeflow.org`)? Unknown: yes."""
        return self.resources is None or resource.lower() in self.resources

    def has_namespace(self, name: str) -> bool:
        return name == self.namespace or self.namespaces is None or name in self.namespaces

    def has_node(self, name: str) -> bool:
        return self.nodes is None or any(n.name == name for n in self.nodes)


def image_registry(image: str) -> str:
    """The registry host of an image reference (`nvcr.io/hpc/lammps:x` -> nvcr.io, `ubuntu` -> docker.io)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"
