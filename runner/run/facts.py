"""What the cluster offers a run, from the cluster itself and its profile, for the pure planner."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable

from runner.core.errors import TutorialError
from runner.effects import Effects, owners
from runner.effects.io import API, NAMESPACE, OBJECT, RESOURCE
from runner.kube import storage_class
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Forbidden, NotFound, translate
from runner.kube.objects import ObjectRef, get
from runner.lesson.model import Lesson
from runner.plan.build import programs_of, quantity, step_requirements
from runner.plan.facts import ClusterFacts, NodeShape
from runner.plan.profile import Profile
from runner.syntax import kubectl
from runner.syntax.k8s import API_VERSIONS


def gather_facts(
    cluster: Cluster,
    profile: Profile | None,
    lesson: Lesson,
    kubectl_dir: str | None = None,
    variables: Iterable[str] = (),
) -> ClusterFacts:
    """Storage classes (and which bind late), GPUs, nodes, network, images, programs, objects that must exist already."""
    search_path = os.pathsep.join(p for p in (kubectl_dir, os.environ.get("PATH", "")) if p)
    try:
        classes = cluster.storage.list_storage_class().items
        names: frozenset[str] | None = frozenset(c.metadata.name for c in classes)
        wffc = frozenset(c.metadata.name for c in classes if c.volume_binding_mode == "WaitForFirstConsumer")
        default = next((c.metadata.name for c in classes if storage_class.is_default(c.metadata.annotations)), None)
    except Exception as exc:
        err = translate(exc, "listing storage classes")
        if err.exit_code == 3 and not _forbidden(err):
            raise err from exc
        names, wffc, default = (
            (frozenset(profile.storage_classes) if profile else None),
            frozenset(),
            None,
        )  # not allowed to list: trust the profile
    gpu = bool(profile and profile.gpu)
    nodes: tuple[NodeShape, ...] | None = None
    handlers = frozenset(profile.runtime_handlers) if profile and profile.runtime_handlers is not None else None
    try:
        items = cluster.core.list_node().items
        reported = {h.name or "" for n in items for h in (n.status.runtime_handlers or [])}
        if reported:  # the kubelet reports its runtime's handlers (containerd 2.0 and later); "" is the default one
            handlers = frozenset(reported)
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
    effects = Effects(lesson)
    created = set(effects.created())
    wanted: set[tuple[str, str]] = set()
    for step in lesson.steps:
        for req in list(step.requires) + step_requirements(step, created) + list(lesson.meta.requires):
            key, _, value = req.partition(":")
            if key == "object":
                kind_word, _, name = value.partition("/")
                wanted.add((kubectl.kind_of(kind_word) or kind_word, name))
    needs = [n for s in lesson.steps for n in effects.io(s).needs]
    made = {m.name for s in lesson.steps for m in effects.io(s).makes}
    for need in needs:
        if (
            need.kind == OBJECT
            and not any(o in made for o in owners(need.name))
            and "<" not in need.name
            and "$" not in need.name
        ):
            for kind in [need.of] if need.of else ["Pod", "Job"]:
                wanted.update((kind, name) for name in owners(need.name))
    existing, objects_known = _existing(cluster, sorted(wanted))
    programs = programs_of(lesson.steps)
    namespaces = _namespaces(cluster, {n.name for n in needs if n.kind == NAMESPACE and n.name not in made})
    served = _served(cluster, {n.name for n in needs if n.kind == API and n.name not in made})
    resources = _resources(cluster) if any(n.kind == RESOURCE for n in needs) else None
    runtime_classes = (
        _runtime_classes(cluster)
        if any(r.startswith("runtime:") for s in lesson.steps for r in effects.requirements(s))
        else None
    )
    return ClusterFacts(
        storage_classes=names,
        wait_for_first_consumer=wffc,
        default_storage_class=default,
        gpu=gpu,
        gpu_simulated=bool(profile and profile.gpu_simulated),
        network=profile.network if profile else True,
        reachable=frozenset(profile.reachable) if profile and profile.reachable is not None else None,
        existing=frozenset(existing),
        objects_known=objects_known,
        namespace=cluster.namespace,
        namespaces=namespaces,
        served=served,
        resources=resources,
        runtime_handlers=handlers,
        runtime_classes=runtime_classes,
        variables=frozenset(v for v in variables if v.isidentifier()) | {"USER", "LOGNAME"},
        image_for=profile.image_for if profile else None,
        missing_programs=frozenset(p for p in programs if shutil.which(p, path=search_path) is None),
        unusable_programs=_unusable(programs, search_path),
        nodes=nodes,
    )


# clients that need a daemon of their own: installed is not enough (this machine has Docker's client, and no engine)
_ENGINE_CHECKS = {"docker": ["docker", "version", "--format", "{{.Server.Version}}"]}


def _unusable(programs: set[str], search_path: str) -> dict[str, str]:
    """Programs that are installed but cannot work here, and why."""
    out: dict[str, str] = {}
    for name, argv in _ENGINE_CHECKS.items():
        if name not in programs or shutil.which(name, path=search_path) is None:
            continue
        try:
            ok = subprocess.run(argv, capture_output=True, timeout=10, env={**os.environ, "PATH": search_path}).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if not ok:
            out[name] = f"whose engine is not running here (`{' '.join(argv[:2])}` cannot reach it)"
    return out


def _existing(cluster: Cluster, wanted: list[tuple[str, str]]) -> tuple[set[tuple[str, str]], bool]:
    """Which of these objects exist already, and whether that could be read for all (a participant may not read some)."""
    existing: set[tuple[str, str]] = set()
    known = True
    for kind, name in wanted:
        try:
            if get(cluster, ObjectRef(kind, name, cluster.namespace)) is not None:
                existing.add((kind, name))
        except ClusterError as err:
            if err.exit_code == 3 and not _forbidden(err):
                raise
            known = False
        except TutorialError:
            known = False
    return existing, known


def _namespaces(cluster: Cluster, names: set[str]) -> frozenset[str] | None:
    """The namespaces the lesson names that exist; None when this user may not look (assume they do)."""
    found: set[str] = set()
    for name in sorted(n for n in names if "<" not in n and "$" not in n):
        if name == cluster.namespace:
            found.add(name)
            continue
        try:
            cluster.core.read_namespace(name)
            found.add(name)
        except Exception as exc:
            err = translate(exc, f"reading namespace {name}")
            if isinstance(err, NotFound):
                continue
            if err.exit_code == 3 and not _forbidden(err):
                raise err from exc
            return None
    return frozenset(found)


def _resources(cluster: Cluster) -> frozenset[str] | None:
    """Every name kubectl resolves to a resource type here (discovery); None when discovery cannot be read."""
    try:
        found = cluster.dynamic.resources.search()
    except Exception as exc:
        err = translate(exc, "discovering the API's resources")
        if err.exit_code == 3 and not _forbidden(err):
            raise err from exc
        return None
    names: set[str] = set()
    for r in found:
        for n in [r.name, r.singular_name, r.kind, *(r.short_names or [])]:
            if n:
                names.add(str(n).lower())
        if r.name and r.group:
            names.add(f"{r.name}.{r.group}".lower())
    return frozenset(names)


def _served(cluster: Cluster, api_kinds: set[str]) -> frozenset[str] | None:
    """Which `group/version/Kind`s the API server serves (discovery); None when discovery cannot be read."""
    from kubernetes.dynamic.exceptions import ResourceNotFoundError

    served: set[str] = set()
    for api_kind in sorted(api_kinds):
        group_version, _, kind = api_kind.rpartition("/")
        if API_VERSIONS.get(kind) == group_version:
            served.add(api_kind)
            continue
        try:
            cluster.dynamic.resources.get(api_version=group_version, kind=kind)
            served.add(api_kind)
        except ResourceNotFoundError:
            continue
        except Exception as exc:
            err = translate(exc, f"discovering kind {kind}")
            if err.exit_code == 3 and not _forbidden(err):
                raise err from exc
            return None
    return frozenset(served)


def _runtime_classes(cluster: Cluster) -> dict[str, str] | None:
    """The cluster's RuntimeClasses, name → handler; None when they may not be listed (then a pod's class is assumed)."""
    try:
        items = cluster.node.list_runtime_class().items
    except Exception as exc:
        err = translate(exc, "listing runtime classes")
        if err.exit_code == 3 and not _forbidden(err):
            raise err from exc
        return None
    return {rc.metadata.name: rc.handler for rc in items}


def _forbidden(err: ClusterError) -> bool:
    return isinstance(err, Forbidden)
