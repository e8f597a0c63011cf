"""What the cluster offers a run, from the cluster itself and its profile, for the pure planner."""

from __future__ import annotations

from runner.core.errors import TutorialError
from runner.effects import Effects
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Forbidden, translate
from runner.kube.objects import ObjectRef, get
from runner.lesson.model import Lesson
from runner.plan.build import step_requirements
from runner.plan.facts import ClusterFacts
from runner.plan.profile import Profile
from runner.syntax import kubectl


def gather_facts(cluster: Cluster, profile: Profile | None, lesson: Lesson) -> ClusterFacts:
    """Storage classes (and which bind late), GPUs, network, images, objects the lesson needs to exist already."""
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
    if not profile:
        try:
            nodes = cluster.core.list_node().items
            gpu = any((n.status.allocatable or {}).get("nvidia.com/gpu", "0") not in ("0", None) for n in nodes)
        except Exception as exc:
            err = translate(exc, "listing nodes")
            if err.exit_code == 3 and not _forbidden(err):
                raise err from exc
            gpu = False  # a namespaced participant may not list nodes: no GPU known
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
        existing=frozenset(existing),
        image_for=profile.image_for if profile else None,
    )


def _forbidden(err: ClusterError) -> bool:
    return isinstance(err, Forbidden)
