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
from typing import Any

from runner.effects import Effect, Effects, owners
from runner.lesson import placeholders as ph
from runner.lesson.model import Lesson, Step, StepType
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.syntax import kubectl
from runner.syntax.k8s import K8sObject, containers, pod_spec
from runner.syntax.shell import plain_file, segments

DEFAULT_TIMEOUTS = {
    "ready": 180.0,
    "running": 180.0,
    "succeeded": 300.0,
    "complete": 300.0,
    "bound": 120.0,
    "deleted": 120.0,
    "exists": 30.0,
}
_URL = re.compile(r"\b(?:https?|git|ftp|s3)://(?:[^/\s@'\"]*@)?([^/\s:'\"@)]+)", re.I)


@dataclass(frozen=True)
class Wait:
    kind: str
    name: str
    condition: str
    timeout: float


@dataclass(frozen=True)
class Action:
    step: Step
    do: Operation  # what the runner does with the step (`runner/run/operations`), or skip / fail
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
    if step.type in (StepType.COMMAND, StepType.IN_POD) and step.command:
        reqs.extend(f"network:{h}" for h in network_hosts(step.command))
    if step.type is StepType.COMMAND and step.command:
        reqs.extend(host_requirements(step.command))
    if step.runnable or step.type is StepType.INTERACTIVE:
        reqs.extend(f"value:{name}" for name in unfilled(step))
    return list(dict.fromkeys(reqs))


def unfilled(step: Step) -> list[str]:
    """Placeholders still in a rendered step (`<project-namespace>`, `<YOUR NAMESPACE>`): it cannot run as written."""
    first = step.content_line or step.line
    return list(dict.fromkeys(o.name for o in ph.find(step.text, first, fill_ins=True) if o.name not in ph.RUNTIME))


def object_requirements(obj: K8sObject, created: set[tuple[str, str]]) -> list[str]:
    """What an object needs of the cluster: its StorageClass, GPUs, images, hosts, nodes, claims made elsewhere."""
    body = obj.body or {}
    reqs: list[str] = []
    if obj.kind == "PersistentVolumeClaim":
        sc = (body.get("spec") or {}).get("storageClassName")
        if sc and ("StorageClass", sc) not in created:  # a class the lesson makes itself is there when needed
            reqs.append(f"storage-class:{sc}")
    spec = pod_spec(body)
    if spec:
        for container in containers(spec, init=None):
            res = container.get("resources") or {}
            if any("nvidia.com/gpu" in (res.get(k) or {}) for k in ("limits", "requests")):
                reqs.append("gpu")
            if container.get("image"):
                reqs.append(f"image:{container['image']}")
            words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
            words += [str(e.get("value")) for e in container.get("env") or [] if isinstance(e, Mapping) and e.get("value")]
            reqs.extend(f"network:{h}" for h in network_hosts(" ".join(words), any_tool=True))
        for vol in spec.get("volumes") or []:
            if not isinstance(vol, Mapping):
                continue
            claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and ("PersistentVolumeClaim", claim) not in created:
                reqs.append(f"object:pvc/{claim}")
        reqs.extend(f"node:{label}" for label in required_node_labels(spec))
        cpu, memory = pod_requests(spec)
        if cpu or memory:
            reqs.append(f"fits:{cpu:g},{memory:g}")
    return list(dict.fromkeys(reqs))


def network_hosts(text: str, any_tool: bool = False) -> list[str]:
    """Hosts a command (or a container's command) fetches from: URLs given to wget, curl, git, pip ...

    With `any_tool` (a container's command and args), every URL counts: a
    container's `git clone` is often split into words (`args: [clone, URL]`).
    """
    if not any_tool and not _NETWORK_TOOL.search(text):
        return []
    hosts = []
    for m in _URL.finditer(text):
        host = m.group(1).lower()
        if host and "$" not in host and "<" not in host:
            hosts.append(host)
    return list(dict.fromkeys(hosts))


def host_requirements(command: str) -> list[str]:
    """What a host command needs of this machine: its programs, and whether it would change the machine itself."""
    reqs: list[str] = []
    for seg in segments(command):
        prog = seg[0]
        if prog in _HOST_CHANGERS or (len(seg) > 1 and prog in _INSTALLERS and seg[1] in _INSTALL_VERBS):
            reqs.append(f"host:{' '.join(seg[:2])}")
            continue
        target = _writes_outside(seg)
        if target:
            reqs.append(f"host:{prog} writes {target}")
            continue
        if prog == "kubectl" and len(seg) > 1 and not seg[1].startswith("-") and not kubectl.known_verb(seg[1]):
            reqs.append(f"program:kubectl-{seg[1].replace('-', '_')}")  # a kubectl plugin
        elif _PROGRAM.fullmatch(prog) and prog not in _SHELL_WORDS:
            reqs.append(f"program:{prog}")
    for m in _REDIRECT.finditer(command.split("\n")[0]):
        if _outside(m.group(1)):
            reqs.append(f"host:writes {m.group(1)}")
    return reqs


def programs_of(lesson: Lesson) -> set[str]:
    """Every program the lesson's host commands call (to look up on this machine before planning)."""
    return {
        r.partition(":")[2]
        for s in lesson.steps
        if s.type is StepType.COMMAND and s.command
        for r in host_requirements(s.command)
        if r.startswith("program:")
    }


def required_node_labels(spec: Mapping[str, Any]) -> list[str]:
    """`KEY=V1|V2` for each label a pod requires of its node (nodeSelector, required node affinity `In`/`Exists`)."""
    out = [f"{k}={v}" for k, v in (spec.get("nodeSelector") or {}).items()]
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    terms = (required or {}).get("nodeSelectorTerms") or []
    if len(terms) == 1:  # several terms are alternatives: any one will do, which is not judged here
        for expr in terms[0].get("matchExpressions") or []:
            if expr.get("operator") == "In" and expr.get("values"):
                out.append(f"{expr.get('key')}={'|'.join(map(str, expr['values']))}")
            elif expr.get("operator") == "Exists":
                out.append(str(expr.get("key")))
    return out


def pod_requests(spec: Mapping[str, Any]) -> tuple[float, float]:
    """(CPU cores, memory bytes) a pod requests: its containers' sum, or its largest init container if more."""

    def req(c: Mapping[str, Any]) -> tuple[float, float]:
        resources = c.get("resources") or {}
        r = resources.get("requests") or resources.get("limits") or {}
        return quantity(r.get("cpu")), quantity(r.get("memory"))

    main = [req(c) for c in containers(spec)]
    init = [req(c) for c in containers(spec, init=True)]
    cpu = max([sum(c for c, _ in main)] + [c for c, _ in init])
    memory = max([sum(m for _, m in main)] + [m for _, m in init])
    return cpu, memory


def quantity(value: Any) -> float:
    """A Kubernetes quantity (`100m`, `1.5`, `4Gi`, `500M`) as a number (cores or bytes); 0 when unreadable."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*", str(value or ""))
    if not m or (m.group(2) and m.group(2) not in _UNITS):
        return 0.0
    return float(m.group(1)) * _UNITS.get(m.group(2), 1.0)


_UNITS = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}
_NETWORK_TOOL = re.compile(r"\b(?:wget|curl|git|pip3?|apt(?:-get)?|yum|dnf|conda|mamba|aws|gsutil|rclone|scp|ssh|helm|npm)\b")
_HOST_CHANGERS = {"sudo", "su", "doas", "install", "brew", "choco", "snap", "port", "winget", "systemctl", "update-alternatives"}
_INSTALLERS = {"apt", "apt-get", "yum", "dnf", "apk", "zypper", "pacman", "pip", "pip3", "pipx", "npm", "conda", "mamba", "gem"}
_INSTALL_VERBS = {"install", "add", "update", "upgrade", "remove", "uninstall", "-S", "-i"}
_SHELL_WORDS = {
    "cd",
    "export",
    "unset",
    "source",
    ".",
    "echo",
    "printf",
    "set",
    "test",
    "true",
    "false",
    "exit",
    "for",
    "while",
    "if",
    "then",
    "do",
    "done",
    "fi",
    "else",
    "case",
    "esac",
    "read",
    "eval",
    "exec",
    "alias",
    "type",
    "wait",
    "time",
    "history",
    "clear",
    "local",
    "declare",
    "let",
    "shift",
    "trap",
    "umask",
    "ulimit",
    "pushd",
    "popd",
    "sleep",
}
_PROGRAM = re.compile(r"[A-Za-z][\w.+-]*")
_REDIRECT = re.compile(r"(?<![<>&0-9])>>?\s*([^\s;&|<>]+)")
_WRITERS = {"mkdir", "cp", "mv", "tee", "touch", "ln", "rm", "chmod", "chown", "rsync", "unzip", "tar"}


def _outside(path: str) -> bool:
    """A path a run must not write: the reader's home or the system, outside the run's working directory."""
    path = path.strip("'\"")
    if path in ("/tmp", "/dev/null") or path.startswith(("/tmp/", "/dev/null", "/dev/std")):
        return False
    return path.startswith(("/", "~", "$HOME", "${HOME}", "%USERPROFILE%", ".."))


def _writes_outside(seg: list[str]) -> str | None:
    if seg[0] not in _WRITERS:
        return None
    targets = [w for w in seg[1:] if not w.startswith("-")]
    if seg[0] in ("cp", "mv", "ln", "rsync", "tar"):
        targets = targets[-1:]
    elif seg[0] == "unzip":
        targets = [w for i, w in enumerate(seg) if i and seg[i - 1] == "-d"]
    return next((t for t in targets if _outside(t)), None)


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
    file_lines: dict[str, int] = {}
    alive: dict[tuple[str, str], int] = {}  # objects made so far (and not deleted since): kind, name -> line
    skipped_files: set[str] = set()  # files that skipped commands would have written (downloads, clones)
    for step in lesson.steps:
        if step.type is StepType.MANIFEST and step.file:
            files.setdefault(step.file, step.text)
            file_lines.setdefault(plain_file(step.file), step.line)
        if step.type is StepType.FILE and step.file and step.action == "create":
            files.setdefault(step.file, step.text if step.text.strip() and step.content_line else "")
            file_lines.setdefault(plain_file(step.file), step.line)
        again = _again(step, alive)
        action = again or _overwrites_shown(step, file_lines)
        if action is None:
            action = _action(step, facts, lesson_unmet, created, effects, skipped_objects, lesson.declared)
        if action.do.acts and (needed := _needs_skipped_file(step, skipped_files, effects)):
            action = Action(
                step, Operation.SKIP, f"depends on {needed}, which a skipped step would have written", requirement_skip=True
            )
        if action.do is Operation.SKIP and not again:  # what `again` defines is there, made by an earlier step
            skipped_files.update(f for f in effects.files_made(step) if f != "*" and plain_file(f) not in file_lines)
            if step.type is StepType.MANIFEST:
                skipped_objects.update(o.name for o in step.objects if o.name)
            skipped_objects.update(e.name for e in effects.of_step(step) if e.creates and not e.generated)
        elif action.do is not Operation.FAIL:
            for e in effects.of_step(step):
                if e.creates and e.kind and not e.generated:
                    alive.setdefault((e.kind, e.name), e.line)
                elif e.action == "delete" and e.kind:
                    alive = {k: v for k, v in alive.items() if not (k[0] == e.kind and e.name in ("*", k[1]))}
        actions.append(action)
    return Plan(lesson, tuple(actions), files, effects)


def _again(step: Step, alive: dict[tuple[str, str], int]) -> Action | None:
    """A manifest the runner would apply that defines objects the lesson already made: an alternative the text shows.

    ("You could store this in a Secret using the following definition", the
    same Secret again): creating it would only fail with AlreadyExists.
    """
    if step.type is not StepType.MANIFEST or not step.apply or step.skip:
        return None
    names = [(o.kind, o.name) for o in step.objects if o.name]
    if not names or not all(n in alive for n in names):
        return None
    kind, name = names[0]
    return Action(
        step,
        Operation.SKIP,
        f"defines {kind.lower()}/{name} again, as made at line {alive[names[0]]}: an alternative the text shows, not applied",
    )


def _overwrites_shown(step: Step, file_lines: dict[str, int]) -> Action | None:
    """`cat > test-pod.yaml << EOF  # paste the YAML above` after the block that shows test-pod.yaml: already written."""
    if step.type is not StepType.COMMAND or not step.command:
        return None
    head = step.command.split("\n")[0]
    targets = [m.group(1) for m in _REDIRECT.finditer(head)]
    targets += [w for seg in segments(step.command) if seg[0] == "tee" for w in seg[1:] if not w.startswith("-")]
    for target in (plain_file(t.strip("'\"")) for t in targets):
        if target in file_lines and file_lines[target] < step.line:
            return Action(
                step,
                Operation.SKIP,
                f"writes {target}, which the runner wrote from the block at line {file_lines[target]} "
                "(the content the text shows)",
            )
    return None


def _action(
    step: Step,
    facts: ClusterFacts,
    lesson_unmet: list[str],
    created: set[tuple[str, str]],
    effects: Effects,
    skipped_objects: set[str],
    declared: Sequence[str] = (),
) -> Action:
    if step.type in (StepType.OTHER, StepType.FRAGMENT):
        return Action(step, Operation.SKIP, f"not runnable: {step.reason or step.type.value}")
    if step.skip:
        return Action(step, Operation.SKIP, step.skip)
    if step.type is StepType.INVALID:
        return Action(step, Operation.FAIL, step.error or "the block cannot be used as written")
    typo = next(
        (
            f"placeholder `<{n}>` is not declared: did you mean `<{near}>`?"
            for n in unfilled(step)
            if (near := ph.near_miss(n, list(declared)))
        ),
        None,
    )
    if typo:  # a defect of the text, not a value to ask for
        return Action(step, Operation.FAIL, typo)
    if lesson_unmet and step.type is not StepType.FILE:
        return Action(step, Operation.SKIP, f"lesson {lesson_unmet[0]}", requirement_skip=True)
    unmet = [why for r in step_requirements(step, created) if (why := facts.unmet(r))]
    if unmet:
        return Action(step, Operation.SKIP, unmet[0], requirement_skip=True)
    depends = _depends_on_skipped(step, skipped_objects, effects)
    if depends:
        return Action(step, Operation.SKIP, f"depends on {depends}, which was skipped", requirement_skip=True)
    if step.type is StepType.INTERACTIVE:
        if step.instead:
            return Action(step, Operation.COMMAND, command=step.instead)
        return Action(step, Operation.SKIP, f"interactive: {step.reason}", requirement_skip=True)
    if step.type is StepType.MANIFEST:
        objs = [(o.kind, o.name or "", o) for o in step.objects]
        if not step.apply:
            return Action(step, Operation.WRITE, step.reason or "applied by a command of the tutorial")
        return Action(step, Operation.APPLY, waits=_waits_for(step, objs, facts, deleting=False))
    if step.type is StepType.COMMAND:
        return Action(step, Operation.COMMAND, command=step.command, waits=_command_waits(step, facts, effects))
    if step.type is StepType.IN_POD:
        return Action(step, Operation.EXEC, command=step.command)
    if step.type is StepType.FILE:
        return Action(step, Operation.FILE)
    if step.type is StepType.CHECK:
        return Action(step, Operation.CHECK)
    return Action(step, Operation.SKIP, f"cannot run a step of type {step.type.value}")


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
                return (
                    e.call.call.files[0]
                    if e.manifest and e.call and e.call.call.files
                    else next(n for n in owners(e.name) if n in skipped)
                )
    return None


def _needs_skipped_file(step: Step, skipped_files: set[str], effects: Effects) -> str | None:
    """A file (or folder) this command uses that only a skipped step would have written (`unzip x.zip` after the wget)."""
    if not skipped_files or step.type not in (StepType.COMMAND, StepType.IN_POD) or not step.command:
        return None
    folders = tuple(f for f in skipped_files if f.endswith("/"))
    for seg in effects.segments(step.command):
        for word in seg[1:]:
            word = plain_file(word)
            if word in skipped_files or word.rsplit("/", 1)[-1] in skipped_files or (folders and word.startswith(folders)):
                return word
    return None


def _names_skipped(e: Effect, skipped: set[str]) -> bool:
    """Does this effect touch an object whose creation was skipped? (Creating a new one by name does not.)"""
    if e.action in ("create", "run") and e.manifest is None:
        return False
    return any(n in skipped for n in owners(e.name))
