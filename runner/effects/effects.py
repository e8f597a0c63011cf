"""What each step of a lesson does to cluster objects: the one model lint, the planner, the runner and `clean` use.

A step creates objects (a manifest the runner applies, `kubectl create -f
FILE`, `kubectl apply -f - <<EOF ... EOF`, `kubectl create configmap`,
`kubectl run`, `kubectl expose`), deletes them (`kubectl delete`, `kubectl run
--rm`) or refers to them (`kubectl logs`, `exec`, `describe` ...). `Effects`
works this out once per lesson, in lesson order, each effect with the line it
comes from:

- lint compares names as written (placeholders kept, typos normalized by the
  `norm` function it passes in);
- the planner asks what a step creates or deletes (waits, skips of dependent
  steps), the runner what a command made (labels, cleanup tracking), and
  `clean` and the graders which objects a lesson names for a user.

Here-documents are read like manifest blocks: their objects are `Manifest`s
too, so every consumer sees them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from runner.effects.commands import KUBECONFIG_VIA, command_io, flag_value, operands, outside
from runner.effects.environment import object_requirements, step_requirements, unfilled
from runner.effects.io import (
    API,
    COMMAND,
    CWD,
    FILE,
    LABELS,
    NAMESPACE,
    NODE,
    OBJECT,
    PORT,
    RESOURCE,
    VAR,
    Made,
    Need,
    StepIO,
    api_kind,
    crd_kinds,
    crd_resources,
    provides_file,
    references,
)
from runner.lesson.model import Lesson, Step, StepType
from runner.syntax import bash, kubectl
from runner.syntax.k8s import CLUSTER_SCOPED, READERS_NAMESPACE, K8sObject, claim_specs, get_path, pod_spec
from runner.syntax.kubectl import KubectlCall
from runner.syntax.shell import given_files, heredoc, piped, plain_file
from runner.syntax.yaml import Positions, read_yaml

HOST_TYPES = (StepType.COMMAND, StepType.INTERACTIVE)
# `name: mydb` on a line of YAML that does not parse as a whole (what it means to name)
_NAMED = re.compile(r"^[ \t]*name:[ \t]*['\"]?([a-z0-9][a-z0-9.-]*)['\"]?[ \t]*$", re.M)
# programs that show a file to the reader: a file they are given is one the author takes to be there
_LOOKING_AT = frozenset({"cat", "less", "more", "head", "tail", "diff", "bat", "view"})
CREATING = frozenset({"manifest", "create", "apply", "replace", "run"})


@dataclass(frozen=True)
class Manifest:
    """One object of a manifest block, of a file a command applies, or of a here-document."""

    step: Step
    obj: K8sObject
    file: str | None
    heredoc: bool = False

    @property
    def name(self) -> str:
        return self.obj.name or self.obj.generate_name or ""

    @property
    def pos(self) -> Positions:
        """The line of every field of the object."""
        return self.obj.positions  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Call:
    """One kubectl simple command of a host step, with its line."""

    step: Step
    line: int
    words: tuple[str, ...]
    call: KubectlCall
    stdin: str | None = None  # the file piped into it: `envsubst < app.yaml | kubectl apply -f -` applies app.yaml
    fed_by: tuple[str, ...] = ()  # the words of the command whose output is its input (`kubectl create … -o yaml |`)

    @property
    def files(self) -> tuple[str, ...]:
        """Its `-f` files, `-` read as the file piped into it when one is (else `-`: a here-document, or unknown)."""
        return given_files(self.call.files, self.stdin)

    @property
    def dry_run(self) -> bool:
        value = self.call.flag("--dry-run")
        return value is not None and value not in ("none", "false")


@dataclass(frozen=True)
class Effect:
    """Something a step does to an object, in lesson order."""

    order: tuple[int, int]
    step: Step
    line: int
    action: str  # manifest | create | apply | replace | run | delete | ref
    kind: str | None  # None: a kubectl verb that names a pod (logs, exec)
    name: str  # as written (normalized by `norm`); "*" for all of a kind
    via: str  # how, for messages: "the manifest at line 29", "kubectl create configmap"
    call: Call | None = None
    generated: bool = False  # created with generateName: `name` is the prefix
    ignore_missing: bool = False
    manifest: Manifest | None = None  # the object's body, when the step shows it

    @property
    def creates(self) -> bool:
        return self.action in CREATING and self.name != "*"

    @property
    def namespace(self) -> str | None:
        """Where the object is, when the step says (`metadata.namespace`, `kubectl … -n app-b`); None: the run's own."""
        if self.manifest is not None and self.manifest.obj.namespace:
            return None if self.manifest.obj.namespace == READERS_NAMESPACE else self.manifest.obj.namespace
        flag = self.call.call.flag("-n", "--namespace") if self.call is not None else None
        return None if flag == READERS_NAMESPACE else flag  # `-n default`: the reader's own namespace, the run's


def _same(text: str) -> str:
    return text


class Effects:
    """The effects of every step of one lesson (rendered or as written), computed once."""

    def __init__(self, lesson: Lesson, norm: Callable[[str], str] = _same) -> None:
        self.lesson = lesson
        self.norm = norm
        self._segments: dict[str, list[tuple[list[str], str | None]]] = {}
        self._step_calls: dict[int, list[Call]] = {}
        self._scripts: dict[int, tuple[str, ...]] = {}  # scripts of the tutorial's each step runs (filled with `_io`)

    # ---- manifests ---------------------------------------------------------------------------

    @cached_property
    def heredocs(self) -> dict[int, tuple[Manifest, ...]]:
        """`kubectl create/apply -f - <<EOF ... EOF` and `cat <<EOF | kubectl apply -f -`: objects by step index."""
        out: dict[int, tuple[Manifest, ...]] = {}
        for step in self.lesson.steps:
            if step.type not in HOST_TYPES or not step.command or "<<" not in step.command:
                continue
            doc = _applied_heredoc(step.command)
            if doc is None:
                continue
            result = read_yaml(doc.given, step.line + doc.first_line)
            if result.error:
                continue
            out[step.index] = tuple(Manifest(step, o, None, heredoc=True) for o in result.objects)
        return out

    @cached_property
    def written(self) -> dict[int, tuple[str, tuple[Manifest, ...]]]:
        """`cat <<EOF > job.yaml … EOF`: the file a here-document writes, and its objects, by step index.

        The file's content is shown as surely as a block's: `kubectl apply -f
        job.yaml` later creates these objects (the writing step creates nothing).
        """
        out: dict[int, tuple[str, tuple[Manifest, ...]]] = {}
        for step in self.lesson.steps:
            if step.type not in HOST_TYPES or not step.command or "<<" not in step.command:
                continue
            for c in bash.parse(step.command).heredocs:
                targets = [r.target for r in c.redirects if r.writes] + (
                    [w for w in c.words[1:] if not w.startswith("-")] if c.name == "tee" else []
                )
                if c.heredoc is None or not targets or c.name not in ("cat", "tee"):
                    continue
                name = plain_file(targets[-1])
                result = read_yaml(c.heredoc.given, step.line + c.heredoc.first_line)
                objects = () if result.error else tuple(Manifest(step, o, name, heredoc=True) for o in result.objects)
                out[step.index] = (name, objects)
        return out

    @cached_property
    def manifests(self) -> list[Manifest]:
        """Objects of manifest blocks, then of here-documents (applied, or written into a file)."""
        out = [
            Manifest(step, obj, step.file) for step in self.lesson.steps if step.type is StepType.MANIFEST for obj in step.objects
        ]
        for objects in self.heredocs.values():
            out.extend(objects)
        for _, objects in self.written.values():
            out.extend(objects)
        return out

    @cached_property
    def shown_files(self) -> dict[str, list[Step]]:
        """Files whose content the tutorial shows (a block saved as FILE, a here-document written into it) or asks for."""
        out: dict[str, list[Step]] = {}
        for step in self.lesson.steps:
            if step.file and step.type in (StepType.MANIFEST, StepType.FILE, StepType.INVALID):
                out.setdefault(plain_file(step.file), []).append(step)
            elif step.index in self.written and self.written[step.index][1]:  # a here-document of objects, not a comment
                out.setdefault(self.written[step.index][0], []).append(step)
        return out

    def file_manifests(self, name: str, before: int) -> list[Manifest] | None:
        """The objects of the file `name` as last shown before step `before` (else anywhere); None when not shown."""
        name = plain_file(name)
        steps = self.shown_files.get(name) or self.shown_files.get(name.rsplit("/", 1)[-1])
        if not steps:  # `kubectl delete -f persistent-storage/start`: a folder of files the text shows
            inside = name.rstrip("/") + "/"
            files = sorted(f for f in self.shown_files if f.startswith(inside))
            return [m for f in files for m in self.file_manifests(f, before) or []] if files else None
        earlier = [s for s in steps if s.index < before] or steps
        step = earlier[-1]
        return [m for m in self.manifests if m.step is step]

    def files_made(self, step: Step) -> set[str]:
        """Files (and `folder/`s) a step writes; `*` (or `dir/*`) for unpacked files nobody can name."""
        return {m.name for m in self.io(step).makes if m.kind == FILE}

    # ---- commands ----------------------------------------------------------------------------

    def segments(self, text: str) -> list[list[str]]:
        """`shell.segments`, computed once per command text."""
        return [words for words, _ in self.piped(text)]

    def piped(self, text: str) -> list[tuple[list[str], str | None]]:
        """`shell.piped` (the simple commands, each with the file piped into it), computed once per command text."""
        if text not in self._segments:
            self._segments[text] = piped(text)
        return self._segments[text]

    def step_calls(self, step: Step) -> list[Call]:
        """The kubectl calls of a host step, each with its line."""
        if step.index not in self._step_calls:
            out = []
            text = step.command or ""
            pos = 0
            script = bash.parse(text)
            for i, command in enumerate(script.commands):
                if not (command.words and command.runs):
                    continue
                seg = list(command.words)
                call = kubectl.parse(seg)
                if call is None:
                    continue
                at = text.find(seg[0], pos)
                if at >= 0:
                    pos = at + len(seg[0])
                line = step.line + text.count("\n", 0, max(at, 0))
                source = script.input_of(i)
                out.append(Call(step, line, tuple(seg), call, script.input_file(i), source.words if source else ()))
            self._step_calls[step.index] = out
        return self._step_calls[step.index]

    @cached_property
    def calls(self) -> list[Call]:
        return [c for step in self.lesson.steps if step.type in HOST_TYPES and step.command for c in self.step_calls(step)]

    # ---- effects -----------------------------------------------------------------------------

    @cached_property
    def events(self) -> list[Effect]:
        out: list[Effect] = []
        by_step: dict[int, list[Manifest]] = {}
        for m in self.manifests:
            if not m.heredoc:
                by_step.setdefault(m.step.index, []).append(m)
        for step in self.lesson.steps:
            if step.type is StepType.MANIFEST and step.apply:
                for m in by_step.get(step.index, ()):
                    out.append(
                        Effect(
                            (step.index, 0),
                            step,
                            m.obj.name_line,
                            "manifest",
                            m.obj.kind,
                            self.norm(m.name),
                            f"the manifest at line {step.line}",
                            generated=m.obj.name is None,
                            manifest=m,
                        )
                    )
            if step.type not in HOST_TYPES:
                continue
            for n, c in enumerate(self.step_calls(step), 1):
                out.extend(self._call_effects(c, (step.index, n)))
        return out

    def of_step(self, step: Step) -> list[Effect]:
        return [e for e in self.events if e.step.index == step.index]

    def _call_effects(self, c: Call, order: tuple[int, int]) -> Iterator[Effect]:
        call, step = c.call, c.step
        verb = call.verb
        if verb in ("create", "apply", "replace"):
            if c.dry_run:
                return
            for f in c.files:
                if f == "-" and step.index not in self.heredocs and (printed := _printed_object(c.fed_by)) is not None:
                    # `kubectl create namespace x --dry-run=client -o yaml | kubectl apply -f -`: the object it prints
                    yield Effect(
                        order, step, c.line, verb, printed[0], self.norm(printed[1]), f"kubectl {verb} -f - ({printed[2]})", c
                    )
                    continue
                if f == "-":
                    objects: list[Manifest] | tuple[Manifest, ...] = self.heredocs.get(step.index, ())
                    via = f"kubectl {verb} -f - (here-document)"
                else:
                    objects = self.file_manifests(f, step.index) or []
                    via = f"kubectl {verb} -f {f}"
                for m in objects:
                    yield Effect(order, step, c.line, verb, m.obj.kind, self.norm(m.name), via, c, m.obj.name is None, manifest=m)
            created = call.creates
            if created:
                yield Effect(
                    order, step, c.line, "create", created[0], self.norm(created[1]), f"kubectl create {call.args[0]}", c
                )
            return
        if verb == "run":
            created = call.creates
            if created and not c.dry_run:
                yield Effect(order, step, c.line, "run", "Pod", self.norm(created[1]), "kubectl run", c)
                if call.has("--expose"):  # and a Service of the same name in front of it
                    yield Effect(order, step, c.line, "run", "Service", self.norm(created[1]), "kubectl run --expose", c)
                if call.has("--rm"):  # deleted when the session ends
                    yield Effect(
                        (order[0], order[1] + 1000),
                        step,
                        c.line,
                        "delete",
                        "Pod",
                        self.norm(created[1]),
                        "kubectl run --rm",
                        c,
                        ignore_missing=True,
                    )
            return
        if verb in ("expose", "autoscale"):  # a Service, a HorizontalPodAutoscaler, for the workload it names
            for kind, name in call.targets[:1]:
                yield Effect(order, step, c.line, "ref", kind, self.norm(name), f"kubectl {verb}", c)
            created = call.creates
            if created and not c.dry_run:
                yield Effect(order, step, c.line, "create", created[0], self.norm(created[1]), f"kubectl {verb}", c)
            return
        if verb == "delete":
            ignore = call.has("--ignore-not-found")
            for f in c.files:
                for m in self.file_manifests(f, step.index) or []:
                    yield Effect(
                        order,
                        step,
                        c.line,
                        "delete",
                        m.obj.kind,
                        self.norm(m.name),
                        f"kubectl delete -f {f}",
                        c,
                        ignore_missing=True,
                        manifest=m,
                    )
            selects = call.has("--all", "-l", "--selector", "--field-selector")
            everywhere = call.has("-A", "--all-namespaces") and not call.targets  # `-A TYPE NAME` still names it
            if (selects or everywhere) and call.args:
                for k in call.args[0].split(","):
                    yield Effect(
                        order, step, c.line, "delete", kubectl.kind_of(k) or k, "*", "kubectl delete", c, ignore_missing=True
                    )
                return
            for kind, name in call.targets:
                yield Effect(order, step, c.line, "delete", kind, self.norm(name), "kubectl delete", c, ignore_missing=ignore)
            return
        if verb == "wait" and (call.flag("--for") or "").startswith("delete"):
            return  # waiting for the object to be gone
        for kind, name in call.targets:
            yield Effect(
                order,
                step,
                c.line,
                "ref",
                kind,
                self.norm(name),
                f"kubectl {verb}",
                c,
                ignore_missing=call.has("--ignore-not-found"),
            )

    @cached_property
    def creations(self) -> dict[str, list[Effect]]:
        """Every object the tutorial creates, by name (as written, normalized)."""
        out: dict[str, list[Effect]] = {}
        for e in self.events:
            if e.creates:
                out.setdefault(e.name, []).append(e)
        return out

    def created(self) -> dict[tuple[str, str], int]:
        """(kind, name) -> index of the first step that creates it; generateName objects have no name to give."""
        out: dict[tuple[str, str], int] = {}
        for e in self.events:
            if e.creates and e.kind and not e.generated:
                out.setdefault((e.kind, e.name), e.step.index)
        for m in self.manifests:  # a manifest a command of another lesson part applies is still the lesson's object
            if m.obj.name and not m.heredoc:
                out.setdefault((m.obj.kind, self.norm(m.obj.name)), m.step.index)
        return out

    def kinds_named(self, name: str) -> set[str]:
        """Kinds of the objects created under this exact name (a generateName prefix is not a name)."""
        return {e.kind for e in self.creations.get(name, ()) if e.kind and not e.generated}

    # ---- provenance -------------------------------------------------------------------------

    def io(self, step: Step) -> StepIO:
        """What `step` needs from earlier steps and makes for later ones (files, variables, objects, namespaces, kinds)."""
        return self._io.get(step.index, StepIO())

    def scripts_run(self, step: Step) -> list[tuple[str, str | None]]:
        """The scripts an earlier step of the tutorial wrote that this step runs (`./add-user.sh alice`), each with its
        text when a here-document wrote it (`cat > add-user.sh <<'SCRIPT'`)."""
        assert self._io is not None  # (computing the steps' io fills `_scripts`)
        names = self._scripts.get(step.index, ())
        out: list[tuple[str, str | None]] = []
        for name in names:
            text = None
            for s in self.lesson.steps[: step.index]:
                doc = heredoc(s.command) if s.type is StepType.COMMAND and s.command else None
                if doc is not None and name in command_io(s.command or "").writes:
                    text = doc.text
            out.append((name, text))
        return out

    @cached_property
    def _io(self) -> dict[int, StepIO]:
        out: dict[int, StepIO] = {}
        cwd = ""
        set_so_far: list[str] = []
        written: set[str] = set()  # files earlier steps write
        for step in self.lesson.steps:
            io, cwd = self._step_io(step, cwd)
            own = {m.name for m in io.makes if m.kind == FILE}
            places = {f for f in written | own if f.endswith("/")}  # folders a step makes (`mkdir -p deploy/manifests`)
            inputs_known = all(
                n.name in written or n.name in own or self.file_manifests(_within(n.name, io.cwd), step.index) is not None
                for n in io.needs
                if n.kind == FILE
            )
            # (a file written into a subfolder needs that subfolder: `touch kubernetes/x.yaml` in a clone's folder)
            folders_known = all(
                f.endswith("/") or posixpath.dirname(f) in ("", io.cwd) or posixpath.dirname(f) + "/" in places for f in own
            )
            if inputs_known and folders_known:
                into = {posixpath.dirname(f) + "/" for f in own if not f.endswith("/")} & (written - own)
                extra = tuple(Need(FILE, folder, step.line) for folder in sorted(into))  # the `mkdir` that makes it
                # `mkdir -p deploy`, `kubectl apply -f deploy/pod.yaml` in the folder a `cd` entered, of a file the
                # tutorial writes or shows there itself: nothing it reads is the folder's own (the run, kept out of a
                # folder it cannot enter, writes and reads those files in its own)
                io = replace(io, needs=tuple(n for n in io.needs if n.kind != CWD) + extra)
            scripts = [n.name for n in io.needs if n.kind == FILE and n.via in _SCRIPT_RUNS and n.name in written]
            self._scripts[step.index] = tuple(scripts)
            if scripts:  # `./add-user.sh alice`, a script the tutorial wrote: what it writes (`${USER}-kubeconfig.yaml`)
                io = replace(io, makes=io.makes + (Made(FILE, "*"),))  # is not read here; any file, maybe
            written.update(m.name for m in io.makes if m.kind == FILE)
            listed = [v for v in set_so_far if any(_lists(p, v) for p in io.lists)]
            if listed:  # `printenv | grep POST*`: it shows what earlier steps set under those names
                io = replace(io, needs=io.needs + tuple(Need(VAR, v, step.line) for v in listed))
            set_so_far += [m.name for m in io.makes if m.kind == VAR and m.name not in set_so_far]
            out[step.index] = io
        return out

    def _step_io(self, step: Step, cwd: str) -> tuple[StepIO, str]:
        needs: list[Need] = []
        makes: list[Made] = []
        fetches = False
        lists: tuple[str, ...] = ()
        if step.type in HOST_TYPES and step.command:
            # `ubuntu@ip:~/kubecon-eu-2019$ go run client.go`: its prompt says it is typed in a folder of the reader's home
            run_in = step.folder if step.folder and not cwd and step.folder.startswith("~/") else cwd
            io = command_io(step.command, run_in)
            fetches = io.fetches
            lists = tuple(io.env_patterns)
            if cwd and step.type is StepType.COMMAND and io.uses_cwd:
                needs.append(Need(CWD, cwd, step.line))  # its files are in the folder an earlier `cd` entered
            needs += [Need(VAR, v, step.line) for v in io.uses]
            makes += [Made(VAR, v) for v in io.sets]
            needs += [Need(FILE, f, step.line) for f in io.reads]
            needs += [Need(FILE, f, step.line, judged=True, via=how) for f, how in io.manifests]
            needs += [Need(FILE, f, step.line, judged=True, via="cd") for f in io.folders]
            makes += [Made(FILE, f, edits=f in io.edits) for f in io.writes]
            needs += [Need(NAMESPACE, n, step.line, via=how) for n, how in io.namespaces]
            needs += [Need(NODE, n, step.line) for n in io.nodes]
            needs += [Need(RESOURCE, r, step.line) for r in io.resources]
            needs += [
                Need(LABELS, sel, step.line, of=kind, optional=optional)
                for sel, optional, kind in _selected(self.step_calls(step))
            ]
            needs += self._searched(step)
            for c in self.step_calls(step):  # `kubectl top pod`: the metrics API, which metrics-server serves
                if c.call.verb == "top":
                    kind = "NodeMetrics" if c.call.args[:1] and c.call.args[0].startswith(("no", "node")) else "PodMetrics"
                    needs.append(Need(API, f"metrics.k8s.io/v1beta1/{kind}", step.line))
            needs += [Need(PORT, p, step.line) for p in io.ports_used if p not in io.ports_opened]
            makes += [Made(PORT, p) for p in io.ports_opened]
            makes += [Made(COMMAND, d) for d in io.defines]
            unshown = any(
                self.file_manifests(f, step.index) is None
                for f, how in io.manifests
                if how in _APPLY_VERBS  # (a folder too: `apply -f solution/` of files the text does not show)
            )
            if io.unknown_objects or unshown:
                makes.append(Made(OBJECT, "*"))  # objects nobody can name: what later steps need and no step names, maybe
            if step.type is StepType.COMMAND and io.cwd != run_in:  # a `cd`
                if io.cwd:
                    makes.append(Made(CWD, io.cwd))
                cwd = io.cwd
        if step.type is StepType.IN_POD and step.pod:
            needs.append(Need(OBJECT, step.pod, step.line, of=None if step.pod_kind == "Pod" else step.pod_kind))
        if step.type is StepType.CHECK:
            created = {name for _, name in self.created()}
            for _, value in step.check_args:
                if value in created:
                    needs.append(Need(OBJECT, value, step.line))
        for e in self.of_step(step):
            if e.creates and e.kind and not e.generated:
                makes.append(Made(OBJECT, e.name, e.kind))
                if e.kind == "Namespace":
                    makes.append(Made(NAMESPACE, e.name))
                makes += [Made(LABELS, labels, kind) for labels, kind in _labels_made(e)]
            elif e.action in ("ref", "delete") and e.name != "*":
                needs.append(Need(OBJECT, e.name, e.line, of=e.kind, optional=e.ignore_missing))
        for m in self._manifests_of(step):
            obj = m.obj
            needs.append(Need(API, api_kind(obj.api_version, obj.kind), obj.line))
            if obj.namespace and obj.namespace != READERS_NAMESPACE and obj.kind not in CLUSTER_SCOPED:
                needs.append(Need(NAMESPACE, self.norm(obj.namespace), obj.line, via="create"))
            for kind, name, optional in references(obj.body or {}):
                needs.append(Need(OBJECT, self.norm(name), obj.line, of=kind, optional=optional))
            for claim in claim_specs(obj.kind, obj.body or {}):
                volume = self._static_volume(claim.get("storageClassName"), step)
                if volume is not None:  # `storageClassName: manual`: it binds only to the volume of that class shown
                    needs.append(Need(OBJECT, volume, obj.line, of="PersistentVolume"))
            node = (pod_spec(obj.body or {}) or {}).get("nodeName")
            if isinstance(node, str) and node:
                needs.append(Need(NODE, node, obj.line))
            if obj.kind == "CustomResourceDefinition":
                makes += [Made(API, k) for k in crd_kinds(obj.body or {})]
                makes += [Made(RESOURCE, r) for r in crd_resources(obj.body or {})]
        if step.type is StepType.MANIFEST and step.apply:
            makes += [Made(NAMESPACE, o.name) for o in step.objects if o.kind == "Namespace" and o.name]
        # `mkdir -p work && cd work`, `cat <<EOF > f && kubectl apply -f f`: what the step itself writes is there (an
        # archive it unpacks, `*`, is not what it reads)
        own = [m for m in makes if m.kind == FILE and not m.name.endswith("*")]
        needs = [n for n in needs if not (n.kind == FILE and any(m.provides(n) for m in own))]
        # a manifest's Pod that names the ServiceAccount (or claim, ConfigMap) the same manifest makes: made with it
        made_here = {(m.of, m.name) for m in makes if m.kind == OBJECT}
        needs = [n for n in needs if not (n.kind == OBJECT and n.of is not None and (n.of, n.name) in made_here)]
        return StepIO(tuple(dict.fromkeys(needs)), tuple(dict.fromkeys(makes)), cwd, fetches, lists), cwd

    def _searched(self, step: Step) -> list[Need]:
        """`kubectl get events | grep s2-bob`: a search of what kubectl lists for the name of an object the tutorial
        makes finds it only once that object exists (grep's exit status 1 is "not found"), so the step needs it."""
        out = []
        script = bash.parse(step.command or "")
        for i, c in enumerate(script.commands):
            if c.context != "" or c.name not in ("grep", "egrep", "fgrep") or any(w in _GREP_NOT_FOUND_OK for w in c.words[1:]):
                continue
            given = flag_value(list(c.words[1:]), ("-e", "--regexp"))
            pattern = given or next(iter(operands("grep", list(c.words[1:]))), None)  # (`grep -A 3 web`: web)
            source, listed = script.input_of(i), False
            while source is not None and not listed:
                listed = source.name in ("kubectl", "oc")
                source = script.commands[source.piped_from] if source.piped_from is not None else None
            name = self.norm(pattern) if pattern else ""
            kinds = self.kinds_named(name) if listed and name else set()
            if listed and not kinds and _OBJECT_NAME.fullmatch(name):
                # `kubectl get pods | grep pizza-emoji-job` for Job `hs-pizza-log-out-pizza-emoji-job`: part of one name
                within = {
                    n
                    for n, made in self.creations.items()
                    if name in n and self.kinds_named(n) and any(e.step.index < step.index for e in made)
                }
                if len(within) == 1:
                    name = within.pop()
                    kinds = self.kinds_named(name)
            if kinds:
                kind = next(iter(kinds)) if len(kinds) == 1 else None
                out.append(Need(OBJECT, name, step.line + c.line, of=kind, via="grep"))
        return out

    def made_after(self, step: Step) -> dict[str, int]:
        """Names of the objects later steps make (a name -> the line of the first), for what a pod may wait for."""
        out: dict[str, int] = {}
        for e in self.events:
            if e.creates and e.kind and not e.generated and e.step.index > step.index:
                out.setdefault(e.name, e.line)
        for later in self.lesson.steps[step.index + 1 :]:  # a block the text shows but nobody can use still names them
            if later.type in (StepType.INVALID, StepType.OTHER, StepType.FRAGMENT) and "kind:" in later.text:
                for m in _NAMED.finditer(later.text):
                    out.setdefault(m.group(1), later.line)
        return out

    @cached_property
    def static_classes(self) -> frozenset[tuple[str, str]]:
        """("StorageClass", name) of every class a PersistentVolume of the lesson carries: a claim of that class binds
        to the volume (static provisioning), so no StorageClass object is needed."""
        return frozenset(
            ("StorageClass", sc)
            for m in self.manifests
            if m.obj.kind == "PersistentVolume"
            and isinstance(sc := get_path(m.obj.body or {}, ("spec", "storageClassName")), str)
            and sc
        )

    def _static_volume(self, storage_class: Any, step: Step) -> str | None:
        """The PersistentVolume of the lesson, shown before `step`, that a claim of this class binds to (static
        provisioning: no StorageClass of that name is made); None when the class is provisioned or no such volume
        comes before."""
        if not isinstance(storage_class, str) or ("StorageClass", storage_class) not in self.static_classes:
            return None
        if ("StorageClass", storage_class) in self.created():
            return None
        volumes = [
            m.obj.name
            for m in self.manifests
            if m.obj.kind == "PersistentVolume"
            and m.obj.name
            and m.step.index < step.index
            and get_path(m.obj.body or {}, ("spec", "storageClassName")) == storage_class
        ]
        return self.norm(volumes[-1]) if volumes else None

    @cached_property
    def unbindable_classes(self) -> dict[str, Manifest]:
        """StorageClasses the lesson makes with no provisioner (`kubernetes.io/no-provisioner`) and no PersistentVolume
        of theirs anywhere in it: a claim of such a class never binds, so its pods never start."""
        static = {name for _, name in self.static_classes}
        unknown = any(m.kind == OBJECT and m.name == "*" for io in self._io.values() for m in io.makes)
        if unknown or self.brings_files:  # volumes may come from what nobody can read here (a provisioner's manifest)
            return {}
        return {
            m.obj.name: m
            for m in self.manifests
            if m.obj.kind == "StorageClass"
            and m.obj.name
            and m.obj.name not in static
            and (m.obj.body or {}).get("provisioner") == "kubernetes.io/no-provisioner"
        }

    def claim_classes(self, step: Step) -> list[str]:
        """The StorageClasses of the claims a step makes (a PersistentVolumeClaim, a StatefulSet's claim templates)."""
        return [
            sc
            for m in self._manifests_of(step)
            for claim in claim_specs(m.obj.kind, m.obj.body or {})
            if isinstance(sc := claim.get("storageClassName"), str) and sc
        ]

    @cached_property
    def brings_files(self) -> bool:
        """Does the reader get files from elsewhere? Then a file the text never shows may well be one of those.

        The signs: a clone, a download or an archive; a folder entered that the text never makes (a checkout); a path
        outside the folder (`../module-03/x.yaml`, `~/container.training/…`); a file the text has the reader look at
        (`cat manifests/x.yaml`, `diff a.yaml b.yaml`) but never shows, which the author takes to be there; a
        repository the prose links to, or a relative link to a file beside the page in its repository; the page's own
        site; a file the prose has the reader open ("Ouvrez le fichier `starter/x.yaml`") that it never shows. A file used in a subfolder the text never makes (`kubectl create -f volumes/pv.yaml`) is not a sign by
        itself: a page that says nowhere where its files come from leaves the reader without them."""
        made = {m.name for io in self._io.values() for m in io.makes if m.kind == FILE}
        readers = {
            s.index
            for s in self.lesson.steps
            if s.type is StepType.COMMAND and any(w and w[0] in _LOOKING_AT for w in self.segments(s.command or ""))
        }

        def elsewhere(i: int, n: Need) -> bool:  # a folder entered, a file used outside the folder, a file looked at
            if n.kind != FILE or n.via == KUBECONFIG_VIA:  # (the reader's own credentials: not a tutorial's file)
                return False
            if plain_file(n.name) in self.shown_files or any(provides_file(m, n.name) for m in made):
                return False
            if set("$<*") & set(n.name):
                return False
            if n.judged:
                return n.via == "cd" or outside(n.name)
            return i in readers and not outside(n.name) and "/" in n.name  # `cat manifests/pod.yaml`: a folder of them

        meta = self.lesson.meta
        opened = [f for f in meta.files_opened if plain_file(f) not in self.shown_files and plain_file(f) not in made]
        return bool(meta.site_files or meta.repositories or opened) or any(
            io.fetches or any(elsewhere(i, n) for n in io.needs) for i, io in self._io.items()
        )

    @cached_property
    def entered_folders(self) -> tuple[str, ...]:
        """Folders a `cd` enters that no step makes, inside the run's folder (`cd repo/lab3`: the author's checkout).

        The folder is a place, not an input: a run makes it empty so the steps
        after the `cd` run where the text runs them, and what they read from it
        that nothing makes is judged file by file.
        """
        made = {m.name for io in self._io.values() for m in io.makes if m.kind == FILE}
        out: list[str] = []
        host = {s.index for s in self.lesson.steps if s.type is StepType.COMMAND}  # a `cd` typed in a pod is the pod's
        for i, io in self._io.items():
            for n in io.needs if i in host else ():
                entered = n.kind == FILE and n.via == "cd" and not outside(n.name) and not set("$<") & set(n.name)
                if entered and not any(provides_file(m, n.name) for m in made) and n.name not in out:
                    out.append(n.name)
        if self.brings_files:  # `cat > manifests/x.yaml` in the author's checkout: `manifests/` is there for the reader
            folders = {m.rstrip("/") for m in made if m.endswith("/")}
            for io in self._io.values():
                for w in (m.name for m in io.makes if m.kind == FILE):
                    parent = posixpath.dirname(w.rstrip("/"))
                    ancestors = {parent, *(parent.rsplit("/", i)[0] for i in range(1, parent.count("/") + 1))}
                    place = parent and not outside(parent) and not set("$<*~") & set(parent) and not ancestors & folders
                    if place and parent + "/" not in out:
                        out.append(parent + "/")
        return tuple(out)

    def requirements(self, step: Step) -> list[str]:
        """What a step needs of the world (images, hosts, programs, GPUs, values), also for the objects its command applies.

        `kubectl apply -f pod.yaml` needs the image of the pod in pod.yaml, and a
        value for the placeholder the block of pod.yaml still holds; a
        here-document's objects are checked like a manifest block's.
        """
        created = set(self.created()) | self.static_classes
        reqs = step_requirements(step, created)
        if step.type in HOST_TYPES and step.command:
            for m in self._manifests_of(step):
                reqs.extend(object_requirements(m.obj, created))
                if not m.heredoc:
                    reqs.extend(f"value:{name}" for name in unfilled(m.step))
                    reqs.extend(r for r in m.step.requires if r.startswith("fill:"))  # `ChangeNameHere` in that file
        for f, _how in command_io(step.command or "", self.io(step).cwd).manifests if step.type in HOST_TYPES else ():
            for shown in self.shown_files.get(plain_file(_within(f, self.io(step).cwd)), []):
                if shown.type is StepType.FILE:  # a file whose YAML leaves a value to the reader (`name: ## Replace ##`)
                    reqs.extend(r for r in shown.requires if r.startswith("fill:"))
        made = self.runtime_classes
        reqs = [f"{r}={made[r[8:]]}" if r.startswith("runtime:") and r[8:] in made else r for r in reqs]
        return list(dict.fromkeys(reqs))

    @cached_property
    def runtime_classes(self) -> dict[str, str]:
        """RuntimeClasses the lesson makes, name → handler: a pod of that class needs the handler on some node, which
        no object of the lesson can give (the node's container runtime is configured outside Kubernetes)."""
        return {
            m.obj.name: handler
            for m in self.manifests
            if m.obj.kind == "RuntimeClass" and m.obj.name and isinstance(handler := (m.obj.body or {}).get("handler"), str)
        }

    def placed(self, step: Step) -> str | None:
        """Where a block's file is, as the run's working directory sees it: in the folder the reader `cd`ed into before it."""
        if not step.file:
            return None
        name = plain_file(step.file)
        cwd = self.io(step).cwd
        return posixpath.normpath(posixpath.join(cwd, name)) if cwd and not outside(cwd) and not outside(name) else name

    def block_objects(self, step: Step) -> tuple[K8sObject, ...]:
        """The objects of a manifest block (what the runner applies for it); none for other steps."""
        return step.objects if step.type is StepType.MANIFEST else ()

    def _manifests_of(self, step: Step) -> list[Manifest]:
        """The objects a step sends to the API server: its block, its here-document, the files its kubectl applies."""
        if step.type is StepType.MANIFEST:
            return [m for m in self.manifests if m.step is step and not m.heredoc] if step.apply else []
        out = list(self.heredocs.get(step.index, ()))
        for c in self.step_calls(step):
            if c.call.verb in ("create", "apply", "replace") and not c.dry_run:
                for f in c.files:
                    if f != "-":
                        out.extend(self.file_manifests(f, step.index) or [])
        return out

    def outside(self, path: str) -> bool:
        """A file outside the run's working directory (the reader's home, the system): never written by the run."""
        return outside(path)


_APPLY_VERBS = frozenset({"kubectl create", "kubectl apply", "kubectl replace"})
_SCRIPT_RUNS = frozenset({"runs", "bash", "sh", "zsh", "source", "."})  # how a command runs a shell script of the text


_SELECTING_VERBS = frozenset({"get", "describe", "logs", "delete", "wait", "exec", "label", "annotate", "rollout", "top"})


def _selected(calls: list[Call]) -> list[tuple[str, bool, str | None]]:
    """`kubectl get pod -l app=web,tier=db`: the equality selectors kubectl calls choose objects by (set-based ones,
    `env in (a,b)`, `!x`, are left out), whether none found is fine (`--ignore-not-found`), and the one kind chosen."""
    out = []
    for c in calls:
        selector = c.call.flag("-l", "--selector") if c.call.verb in _SELECTING_VERBS else None
        terms = [t.strip().replace("==", "=") for t in (selector or "").split(",")]
        if terms and all(re.fullmatch(r"[\w./-]+=[\w.-]*", t) for t in terms):
            words = c.call.args[0].split(",") if c.call.args and c.call.verb not in ("logs", "exec") else ["pod"]
            kinds = {kubectl.kind_of(w) for w in words}
            kind = kinds.pop() if len(kinds) == 1 else None
            out.append((",".join(sorted(terms)), c.call.has("--ignore-not-found"), kind))
    return out


def _labels_made(e: Effect) -> list[tuple[str, str | None]]:
    """The labels an object a step makes carries, as `k=v,…`, with the kind that carries them: its own, and its pod
    template's (the Pods a Deployment makes); `kubectl create deployment web` labels `app=web`, `kubectl run web` the
    Pod `run=web`."""
    found: list[tuple[Any, str | None]] = []
    if e.manifest is not None and isinstance(e.manifest.obj.body, dict):
        body = e.manifest.obj.body
        found.append((get_path(body, ("metadata", "labels")), e.kind))
        found.append((get_path(body, ("spec", "template", "metadata", "labels")), "Pod"))
        found.append((get_path(body, ("spec", "jobTemplate", "spec", "template", "metadata", "labels")), "Pod"))
    elif e.call is not None and e.action in ("create", "run"):
        if e.call.call.verb == "run":
            found.append(({"run": e.name}, "Pod"))
        elif e.kind in ("Deployment", "Job"):
            found += [({"app": e.name}, e.kind), ({"app": e.name}, "Pod")]
    return [
        (",".join(sorted(f"{k}={v}" for k, v in labels.items())), kind)
        for labels, kind in found
        if isinstance(labels, dict) and labels
    ]


def _within(path: str, folder: str) -> str:
    """`path` as written in `folder` (`$W/app/deploy/pod.yaml` in `$W/app` is `deploy/pod.yaml`)."""
    inside = folder.rstrip("/") + "/"
    return path[len(inside) :] if folder and path.startswith(inside) else path


def _lists(pattern: str, name: str) -> bool:
    """Does `grep PATTERN` keep the line `NAME=…` (a basic regular expression, read as Python's; else as plain text)?"""
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return pattern in name


# grep options after which no match is no failure (an inverted search, a count in a condition is still exit 1: kept)
_OBJECT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{3,}")  # `pizza-emoji-job`, `parall`: (part of) a name as objects have
_GREP_NOT_FOUND_OK = frozenset({"-v", "--invert-match", "-L", "--files-without-match"})


def _printed_object(words: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(kind, name, how) of the object a `kubectl create <type> NAME --dry-run=client -o yaml` prints (for a pipe into
    `kubectl apply -f -`, the idiom that creates it or leaves it as it is), else None."""
    call = kubectl.parse(list(words)) if words else None
    if call is None or call.verb != "create" or call.flag("-o", "--output") not in ("yaml", "json"):
        return None
    dry = call.flag("--dry-run")
    created = call.creates
    if dry in (None, "none", "false") or created is None:
        return None
    return created[0], created[1], f"kubectl create {call.args[0]} --dry-run"


def _applied_heredoc(command: str) -> bash.HereDoc | None:
    """The here-document a `kubectl create/apply/replace -f -` of this command reads: its own, or one piped into it."""
    script = bash.parse(command)
    for i, c in enumerate(script.commands):
        call = kubectl.parse(list(c.words)) if c.words else None
        if call is None or call.verb not in ("create", "apply", "replace") or "-" not in call.files:
            continue
        if c.heredoc is not None:
            return c.heredoc
        source = script.input_of(i)
        while source is not None and source.heredoc is None and source.piped_from is not None:
            source = script.commands[source.piped_from]
        if source is not None and source.heredoc is not None:
            return source.heredoc
    return None


def pod_base(name: str) -> str:
    """`c3-bob-<hash>` -> `c3-bob`, `job2-bob-<index>-<hash>` and `job2-bob-3-<hash>` -> `job2-bob`: the owner of a pod."""
    return re.sub(r"(?:-(?:<index>|\d+))?-<hash>$", "", name)


def owners(name: str) -> list[str]:
    """The objects a pod reference may stand for: itself, its Job (`-<hash>`), an Indexed Job (`-<index>-<hash>`)."""
    out = [name, re.sub(r"-<hash>$", "", name), pod_base(name)]
    return list(dict.fromkeys(out))
