"""From a rendered lesson and the facts of a cluster to what the runner will do (pure, no I/O).

Decides, for every step: run it or skip it (and why), and what to wait for
afterwards. Requirements come from the lesson (front matter, annotations) and
from the manifests themselves (a GPU request, a StorageClass, an image, an
external URL), so a published tutorial also skips with a reason instead of
failing. What a step creates or deletes comes from `runner.effects`, the
model lint and the runner share. Keeping this pure makes it unit-testable
without a cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from runner.effects import Effect, Effects, pod_base
from runner.lesson.model import Lesson, Step, StepType
from runner.plan.facts import ClusterFacts
from runner.syntax.k8s import K8sObject, containers, pod_spec
from runner.syntax.shell import segments

DEFAULT_TIMEOUTS = {
    "ready": 180.0,
    "running": 180.0,
    "succeeded": 300.0,
    "complete": 300.0,
    "bound": 120.0,
    "deleted": 120.0,
    "exists": 30.0,
}
_URL = re.compile(r"\b(?:https?|git|ftp|s3)://([^/\s:'\"]+)", re.I)
_NETWORK_TOOLS = {"wget", "curl", "git", "pip", "pip3", "apt", "apt-get", "yum", "dnf", "conda", "aws", "rclone", "scp", "ssh"}


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
    effects: Effects | None = field(default=None, compare=False, repr=False)  # of the rendered lesson


def step_requirements(step: Step, created: Iterable[tuple[str, str]]) -> list[str]:
    """Requirements of one step: annotated ones plus what its content implies."""
    made = set(created)
    reqs = list(step.requires)
    if step.type is StepType.MANIFEST:
        for obj in step.objects:
            reqs.extend(object_requirements(obj, made))
    if step.type in (StepType.COMMAND, StepType.IN_POD) and step.command and _reaches_network(step.command):
        reqs.append("network")
    return reqs


def object_requirements(obj: K8sObject, created: set[tuple[str, str]]) -> list[str]:
    """What an object needs of the cluster: its StorageClass, GPUs, images, network, claims made elsewhere."""
    body = obj.body or {}
    reqs: list[str] = []
    if obj.kind == "PersistentVolumeClaim":
        sc = (body.get("spec") or {}).get("storageClassName")
        if sc:
            reqs.append(f"storage-class:{sc}")
    spec = pod_spec(body)
    if spec:
        for container in containers(spec, init=None):
            res = container.get("resources") or {}
            if any("nvidia.com/gpu" in (res.get(k) or {}) for k in ("limits", "requests")):
                reqs.append("gpu")
            if container.get("image"):
                reqs.append(f"image:{container['image']}")
            script = " ".join(str(w) for w in (container.get("command") or []) + (container.get("args") or []))
            if _reaches_network(script) or _reaches_network("git " + script if "clone" in script else ""):
                reqs.append("network")
        for vol in spec.get("volumes") or []:
            if not isinstance(vol, dict):
                continue
            claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and ("PersistentVolumeClaim", claim) not in created:
                reqs.append(f"object:pvc/{claim}")
    return list(dict.fromkeys(reqs))


def _reaches_network(command: str, local_hosts: Iterable[str] = ()) -> bool:
    local = set(local_hosts)
    for seg in segments(command):
        if seg and seg[0] in _NETWORK_TOOLS:
            for m in _URL.finditer(" ".join(seg)):
                host = m.group(1).split("@")[-1]
                if host not in ("localhost", "127.0.0.1") and host not in local and not host.startswith("10.244."):
                    return True
    return False


def _default_condition(kind: str, facts: ClusterFacts, obj: K8sObject | None) -> str | None:
    if kind == "Pod":
        return "ready"
    if kind == "PersistentVolumeClaim":
        sc = ((obj.body or {}).get("spec") or {}).get("storageClassName") if obj else None
        return "exists" if sc in facts.wait_for_first_consumer else "bound"
    return None


def _waits_for(
    step: Step, objects: Sequence[tuple[str, str, K8sObject | None]], facts: ClusterFacts, deleting: bool
) -> tuple[Wait, ...]:
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


def build_plan(lesson: Lesson, facts: ClusterFacts) -> Plan:
    """Decide every step's action. `lesson` must be rendered."""
    effects = Effects(lesson)
    created = set(effects.created())
    lesson_unmet = [why for r in lesson.meta.requires if (why := facts.unmet(r))]
    skipped_objects: set[str] = set()
    actions: list[Action] = []
    files: dict[str, str] = {}
    for step in lesson.steps:
        if step.type is StepType.MANIFEST and step.file:
            files.setdefault(step.file, step.text)
        if step.type is StepType.FILE and step.file and step.action == "create":
            files.setdefault(step.file, step.text if step.text.strip() and step.content_line else "")
        action = _action(step, facts, lesson_unmet, created, effects, skipped_objects)
        if action.do == "skip":
            if step.type is StepType.MANIFEST:
                skipped_objects.update(o.name for o in step.objects if o.name)
            skipped_objects.update(e.name for e in effects.of_step(step) if e.creates and not e.generated)
        actions.append(action)
    return Plan(lesson, tuple(actions), files, effects)


def _action(
    step: Step,
    facts: ClusterFacts,
    lesson_unmet: list[str],
    created: set[tuple[str, str]],
    effects: Effects,
    skipped_objects: set[str],
) -> Action:
    if step.type in (StepType.OTHER, StepType.FRAGMENT):
        return Action(step, "skip", f"not runnable: {step.reason or step.type.value}")
    if step.skip:
        return Action(step, "skip", step.skip)
    if lesson_unmet and step.type is not StepType.FILE:
        return Action(step, "skip", f"lesson {lesson_unmet[0]}", requirement_skip=True)
    unmet = [why for r in step_requirements(step, created) if (why := facts.unmet(r))]
    if unmet:
        return Action(step, "skip", unmet[0], requirement_skip=True)
    depends = _depends_on_skipped(step, skipped_objects, effects)
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
        return Action(step, "command", command=step.command, waits=_command_waits(step, facts, effects))
    if step.type is StepType.IN_POD:
        return Action(step, "exec", command=step.command)
    if step.type is StepType.FILE:
        return Action(step, "file")
    if step.type is StepType.CHECK:
        return Action(step, "check")
    return Action(step, "skip", f"cannot run a step of type {step.type.value}")


def _command_waits(step: Step, facts: ClusterFacts, effects: Effects) -> tuple[Wait, ...]:
    """What to wait for after a command: what it created (pods ready, claims bound), what it deleted (gone)."""
    waits: list[Wait] = []
    for e in effects.of_step(step):
        if not e.kind or e.name == "*" or e.generated:
            continue
        obj = e.manifest.obj if e.manifest else None
        if e.action in ("create", "apply", "run"):
            waits.extend(_waits_for(step, [(e.kind, e.name, obj)], facts, deleting=False))
        elif e.action == "delete" and e.via != "kubectl run --rm":
            waits.extend(_waits_for(step, [(e.kind, e.name, obj)], facts, deleting=True))
    return tuple(waits)


def _depends_on_skipped(step: Step, skipped: set[str], effects: Effects) -> str | None:
    if not skipped:
        return None
    if step.type is StepType.IN_POD and step.pod in skipped:
        return step.pod
    if step.type is StepType.CHECK:
        for _, value in step.check_args:
            if value in skipped:
                return value
    if step.type is StepType.COMMAND:
        for e in effects.of_step(step):
            if _names_skipped(e, skipped):
                return e.call.call.files[0] if e.manifest and e.call and e.call.call.files else pod_base(e.name)
    return None


def _names_skipped(e: Effect, skipped: set[str]) -> bool:
    """Does this effect touch an object whose creation was skipped? (Creating a new one by name does not.)"""
    if e.action in ("create", "run") and e.manifest is None:
        return False
    return e.name in skipped or pod_base(e.name) in skipped
