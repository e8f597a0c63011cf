"""What the cluster offers a run, from the cluster itself and its profile, for the pure planner."""

from __future__ import annotations

import os
import shutil

from runner.core.errors import TutorialError
from runner.effects import Effects
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Forbidden, translate
from runner.kube.objects import ObjectRef, get
from runner.lesson.model import Lesson
from runner.plan.build import programs_of, quantity, step_requirements
from runner.plan.facts import ClusterFacts, NodeShape
from runner.plan.profile import Profile
from runner.syntax import kubectl


def gather_facts(cluster: Cluster, profile: Profile | None, lesson: Lesson, kubectl_dir: str | None = None) -> ClusterFacts:
    """Storage classes (and which bind late), GPUs, nodes, network, images, programs, objects that must exist already."""
    search_path = os.pathsep.join(p for p in (kubectl_dir, os.environ.get("PATH", "")) if p)
    try:
        classes = cluster.storage.list_storage_class().items
        names: frozenset[str] | None = frozenset(c.metadata.name for c in classes)
        wffc = frozenset(c.metadata.name for c in classes if c.volume_binding_mode == "WaitForFirstConsumer")
    except Exception as exc:
        err = translate(exc, "listing storage classes")
        if err.exit_code == 3 and not _forbidden(err):
            raise err from exc
        names, wffc = (
            (frozenset(profile.storage_classes) if profile else None),
            frozenset(),
        )  # not allowed to list: trust the profile
    gpu = bool(profile and profile.gpu)
    nodes: tuple[NodeShape, ...] | None = None
    try:
        items = cluster.core.list_node().items
        nodes = tuple(
            NodeShape(
                n.metadata.name,
                quantity((n.status.allocatable or {}).get("cpu")),
                quantity((n.status.allocatable or {}).get("memory")),
                dict(n.metadata.labels or {}),
            )
            for n in items
        )
        if not profile:
            gpu = any((n.status.allocatable or {}).get("nvidia.com/gpu", "0") not in ("0", None) for n in items)
    except Exception as exc:
        err = translate(exc, "listing nodes")
        if err.exit_code == 3 and not _forbidden(err):
            raise err from exc
        # a namespaced participant may not list nodes: their shape and GPUs stay unknown
    existing = set()
    created = set(Effects(lesson).created())
    for step in lesson.steps:
        for req in list(step.requires) + step_requirements(step, created) + list(lesson.meta.requires):
            key, _, value = req.partition(":")
            if key == "object":
                kind_word, _, name = value.partition("/")
                kind = kubectl.kind_of(kind_word) or kind_word
                try:
                    if get(cluster, ObjectRef(kind, name, cluster.namespace)) is not None:
                        existing.add((kind, name))
                except ClusterError as err:
                    if err.exit_code == 3 and not _forbidden(err):
                        raise
                except TutorialError:
                    pass
    return ClusterFacts(
        storage_classes=names,
        wait_for_first_consumer=wffc,
        gpu=gpu,
        gpu_simulated=bool(profile and profile.gpu_simulated),
        network=profile.network if profile else True,
        reachable=frozenset(profile.reachable) if profile and profile.reachable is not None else None,
        existing=frozenset(existing),
        image_for=profile.image_for if profile else None,
        missing_programs=frozenset(p for p in programs_of(lesson.steps) if shutil.which(p, path=search_path) is None),
        nodes=nodes,
    )


def _forbidden(err: ClusterError) -> bool:
    return isinstance(err, Forbidden)
