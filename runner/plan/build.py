"""From a rendered lesson and the facts of a cluster to what the runner will do (pure, no I/O).

Decides, for every step: run it or skip it (and why), and what to wait for
afterwards. Requirements come from the lesson (front matter, annotations) and
from the manifests themselves (a GPU request, a StorageClass, an image, an
external URL), so a published tutorial also skips with a reason instead of
failing. Keeping this pure makes it unit-testable without a cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from runner.syntax import kubectl
from runner.lesson.model import K8sObject, Lesson, Step, StepType
from runner.syntax.shell import segments

DEFAULT_TIMEOUTS = {"ready": 180.0, "running": 180.0, "succeeded": 300.0, "complete": 300.0, "bound": 120.0,
                    "deleted": 120.0, "exists": 30.0}
_URL = re.compile(r"\b(?:https?|git|ftp|s3)://([^/\s:'\"]+)", re.I)
_NETWORK_TOOLS = {"wget", "curl", "git", "pip", "pip3", "apt", "apt-get", "yum", "dnf", "conda", "aws", "rclone", "scp", "ssh"}


@dataclass(frozen=True)
class Facts:
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


@dataclass(frozen=True)
class Wait:
    kind: str
    name: str
    condition: str
    timeout: float


@dataclass(frozen=True)
class Action:
    step: Step
    do: str  # apply | write (manifest a command applies) | command | exec | file | check | skip
    reason: str | None = None  # skip: why
    waits: tuple[Wait, ...] = ()
    command: str | None = None  # what to run (an interactive step's `instead`)
    requirement_skip: bool = False  # skipped for a missing requirement or interactivity (counts under --strict)


@dataclass(frozen=True)
class Plan:
    lesson: Lesson
    actions: tuple[Action, ...]
    files: Mapping[str, str] = field(default_factory=dict)  # file name -> content (manifests and files)


def step_requirements(step: Step, created: set[tuple[str, str]]) -> list[str]:
    """Requirements of one step: annotated ones plus what its content implies."""
    reqs = list(step.requires)
    if step.type is StepType.MANIFEST:
        for obj in step.objects:
            reqs.extend(_object_requirements(obj, created))
    if step.type in (StepType.COMMAND, StepType.IN_POD) and step.command and _reaches_network(step.command):
        reqs.append("network")
    return reqs


def _object_requirements(obj: K8sObject, created: set[tuple[str, str]]) -> list[str]:
    body = obj.body or {}
    reqs: list[str] = []
    if obj.kind == "PersistentVolumeClaim":
        sc = (body.get("spec") or {}).get("storageClassName")
        if sc:
            reqs.append(f"storage-class:{sc}")
    pod_spec = _pod_spec(body)
    if pod_spec:
        for container in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or []):
            if not isinstance(container, dict):
                continue
            res = container.get("resources") or {}
            if any("nvidia.com/gpu" in (res.get(k) or {}) for k in ("limits", "requests")):
                reqs.append("gpu")
            if container.get("image"):
                reqs.append(f"image:{container['image']}")
            script = " ".join(str(w) for w in (container.get("command") or []) + (container.get("args") or []))
            if _reaches_network(script) or _reaches_network("git " + script if "clone" in script else ""):
                reqs.append("network")
        for vol in pod_spec.get("volumes") or []:
            if not isinstance(vol, dict):
                continue
            claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and ("PersistentVolumeClaim", claim) not in created:
                reqs.append(f"object:pvc/{claim}")
    return list(dict.fromkeys(reqs))


def _pod_spec(body: Mapping) -> Mapping | None:
    kind = body.get("kind")
    spec = body.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind in ("Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return ((spec.get("template") or {}).get("spec")) or {}
    if kind == "CronJob":
        return ((((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")) or {}
    return None


def _reaches_network(command: str, local_hosts: Iterable[str] = ()) -> bool:
    for seg in segments(command):
        if seg and seg[0] in _NETWORK_TOOLS:
            for m in _URL.finditer(" ".join(seg)):
                host = m.group(1).split("@")[-1]
                if host not in ("localhost", "127.0.0.1") and host not in set(local_hosts) and not host.startswith("10.244."):
                    return True
    return False


def created_objects(lesson: Lesson) -> dict[tuple[str, str], int]:
    """(kind, name) -> index of the step that creates it."""
    out: dict[tuple[str, str], int] = {}
    for step in lesson.steps:
        if step.type is StepType.MANIFEST:
            for obj in step.objects:
                if obj.name:
                    out.setdefault((obj.kind, obj.name), step.index)
        elif step.type is StepType.COMMAND and step.command:
            for seg in segments(step.command):
                call = kubectl.parse(seg)
                if call and call.creates and "--dry-run" not in " ".join(seg):
                    out.setdefault(call.creates, step.index)
    return out


def _default_condition(kind: str, facts: Facts, obj: K8sObject | None) -> str | None:
    if kind == "Pod":
        return "ready"
    if kind == "PersistentVolumeClaim":
        sc = ((obj.body or {}).get("spec") or {}).get("storageClassName") if obj else None
        return "exists" if sc in facts.wait_for_first_consumer else "bound"
    return None


def _waits_for(step: Step, objects: list[tuple[str, str, K8sObject | None]], facts: Facts, deleting: bool) -> tuple[Wait, ...]:
    waits = []
    for kind, name, obj in objects:
        if step.wait == "none":
            continue
        condition = step.wait or ("deleted" if deleting else _default_condition(kind, facts, obj))
        if deleting and step.wait and step.wait != "deleted":
            condition = "deleted"
        if condition is None or not name:
            continue
        waits.append(Wait(kind, name, condition, step.timeout or DEFAULT_TIMEOUTS.get(condition, 120.0)))
    return tuple(waits)


def build_plan(lesson: Lesson, facts: Facts) -> Plan:
    """Decide every step's action. `lesson` must be rendered."""
    by_file: dict[str, Step] = {s.file: s for s in lesson.steps if s.type is StepType.MANIFEST and s.file}
    creators = created_objects(lesson)
    created = set(creators)
    lesson_unmet = [why for r in lesson.meta.requires if (why := facts.unmet(r))]
    skipped_objects: set[str] = set()
    actions: list[Action] = []
    files: dict[str, str] = {}
    for step in lesson.steps:
        if step.type is StepType.MANIFEST and step.file:
            files.setdefault(step.file, step.text)
        if step.type is StepType.FILE and step.file and step.action == "create":
            files.setdefault(step.file, step.text if step.text.strip() and step.content_line else "")
        action = _action(step, facts, lesson_unmet, created, by_file, skipped_objects)
        if action.do == "skip" and step.type is StepType.MANIFEST:
            skipped_objects.update(o.name for o in step.objects if o.name)
        if action.do == "skip" and step.type is StepType.COMMAND and step.command:
            for seg in segments(step.command):
                call = kubectl.parse(seg)
                if call and call.verb in ("create", "apply"):
                    for f in call.files:
                        if f in by_file:
                            skipped_objects.update(o.name for o in by_file[f].objects if o.name)
                if call and call.creates:
                    skipped_objects.add(call.creates[1])
        actions.append(action)
    return Plan(lesson, tuple(actions), files)


def _action(step: Step, facts: Facts, lesson_unmet: list[str], created: set[tuple[str, str]],
            by_file: dict[str, Step], skipped_objects: set[str]) -> Action:
    if step.type in (StepType.OTHER, StepType.FRAGMENT):
        return Action(step, "skip", f"not runnable: {step.reason or step.type.value}")
    if step.skip:
        return Action(step, "skip", step.skip)
    if lesson_unmet and step.type is not StepType.FILE:
        return Action(step, "skip", f"lesson {lesson_unmet[0]}", requirement_skip=True)
    unmet = [why for r in step_requirements(step, created) if (why := facts.unmet(r))]
    if unmet:
        return Action(step, "skip", unmet[0], requirement_skip=True)
    depends = _depends_on_skipped(step, skipped_objects, by_file)
    if depends:
        return Action(step, "skip", f"depends on {depends}, which was skipped", requirement_skip=True)
    if step.type is StepType.INTERACTIVE:
        if step.instead:
            return Action(step, "command", command=step.instead)
        return Action(step, "skip", f"interactive: {step.reason}", requirement_skip=True)
    if step.type is StepType.MANIFEST:
        objs = [(o.kind, o.name or "", o) for o in step.objects]
        if not step.apply:
            return Action(step, "write", step.reason or "applied by a command of the tutorial")
        return Action(step, "apply", waits=_waits_for(step, objs, facts, deleting=False))
    if step.type is StepType.COMMAND:
        return Action(step, "command", command=step.command, waits=_command_waits(step, facts, by_file))
    if step.type is StepType.IN_POD:
        return Action(step, "exec", command=step.command)
    if step.type is StepType.FILE:
        return Action(step, "file")
    if step.type is StepType.CHECK:
        return Action(step, "check")
    return Action(step, "skip", f"cannot run a step of type {step.type.value}")


def _command_waits(step: Step, facts: Facts, by_file: dict[str, Step]) -> tuple[Wait, ...]:
    waits: list[Wait] = []
    for seg in segments(step.command or ""):
        call = kubectl.parse(seg)
        if call is None or "--dry-run" in " ".join(seg):
            continue
        deleting = call.verb == "delete"
        objs: list[tuple[str, str, K8sObject | None]] = []
        if call.verb in ("create", "apply", "delete", "replace") and call.files:
            for f in call.files:
                if f in by_file:
                    objs.extend((o.kind, o.name or "", o) for o in by_file[f].objects)
        elif deleting:
            objs.extend((kind or "Pod", name, None) for kind, name in call.targets if kind and kind != "*")
        elif call.creates and call.verb == "run":
            objs.append((call.creates[0], call.creates[1], None))
        if call.verb == "replace":
            continue
        waits.extend(_waits_for(step, objs, facts, deleting))
    return tuple(waits)


def _depends_on_skipped(step: Step, skipped: set[str], by_file: dict[str, Step]) -> str | None:
    if not skipped:
        return None
    if step.type is StepType.IN_POD and step.pod in skipped:
        return step.pod
    if step.type is StepType.CHECK:
        for _, value in step.check_args:
            if value in skipped:
                return value
    if step.type is StepType.COMMAND and step.command:
        for seg in segments(step.command):
            call = kubectl.parse(seg)
            if not call:
                continue
            for _, name in call.targets:
                base = name.split("-<hash>")[0]
                if name in skipped or base in skipped:
                    return base
            for f in call.files:
                if f in by_file and any(o.name in skipped for o in by_file[f].objects):
                    return f
    return None
