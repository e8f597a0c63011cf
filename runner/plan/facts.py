"""What a cluster offers, as the planner needs it: storage classes, GPUs, network, images, existing objects.

Gathered by the runner (from the cluster and its profile) and handed to the
pure planner, which never talks to a cluster itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runner.syntax import kubectl


@dataclass(frozen=True)
class ClusterFacts:
    """What the cluster (or its profile) offers."""

    storage_classes: frozenset[str] | None = None  # None: unknown, assume present
    wait_for_first_consumer: frozenset[str] = frozenset()
    gpu: bool = False
    gpu_simulated: bool = False
    network: bool = True
    existing: frozenset[tuple[str, str]] = frozenset()  # (kind, name) that exist before the run
    image_for: Callable[[str], str | None] | None = None  # None: every image is pullable
    local_hosts: frozenset[str] = frozenset()  # hosts that count as local (git server) for `network`

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
            return None if self.network else "needs access to external hosts, which this cluster does not have"
        if key == "image":
            if self.image_for is None or self.image_for(value):
                return None
            return f"needs image {value}, which this cluster cannot pull"
        if key == "object":
            kind_word, _, name = value.partition("/")
            kind = kubectl.kind_of(kind_word) or kind_word
            return None if (kind, name) in self.existing else f"needs {kind_word}/{name} to exist before the lesson"
        return None  # unknown requirement words are the linter's business
