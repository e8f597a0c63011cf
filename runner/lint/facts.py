"""What a lesson does, worked out once and shared by the rules.

From the parsed lesson (as written, placeholders kept) this computes: the
manifests with the line of every field, the kubectl calls of every command
with the objects they create, delete or refer to, in order, the files the
tutorial shows or makes, and the pods (of Pods and of Jobs) with their
containers and mounts. Names are compared as written, after turning a near
miss of a declared placeholder (`<usernam>`) into the placeholder it misses,
so that a typo is reported once, by the placeholders rule.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

from runner.syntax import kubectl
from runner.lesson import placeholders as ph
from runner.lesson.classify import read_yaml
from runner.syntax.kubectl import KubectlCall
from runner.lesson.model import K8sObject, Lesson, Step, StepType
from runner.syntax.shell import segments, split_commands
from runner.syntax.yaml import Positions, document_positions

HOST_TYPES = (StepType.COMMAND, StepType.INTERACTIVE)
POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Job": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# kinds whose pods are named NAME-<hash> (a Job's pods, a Deployment's...)
HASHED_POD_OWNERS = {"Job", "CronJob", "Deployment", "ReplicaSet", "DaemonSet"}
CLUSTER_SCOPED = {"Node", "PersistentVolume", "StorageClass", "Namespace", "ClusterRole", "ClusterRoleBinding",
                  "CustomResourceDefinition", "PriorityClass", "IngressClass", "RuntimeClass"}
HASH_SUFFIX = re.compile(r"^(?P<base>.+)-<hash>$")
# an Indexed Job's pods are NAME-INDEX-HASH: `c-<username>-<index>-<hash>`, `c-<username>-0-<hash>`
INDEX_SUFFIX = re.compile(r"^(?P<base>.+)-(?:\d+|<[A-Za-z][\w.-]*>)$")
SHELL_EXPANSION = re.compile(r"[$`*?\[\]{}]")


@dataclass(frozen=True)
class Manifest:
    """One object of a manifest block (or of a here-document), with its field lines."""

    step: Step
    obj: K8sObject
    pos: Positions
    file: str | None

    @property
    def name(self) -> str:
        return self.obj.name or self.obj.generate_name or ""


@dataclass(frozen=True)
class Container:
    name: str
    path: tuple
    body: dict
    mounts: tuple[tuple[str, int], ...]  # (mountPath, line)
    init: bool = False


@dataclass(frozen=True)
class Workload:
    """A Pod, or an object with a pod template (Job, Deployment...)."""

    manifest: Manifest
    spec_path: tuple
    spec: dict
    containers: tuple[Container, ...]

    @property
    def kind(self) -> str:
        return self.manifest.obj.kind


@dataclass(frozen=True)
class Call:
    """One kubectl simple command of a host step."""

    step: Step
    line: int
    words: tuple[str, ...]
    call: KubectlCall

    @property
    def dry_run(self) -> bool:
        value = self.call.flag("--dry-run")
        return value is not None and value not in ("none", "false")


@dataclass(frozen=True)
class Event:
    """Something a step does to an object, in lesson order."""

    order: tuple[int, int]
    step: Step
    line: int
    action: str  # manifest | create | apply | replace | run | delete | ref
    kind: str | None  # None: a kubectl verb that names a pod (logs, exec)
    name: str  # as written, near-miss placeholders normalized; "*" for all of a kind
    via: str  # how, for messages: "the manifest at line 29", "kubectl create configmap"
    call: Call | None = None
    generated: bool = False  # created with generateName: `name` is the prefix
    ignore_missing: bool = False


@dataclass
class Facts:
    lesson: Lesson

    @cached_property
    def declared(self) -> list[str]:
        return [p.name for p in self.lesson.meta.placeholders]

    def norm(self, text: str) -> str:
        """`text` with near misses of declared placeholders replaced by the placeholder they miss."""
        def fix(m: re.Match) -> str:
            name = m.group(1)
            if name in self.declared or name in ph.RUNTIME:
                return m.group(0)
            near = ph.near_miss(name, self.declared)
            return f"<{near}>" if near else m.group(0)
        return ph.PLACEHOLDER.sub(fix, text)

    # ---- manifests ---------------------------------------------------------------------------

    def unfilled(self, name: str) -> bool:
        """True when `name` holds a placeholder that nothing fills (not declared, not a near miss, not runtime)."""
        for m in ph.PLACEHOLDER.finditer(name):
            n = m.group(1)
            if n not in self.declared and n not in ph.RUNTIME and not ph.near_miss(n, self.declared):
                return True
        return False

    @cached_property
    def manifests(self) -> list[Manifest]:
        out: list[Manifest] = []
        for step in self.lesson.steps:
            if step.type is StepType.MANIFEST:
                positions = document_positions(step.text, step.content_line or step.line + 1)
                for obj, pos in zip(step.objects, positions):
                    out.append(Manifest(step, obj, pos, step.file))
        for step, objects in self.heredocs.values():
            out.extend(objects)
        return out

    @cached_property
    def heredocs(self) -> dict[int, tuple[Step, list[Manifest]]]:
        """`kubectl create/apply -f - <<EOF ... EOF`: the objects of the here-document, by step index."""
        out: dict[int, tuple[Step, list[Manifest]]] = {}
        for step in self.lesson.steps:
            if step.type not in HOST_TYPES or not step.command or "\n" not in step.command:
                continue
            head, _, body = step.command.partition("\n")
            if not re.search(r"<<-?\s*['\"]?[A-Za-z_]", head) or not re.search(r"\bkubectl\b.*\s-f\s*-(\s|$)", head):
                continue
            lines = body.split("\n")
            if lines and re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*", lines[-1]):
                lines = lines[:-1]
            text = "\n".join(lines) + "\n"
            first = step.line + 1
            result = read_yaml(text, first)
            if result.error:
                continue
            positions = document_positions(text, first)
            out[step.index] = (step, [Manifest(step, o, p, None) for o, p in zip(result.objects, positions)])
        return out

    @cached_property
    def workloads(self) -> list[Workload]:
        out = []
        for m in self.manifests:
            spec_path = POD_SPEC_PATHS.get(m.obj.kind)
            if not spec_path:
                continue
            spec = _get(m.obj.body, spec_path)
            if not isinstance(spec, dict):
                continue
            containers = []
            for key in ("initContainers", "containers"):
                for i, c in enumerate(spec.get(key) or []):
                    if not isinstance(c, dict):
                        continue
                    cpath = spec_path + (key, i)
                    mounts = tuple(
                        (str(vm.get("mountPath")), m.pos.value_line(cpath + ("volumeMounts", j, "mountPath")))
                        for j, vm in enumerate(c.get("volumeMounts") or []) if isinstance(vm, dict) and vm.get("mountPath")
                    )
                    containers.append(Container(str(c.get("name", "")), cpath, c, mounts, key == "initContainers"))
            out.append(Workload(m, spec_path, spec, tuple(containers)))
        return out

    def workload(self, name: str, before: int | None = None) -> Workload | None:
        """The Pod or Job (etc.) called `name` (a pod of a Job: `NAME-<hash>`), the last one defined before a step."""
        name = self.norm(name)
        base = HASH_SUFFIX.match(name)
        matches = [w for w in self.workloads if self.norm(w.manifest.name) == name or
                   (base and self.norm(w.manifest.name) == base.group("base") and w.kind in HASHED_POD_OWNERS)]
        if before is not None:
            earlier = [w for w in matches if w.manifest.step.index <= before]
            if earlier:
                return earlier[-1]
        return matches[0] if matches else None

    # ---- commands ----------------------------------------------------------------------------

    @cached_property
    def calls(self) -> list[Call]:
        out = []
        for step in self.lesson.steps:
            if step.type in HOST_TYPES and step.command:
                out.extend(self.step_calls(step))
        return out

    def step_calls(self, step: Step) -> list[Call]:
        cache = self.__dict__.setdefault("_cache_step_calls", {})
        if step.index not in cache:
            cache[step.index] = self._step_calls(step)
        return cache[step.index]

    def segments(self, text: str) -> list[list[str]]:
        """`shell.segments`, computed once per command text."""
        cache = self.__dict__.setdefault("_cache_segments", {})
        if text not in cache:
            cache[text] = segments(text)
        return cache[text]

    def _step_calls(self, step: Step) -> list[Call]:
        out = []
        text = step.command or ""
        pos = 0
        for seg in self.segments(text):
            call = kubectl.parse(seg)
            if call is None:
                continue
            at = text.find(seg[0], pos)
            if at >= 0:
                pos = at + len(seg[0])
            line = step.line + text.count("\n", 0, max(at, 0))
            out.append(Call(step, line, tuple(seg), call))
        return out

    # ---- files -------------------------------------------------------------------------------

    @cached_property
    def shown_files(self) -> dict[str, list[Step]]:
        """Files whose content the tutorial shows (a block saved as FILE) or asks the reader to create."""
        out: dict[str, list[Step]] = {}
        for step in self.lesson.steps:
            if step.file and step.type in (StepType.MANIFEST, StepType.FILE, StepType.INVALID):
                out.setdefault(step.file, []).append(step)
        return out

    def made_files(self, before: int | None = None) -> set[str]:
        """Files (and folders) that host commands before step `before` write: redirections, downloads, clones."""
        cache = self.__dict__.setdefault("_cache_made_files", {})
        if before not in cache:
            cache[before] = self._made_files(before)
        return cache[before]

    def _made_files(self, before: int | None) -> set[str]:
        out: set[str] = set()
        for step in self.lesson.steps:
            if before is not None and step.index >= before:
                break
            text = step.command if step.type in HOST_TYPES else None
            if not text:
                continue
            for m in re.finditer(r"(?<![<>&0-9])>>?\s*([^\s;&|<>]+)", text):
                out.add(m.group(1))
            for seg in self.segments(text):
                prog = seg[0] if seg else ""
                if prog in ("wget", "curl"):
                    for i, w in enumerate(seg):
                        if w in ("-O", "-o", "--output", "--output-document") and i + 1 < len(seg):
                            out.add(seg[i + 1])
                        elif w.startswith(("http://", "https://")):
                            out.add(posixpath.basename(w.split("?")[0]))
                elif prog == "git" and len(seg) > 2 and seg[1] == "clone":
                    rest = [w for w in seg[2:] if not w.startswith("-")]
                    if rest:
                        out.add((rest[1] if len(rest) > 1 else posixpath.basename(rest[0]).removesuffix(".git")) + "/")
                elif prog in ("cp", "mv", "touch", "tee") and len(seg) > 1:
                    out.add(seg[-1])
                elif prog in ("tar", "unzip"):
                    out.add("*")  # unpacks or fetches files we cannot name
        return out

    def file_known(self, name: str, before: int | None = None) -> bool:
        made = self.made_files(before)
        if name in self.shown_files or name in made or "*" in made:
            return True
        base = posixpath.basename(name)
        if base in self.shown_files or base in made:
            return True
        return any(name.startswith(d) for d in made if d.endswith("/"))

    def file_manifests(self, name: str, before: int) -> list[Manifest] | None:
        """The objects of the file `name` as last shown before step `before` (else anywhere); None when not shown."""
        steps = self.shown_files.get(name) or self.shown_files.get(posixpath.basename(name))
        if not steps:
            return None
        earlier = [s for s in steps if s.index < before] or steps
        step = earlier[-1]
        return [m for m in self.manifests if m.step is step]

    # ---- object events -----------------------------------------------------------------------

    @cached_property
    def unknown_applied_files(self) -> list[tuple[str, int]]:
        """Files a command applies that the tutorial never shows: (name, line)."""
        out = []
        for c in self.calls:
            if c.call.verb in ("create", "apply", "replace") and not c.dry_run:
                for f in c.call.files:
                    if _checkable_file(f) and self.file_manifests(f, c.step.index) is None and not self.file_known(f, c.step.index):
                        out.append((f, c.line))
        return out

    @cached_property
    def unseen_sources(self) -> list[tuple[str, int]]:
        """What creates objects the linter cannot see, with its line: files applied but not shown,
        `kubectl apply -f URL`, `-k DIR`, `helm install`."""
        out = [(f"`{f}`", line) for f, line in self.unknown_applied_files]
        for c in self.calls:
            if c.call.verb in ("create", "apply", "replace") and not c.dry_run:
                out.extend((f"`{f}`", c.line) for f in c.call.files if f.startswith(("http://", "https://")))
                if c.call.has("-k", "--kustomize"):
                    out.append((f"`{c.call.flag('-k', '--kustomize')}`", c.line))
        for step in self.lesson.steps:
            if step.type in HOST_TYPES and step.command:
                for seg in self.segments(step.command):
                    if len(seg) > 2 and seg[0] == "helm" and seg[1] in ("install", "upgrade"):
                        out.append(("`helm " + seg[1] + "`", step.line))
        return sorted(out, key=lambda x: x[1])

    def looks_like(self, name: str) -> tuple[Event, str] | None:
        """A created object `name` is the name of with a literal username (and maybe a pod hash): (creation, the word used)."""
        for created, events in self.creations.items():
            if "<username>" not in created:
                continue
            pattern = "^" + re.escape(created).replace(re.escape("<username>"), "(?P<user>[a-z0-9]+)") + r"(?P<hash>-[a-z0-9]{5})?$"
            m = re.match(pattern, name)
            if m and m.group("user") != "username" or (m and m.group("hash")):
                return events[0], m.group("user")
        return None

    @cached_property
    def events(self) -> list[Event]:
        out: list[Event] = []
        for step in self.lesson.steps:
            if step.type is StepType.MANIFEST and step.apply:
                for m in self.manifests:
                    if m.step is step:
                        out.append(Event((step.index, 0), step, m.obj.name_line, "manifest", m.obj.kind, self.norm(m.name),
                                         f"the manifest at line {step.line}", generated=m.obj.name is None))
            if step.type not in HOST_TYPES:
                continue
            for n, c in enumerate(self.step_calls(step), 1):
                out.extend(self._call_events(c, (step.index, n)))
        return out

    def _call_events(self, c: Call, order: tuple[int, int]) -> Iterator[Event]:
        call, step = c.call, c.step
        verb = call.verb
        if verb in ("create", "apply", "replace"):
            if c.dry_run:
                return
            for f in call.files:
                if f == "-":
                    objects = self.heredocs.get(step.index, (None, []))[1]
                    via = f"kubectl {verb} -f - (here-document)"
                else:
                    objects = self.file_manifests(f, step.index) or []
                    via = f"kubectl {verb} -f {f}"
                for m in objects:
                    yield Event(order, step, c.line, verb, m.obj.kind, self.norm(m.name), via, c, generated=m.obj.name is None)
            created = call.creates
            if created:
                yield Event(order, step, c.line, "create", created[0], self.norm(created[1]),
                            f"kubectl create {call.args[0]}", c)
            return
        if verb == "run":
            created = call.creates
            if created and not c.dry_run:
                yield Event(order, step, c.line, "run", "Pod", self.norm(created[1]), "kubectl run", c)
                if call.has("--rm"):  # deleted when the session ends
                    yield Event((order[0], order[1] + 1000), step, c.line, "delete", "Pod", self.norm(created[1]),
                                "kubectl run --rm", c, ignore_missing=True)
            return
        if verb == "expose":
            for kind, name in call.targets[:1]:
                yield Event(order, step, c.line, "ref", kind, self.norm(name), "kubectl expose", c)
            created = call.creates
            if created and not c.dry_run:
                yield Event(order, step, c.line, "create", "Service", self.norm(created[1]), "kubectl expose", c)
            return
        if verb == "delete":
            ignore = call.has("--ignore-not-found")
            for f in call.files:
                for m in self.file_manifests(f, step.index) or []:
                    yield Event(order, step, c.line, "delete", m.obj.kind, self.norm(m.name), f"kubectl delete -f {f}", c,
                                ignore_missing=True)
            if call.has("--all", "-l", "--selector", "--field-selector", "-A", "--all-namespaces") and call.args:
                for k in call.args[0].split(","):
                    yield Event(order, step, c.line, "delete", kubectl.kind_of(k) or k, "*", "kubectl delete", c,
                                ignore_missing=True)
                return
            for kind, name in call.targets:
                yield Event(order, step, c.line, "delete", kind, self.norm(name), "kubectl delete", c, ignore_missing=ignore)
            return
        if verb == "wait" and (call.flag("--for") or "").startswith("delete"):
            return  # waiting for the object to be gone
        for kind, name in call.targets:
            yield Event(order, step, c.line, "ref", kind, self.norm(name), f"kubectl {verb}", c,
                        ignore_missing=call.has("--ignore-not-found"))

    @cached_property
    def creations(self) -> dict[str, list[Event]]:
        """Every object the tutorial creates, by name (as written, normalized)."""
        out: dict[str, list[Event]] = {}
        for e in self.events:
            if e.action in ("manifest", "create", "apply", "run", "replace") and e.name != "*":
                out.setdefault(e.name, []).append(e)
        return out

    def kinds_named(self, name: str) -> set[str]:
        """Kinds of the objects created under this exact name (a generateName prefix is not a name)."""
        return {e.kind for e in self.creations.get(name, ()) if e.kind and not e.generated}


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data


def get(data: Any, path: tuple) -> Any:
    return _get(data, path)


def _checkable_file(name: str) -> bool:
    return bool(re.search(r"\.(ya?ml|json)$", name)) and not name.startswith(("http://", "https://")) and \
        not SHELL_EXPANSION.search(name) and "<" not in name


def checkable_name(name: str) -> bool:
    """A name the linter can reason about (no shell expansion, not a flag)."""
    return bool(name) and not SHELL_EXPANSION.search(name) and not name.startswith("-")


def line_of(step: Step, needle: str, start_line: int | None = None) -> int:
    """The line of the first occurrence of `needle` in the step's text at or after `start_line`."""
    first = step.content_line or step.line
    if step.type in (StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE):
        first = step.line
    lines = step.text.split("\n")
    skip = max(0, (start_line or first) - first)
    for i, text in enumerate(lines[skip:], skip):
        if needle in text:
            return first + i
    return start_line or first


def commands_of(step: Step) -> list[tuple[str, int]]:
    """The commands of a shell-ish step with their lines."""
    if step.command:
        return [(step.command, step.line)]
    return [(c.text, c.line) for c in split_commands(step.text, step.content_line or step.line)]
