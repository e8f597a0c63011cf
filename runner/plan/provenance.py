"""Who makes each input of a step, whether that producer runs, and what to say when nothing in the tutorial makes it.

The planner walks the steps in order with a `Ledger`: every output of a step
(`effects.StepIO.makes`) is entered with the step that makes it and whether
that step runs. A step's input (`StepIO.needs`) then has producers, and:

- if every producer was skipped, the step is skipped too, naming the last
  producer's line and why it did not run ("depends on $NFS_IP, which the step
  at line 50 would have set (skipped: needs `helm` …)");
- if none exists, the input is judged as a careful reader would: a manifest
  the tutorial nearly shows under another name is the tutorial's defect, as
  is a file it never shows or an object it makes under another kind; a file
  from outside the tutorial, a namespace from an earlier part of a workshop,
  a kind whose CRD this cluster lacks, a node of the author's cluster are
  prerequisites: skips that name them.

The runner asks the same ledger's `Dependency`s at run time: when a producer
fails, what depends on it is skipped with its line.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from runner.effects import Effects, Made, Need, owners
from runner.effects.commands import ENVIRONMENT, outside
from runner.effects.environment import prebind_refusal
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
    api_kind,
    provides_file,
)
from runner.lesson import placeholders as ph
from runner.lesson.machines import CLUSTER_CLIENTS
from runner.lesson.model import Step, StepType
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.syntax import bash, kubectl
from runner.syntax.bash import LAST_JOB
from runner.syntax.k8s import API_VERSIONS, K8sObject, get_path, scalar
from runner.syntax.shell import plain_file, segments


@dataclass(frozen=True)
class Dependency:
    """An input of a step and the earlier steps that make it (by index, in order).

    Any producer will do when each makes the input whole (a download or a
    here-document writing the same file: alternatives); the last one decides
    when it changes what the earlier ones made (an editor, `sed -i`), or when
    the input is an object nobody names that the latest unknown apply made.
    """

    need: Need
    producers: tuple[int, ...]
    last_decides: bool = False


@dataclass(frozen=True)
class Verdict:
    """What the ledger says of a step before it runs: skip it, or it is a defect of the tutorial."""

    do: Operation  # SKIP or FAIL
    reason: str


@dataclass
class _Entry:
    step: Step
    runs: bool
    why: str = ""  # why it does not run


@dataclass
class Ledger:
    """What the steps so far make, and whether each runs."""

    effects: Effects
    facts: ClusterFacts
    shown: frozenset[str]  # files the tutorial shows (written by the runner before the first step)
    entries: dict[int, _Entry] = field(default_factory=dict)
    made: list[tuple[Made, int]] = field(default_factory=list)  # outputs in lesson order, with their step's index
    deleted: dict[str, int] = field(default_factory=dict)  # object name -> index of the step that deleted it last
    undeleted: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, name) -> a skipped step deleting it

    def record(self, step: Step, runs: bool, why: str = "") -> None:
        """Enter a step's outputs, after its action is decided."""
        self.entries[step.index] = _Entry(step, runs, why)
        for m in self.effects.io(step).makes:
            self.made.append((m, step.index))
        for e in self.effects.of_step(step):
            if e.action == "delete" and e.name != "*":
                key = (e.kind or "Pod", e.name)
                if runs:
                    self.deleted[e.name] = step.index
                    self.undeleted.pop(key, None)
                else:
                    self.undeleted[key] = step.index

    def made_again(self, step: Step) -> Verdict | None:
        """`kubectl run busybox` in exercise 3, when the cleanup of exercise 2 that deletes busybox did not run: it
        still exists, so making it again fails for a step that did not run, not for the tutorial."""
        for e in self.effects.of_step(step):
            key = (e.kind or "Pod", e.name)
            if e.action not in ("create", "run") or key not in self.undeleted:
                continue
            by = self.undeleted[key]
            earlier = [
                i
                for m, i in self.made
                if m.kind == OBJECT
                and m.name == e.name
                and m.of in (None, key[0])
                and i < by
                and i in self.entries
                and self.entries[i].runs
            ]
            if earlier:
                entry = self.entries[by]
                return Verdict(
                    Operation.SKIP,
                    f"makes {(e.kind or 'object').lower()}/{e.name} again, which still exists: the step at line "
                    f"{entry.step.line} that deletes it did not run ({entry.why})",
                )
        return None

    def dependencies(self, step: Step) -> tuple[Dependency, ...]:
        """Each input of `step` that an earlier step makes, with those producers.

        A file the text shows is written before the first step, but its block
        is checked at its own step (a dry run): if the API server refuses it
        there, what applies the file depends on that block.
        """
        out = []
        for need in self.effects.io(step).needs:
            producers = self._producers(need, step)
            if not producers and need.kind == FILE and need.judged:
                producers = self._blocks_of(plain_file(need.name), step)
            if producers:
                out.append(Dependency(need, producers, self._last_decides(need, producers[-1])))
        return tuple(out)

    def _last_decides(self, need: Need, last: int) -> bool:
        if need.kind == OBJECT:
            return self._by_wildcard(need)
        return need.kind == FILE and any(m.edits and m.provides(need) for m, i in self.made if i == last)

    def _blocks_of(self, name: str, step: Step) -> tuple[int, ...]:
        blocks = [
            s.index
            for s in self.effects.lesson.steps[: step.index]
            if s.type is StepType.MANIFEST and s.file and self.effects.placed(s) == name
        ]
        return tuple(blocks[-1:])

    def _producers(self, need: Need, step: Step) -> tuple[int, ...]:
        if need.kind == FILE and self._shown(need.name):
            # the runner writes what the text shows before the first step; an editor the reader opens on it after the
            # text last showed it (`vim pod.yaml  # change the name to busybox2`) makes the version this step reads
            name = plain_file(need.name)
            shown = sorted(
                s.index
                for f, steps in self.effects.shown_files.items()
                for s in steps
                if s.index < step.index and name in (f, self.effects.placed(s))
            )
            since = shown[-1] if shown else -1
            steps = self.effects.lesson.steps
            section = steps[since].section if since >= 0 else None  # an editor under the block's own heading opens it
            return tuple(  # to paste what the block shows; under a later one (the next exercise), to change it
                dict.fromkeys(
                    i
                    for m, i in self.made
                    if m.kind == FILE and m.edits and m.provides(need) and i > since and steps[i].section != section
                )
            )
        if need.kind == OBJECT:
            names = set(owners(need.name))
            found = [i for m, i in self.made if m.kind == OBJECT and m.name in names and _kind_fits(m, need)]
            if not found:  # objects a step applies that nobody can name (a file the text does not show, a URL)
                found = [i for m, i in self.made if m.kind == OBJECT and m.name == "*"]
        elif need.kind == FILE:
            found = [i for m, i in self.made if m.kind == FILE and m.provides(need)]
            inside = [
                i
                for m, i in self.made
                if m.kind == FILE and m.name.startswith(need.name.rstrip("/") + "/") and m.name != need.name.rstrip("/") + "/"
            ]
            if inside:  # a folder's files count, not the `mkdir` that made it empty
                found = inside
        elif need.kind == PORT:
            found = [i for m, i in self.made if m.kind == PORT and m.provides(need)]
        else:
            found = [i for m, i in self.made if m.provides(need)]
            if not found and need.kind == LABELS:  # `-l app=postgres`: the pods of a file the text does not show
                found = [i for m, i in self.made if m.kind == OBJECT and m.name == "*"]
        return tuple(dict.fromkeys(found))

    def defines(self, program: str) -> bool:
        """Did an earlier step that runs define this command (`alias k=kubectl`, a shell function)?"""
        return any(m.kind == COMMAND and m.name == program and self.entries[i].runs for m, i in self.made if i in self.entries)

    def blocked(self, step: Step) -> Verdict | None:
        """A skip when every producer of one of the step's inputs does not run."""
        for dep in self.dependencies(step):
            entries = [self.entries[i] for i in dep.producers if i in self.entries]
            if entries and (not any(e.runs for e in entries) or (dep.last_decides and not entries[-1].runs)):
                last = entries[-1]
                if (dep.need.kind == OBJECT and self._by_wildcard(dep.need)) or (
                    dep.need.kind == LABELS
                    and all(m.name == "*" for m, i in self.made if i in dep.producers and m.kind == OBJECT)
                ):
                    lines = ", ".join(str(e.step.line) for e in entries)
                    return Verdict(
                        Operation.SKIP,
                        f"depends on {dep.need}, which no step names: the step{'s' if len(entries) > 1 else ''} at "
                        f"line{'s' if len(entries) > 1 else ''} {lines} that appl{'y' if len(entries) > 1 else 'ies'} what "
                        f"the text does not show would have made it ({last.why})",
                    )
                return Verdict(Operation.SKIP, f"depends on {dep.need}, which {_made_by(last.step, dep.need)} ({last.why})")
        return None

    def _by_wildcard(self, need: Need) -> bool:
        names = set(owners(need.name))
        return not any(m.kind == OBJECT and m.name in names and _kind_fits(m, need) for m, _ in self.made)

    def judge(self, step: Step) -> Verdict | None:
        """An input nothing in the tutorial makes: a defect of the tutorial (fail) or a missing prerequisite (skip)."""
        for need in self.effects.io(step).needs:
            if self._producers(need, step) or need.optional:
                continue
            verdict = self._judge(step, need)
            if verdict is not None:
                return verdict
        return None

    def refused(self, step: Step) -> Verdict | None:
        """A command kubectl refuses as written (its syntax, not the cluster): the tutorial's defect even where the
        text expects the command to fail, since it expects another failure ("access denied"), not this one."""
        if step.type in (StepType.COMMAND, StepType.INTERACTIVE) and step.command:
            for words in segments(step.command):
                call = kubectl.parse(words)
                why = kubectl.refusal(call) if call is not None else None
                if why is not None:
                    return Verdict(Operation.FAIL, f"kubectl refuses this as written: {why}")
        return None

    def defect(self, step: Step) -> Verdict | None:
        """A command kubectl refuses as written, and the defects among `judge`'s verdicts: they are the tutorial's
        whatever else happens to the run (a missing image, a skipped producer, an interactive step)."""
        refused = self.refused(step)
        if refused is not None:
            return refused
        if step.type in (StepType.COMMAND, StepType.INTERACTIVE) and step.command:
            for words in segments(step.command):
                call = kubectl.parse(words)
                empty = (kubectl.prints_nothing_now(call) or kubectl.ignored_words(call)) if call is not None else None
                if empty is not None:
                    return Verdict(Operation.FAIL, empty)
        if step.type is StepType.COMMAND and step.command:
            unnamed = self._applied_by_generate_name(step)
            if unnamed is not None:
                return Verdict(
                    Operation.FAIL,
                    f"kubectl apply refuses {unnamed}, which has only metadata.generateName (`cannot use generate name "
                    "with apply`): it is made with kubectl create",
                )
            typo = self._program_typo(step.command)
            if typo is not None:
                return Verdict(Operation.FAIL, typo)
        block = self.block_defect(step, skipped=False)
        if block is not None:
            return block
        verdict = self.judge(step)
        return verdict if verdict is not None and verdict.do is Operation.FAIL else None

    def block_defect(self, step: Step, skipped: bool = True) -> Verdict | None:
        """A manifest block that is wrong whoever applies it, and whether or not the run does (an alternative the text
        shows, a file a command applies): a kind at a version no API server serves any more, a StorageClass whose
        claims can never bind."""
        if step.type is not StepType.MANIFEST:
            return None
        for obj in self.effects.block_objects(step):
            if obj.kind == "StorageClass" and obj.name in self.effects.unbindable_classes:
                return Verdict(Operation.FAIL, _unbindable(obj.name))
            unbound = self._prebound_elsewhere(obj)
            if unbound is not None:
                return Verdict(Operation.FAIL, unbound)
        if not step.apply or step.skip or skipped:  # (a block the run applies is refused by the API server, in its words)
            for obj in self.effects.block_objects(step):
                removed = self._removed_api(api_kind(obj.api_version, obj.kind))
                if removed is not None:
                    return Verdict(Operation.FAIL, removed)
        return None

    def _prebound_elsewhere(self, obj: K8sObject) -> str | None:
        """A claim pre-bound (`volumeName`) to a PersistentVolume the lesson makes, that the volume can never satisfy:
        another StorageClass (the cluster's default, when the claim leaves it out), access modes, or capacity."""
        if obj.kind != "PersistentVolumeClaim" or self.facts.storage_classes is None:  # classes unknown: cannot tell
            return None
        volume_name = scalar(get_path(obj.body or {}, ("spec", "volumeName")))
        volumes = [m.obj for m in self.effects.manifests if m.obj.kind == "PersistentVolume" and m.obj.name == volume_name]
        if volume_name is None or len(volumes) != 1:
            return None
        why = prebind_refusal(obj.body or {}, volumes[0].body or {}, self.facts.default_storage_class)
        return f"claim {obj.name} is pre-bound to PersistentVolume {volume_name} but {why}" if why else None

    def _applied_by_generate_name(self, step: Step) -> str | None:
        """`kubectl apply -f job.yaml` of an object named only by `generateName`: kubectl refuses it before sending."""
        for c in self.effects.step_calls(step):
            if c.call.verb != "apply" or c.dry_run:
                continue
            for f in c.files:
                manifests = self.effects.heredocs.get(step.index, ()) if f == "-" else self.effects.file_manifests(f, step.index)
                for m in manifests or ():
                    if m.obj.generate_name and not m.obj.name:
                        return f"{m.obj.kind} {m.obj.generate_name}…"
        return None

    def _program_typo(self, command: str) -> str | None:
        """`kubectget pods`: a program not installed here whose name is a near miss of kubectl (or of a program the
        tutorial runs elsewhere that is installed): a typo, the tutorial's defect. Names under four letters are not
        judged."""
        for words in segments(command):
            program = words[0] if words else ""
            if program not in self.facts.missing_programs or self.defines(program) or len(program) < 4:
                continue  # (a name of two or three letters is near too many others: `nc` is netcat, not `oc`)
            known = sorted(CLUSTER_CLIENTS | (self._programs_used() - self.facts.missing_programs))
            near = ph.near_miss(program, [k for k in known if k != program])
            if near is None and len(words) > 1 and program.startswith("kub"):  # `kubectget pods`: `kubectl get`, a space
                joined = {f"kubectl{v}": f"kubectl {v}" for v in kubectl.VERBS}  # and a letter lost
                near = joined.get(ph.near_miss(program, sorted(joined)) or "")
            if near is not None:
                return f"`{program}` is not a command: did you mean `{near}`?"
        return None

    def _programs_used(self) -> set[str]:
        return {
            words[0]
            for s in self.effects.lesson.steps
            if s.type in (StepType.COMMAND, StepType.INTERACTIVE) and s.command
            for words in segments(s.command)
            if words
        }

    def _removed_api(self, name: str) -> str | None:
        """`apps/v1beta1/Deployment`: a built-in kind at a version Kubernetes no longer serves (refused by every API
        server now), or None."""
        group_version, _, kind = name.rpartition("/")
        if API_VERSIONS.get(kind) == group_version or self.facts.serves(name):
            return None
        group = group_version.rpartition("/")[0] if "/" in group_version else ""
        if kind in API_VERSIONS and (group in _BUILTIN_GROUPS or group.endswith(".k8s.io")):
            return (
                f"{kind} is not served as {group_version} (Kubernetes serves it as {API_VERSIONS[kind]}): "
                "the API server refuses this manifest"
            )
        return None

    def _judge(self, step: Step, need: Need) -> Verdict | None:
        facts = self.facts
        if need.kind == FILE:
            return self._file(step, need)
        if need.kind == VAR:
            if need.name in ENVIRONMENT or need.name in facts.variables:
                return None
            if need.name == LAST_JOB:
                return Verdict(
                    Operation.SKIP,
                    "needs $!, the process id of a command started in the background (`&`), and no step before it starts one",
                )
            if step.command and need.name in bash.expanded_too_early(step.command):
                return Verdict(
                    Operation.FAIL,
                    f"`${need.name}` is expanded by the reader's shell before the command runs, so the script given to "
                    f"`sh -c` in double quotes, which sets {need.name} for itself, gets it empty: single quotes keep it "
                    "for that script",
                )
            return Verdict(
                Operation.SKIP, f"needs ${need.name}, which no step of the tutorial sets: give it with --set {need.name}=…"
            )
        if need.kind == OBJECT:
            return self._object(need, step)
        if need.kind == NAMESPACE:
            if need.name == facts.namespace or "<" in need.name or "$" in need.name:
                return None
            if facts.namespace and need.via not in _READ_VERBS:  # a run writes only in its own namespace and those it makes
                return Verdict(
                    Operation.SKIP,
                    f"needs to write in namespace {need.name}, not this run's ({facts.namespace}): a run changes only its own "
                    "namespace and those it creates",
                )
            if facts.has_namespace(need.name):
                return None
            return Verdict(
                Operation.SKIP,
                f"needs namespace {need.name}, which no step makes and this cluster does not have (from an earlier part?)",
            )
        if need.kind == API:
            group_version, _, kind = need.name.rpartition("/")
            if API_VERSIONS.get(kind) == group_version or facts.serves(need.name):
                return None
            removed = self._removed_api(need.name)
            if removed is not None:  # `apps/v1beta1` Deployment: removed from Kubernetes, refused by every API server now
                block = self._shown_block_at(need.line, step)
                if block is not None:  # the defect of the block that shows the file, reported there; this depends on it
                    return Verdict(Operation.SKIP, f"depends on the block at line {block.line}: {removed}")
                return Verdict(Operation.FAIL, removed)
            return Verdict(
                Operation.SKIP,
                f"needs kind {kind} ({group_version}), which this cluster does not serve (its CRD or API service is not "
                "installed)",
            )
        if need.kind == NODE:
            if facts.has_node(need.name) or "<" in need.name or "$" in need.name:
                return None
            return Verdict(Operation.SKIP, f"needs node {need.name}, which this cluster does not have")
        if need.kind == RESOURCE:
            if facts.resolves(need.name):
                return None
            return Verdict(
                Operation.SKIP, f"needs kind {need.name}, which this cluster does not serve (its CRD is not installed)"
            )
        if need.kind == PORT:
            return Verdict(
                Operation.SKIP, f"needs something listening on localhost:{need.name}, which no step of the tutorial starts here"
            )
        return None

    def _file(self, step: Step, need: Need) -> Verdict | None:
        name = plain_file(need.name)
        base = posixpath.basename(name.rstrip("/"))
        pieces = [s for s in self.effects.lesson.steps if s.type is StepType.FRAGMENT and s.file and plain_file(s.file) == name]
        if pieces and need.judged:
            return Verdict(
                Operation.SKIP,
                f"needs {need.name}, whose content the text shows only in part (line {pieces[0].line}): a prerequisite",
            )
        broken = [s for s in self.effects.shown_files.get(name, []) if s.type is StepType.INVALID and s.index < step.index]
        if broken:  # the text shows it, but as a block nobody can use: that block is the defect, reported at its line
            return Verdict(
                Operation.SKIP,
                f"depends on {need.name}, whose block at line {broken[-1].line} cannot be used ({broken[-1].error})",
            )
        later = self._written_later(step, name) if step.type is StepType.COMMAND and need.judged else None
        if later is not None:  # `apply -f pod.yaml` in lab 32, when pod.yaml is first written in lab 39
            near = self._near_file(step, name, before_only=True)
            return Verdict(
                Operation.FAIL,
                f"{_VERBS.get(need.via, 'uses')} {need.name}, which the text first makes at line {later.line}, after "
                f"this step{': ' + near if near else ''}",
            )
        if self._shown(name) or base in self.shown or "://" in name or "$" in name or "<" in name:
            return None
        meta = self.effects.lesson.meta
        if step.type is StepType.COMMAND and any(posixpath.basename(f) == base for f in meta.site_files):
            return Verdict(
                Operation.SKIP, f"needs {need.name}, which the page shows from its site's sources, not in its Markdown"
            )
        if step.type is not StepType.COMMAND:
            return None
        if not need.judged:  # `cat x`, `diff a b`: read only; in the run's fresh folder it is there only if a step makes it
            if name.startswith(("~", "$HOME", "${HOME}")):  # `cat ~/.kube/config`: the reader's own machine, not the run's
                return Verdict(
                    Operation.SKIP, f"needs {need.name}, a file in the reader's home that no step makes: a prerequisite"
                )
            if outside(name) or self._scripts_before(step):
                return None
            placeholder = f"<{base}" in (step.command or "")  # `curl host:300<youID>`: a fill-in, not a redirection
            if not (self.effects.brings_files or placeholder or base in meta.files_named or "/" in name.rstrip("/")):
                # `TOKEN=$(cat pod-reader-token.txt)` on a page that gets no files from anywhere and never names it
                return Verdict(
                    Operation.FAIL,
                    f"reads {need.name}, which no step writes and the tutorial never shows or names, and it gets no "
                    "files from elsewhere (no clone, download or archive)",
                )
            return Verdict(Operation.SKIP, f"needs {need.name}, which no step of the tutorial shows or makes: a prerequisite")
        if need.via == "cd" and need.name in self.effects.entered_folders and step.type is StepType.COMMAND:
            return None  # a place the run makes empty (`Plan.folders`); what is read there is judged file by file
        what = "folder" if name.endswith("/") or self._a_folder(name) else "file"
        verb = _VERBS.get(need.via, "uses")
        near = self._near_file(step, name) if what == "file" and not outside(name) else None
        if near is not None:  # `apply -f deploy.yaml` right after the block of deploy.yml: whatever else the page gets
            return Verdict(Operation.FAIL, f"{verb} {need.name}, which the tutorial never shows: {near}")
        if outside(name) or ("/" in name.rstrip("/") and self.effects.brings_files):
            where = "outside the tutorial's folder" if outside(name) else "in a folder the tutorial never makes"
            return Verdict(Operation.SKIP, f"needs {need.name}, a {what} {where}: a prerequisite the tutorial does not make here")
        if what == "folder":
            return Verdict(
                Operation.SKIP, f"needs the folder {need.name.rstrip('/')}, which the tutorial never makes: a prerequisite"
            )
        if base in {plain_file(f).rsplit("/", 1)[-1] for f in meta.files_opened}:
            return Verdict(
                Operation.SKIP,
                f"needs {need.name}, which the text says the reader has (a file they open, or one from an earlier part): "
                "a prerequisite",
            )
        if base in meta.files_named:
            return Verdict(Operation.FAIL, f"{verb} {need.name}, which the text names but never shows or makes")
        if not self.effects.brings_files:
            return Verdict(
                Operation.FAIL,
                f"{verb} {need.name}, which the tutorial never shows, and it gets no files from elsewhere (no clone, "
                "download or archive)",
            )
        return Verdict(
            Operation.SKIP,
            f"needs {need.name}, which the tutorial never shows or names (a file beside it in its repository?): a prerequisite",
        )

    def _shown_block_at(self, line: int, step: Step) -> Step | None:
        """The block of a file the text shows (not `step` itself) with an object starting at `line`, if any."""
        for s in self.effects.lesson.steps:
            shown = s is not step and s.type is StepType.MANIFEST and not s.apply
            if shown and any(o.line == line for o in self.effects.block_objects(s)):
                return s
        return None

    def _scripts_before(self, step: Step) -> bool:
        """Did an earlier step run a script or a build (`./gen.sh`, `python x.py`, `make`), which writes what nobody can
        name here?"""
        for s in self.effects.lesson.steps[: step.index]:
            if s.type not in (StepType.COMMAND, StepType.INTERACTIVE) or not s.command:
                continue
            if any(words and words[0].startswith(("./", "../")) for words in segments(s.command)):
                return True
            if any(n.kind == FILE and n.judged and n.via and not n.via.startswith("kubectl") for n in self.effects.io(s).needs):
                return True
        return False

    def _shown(self, name: str) -> bool:
        """Does the text show this file, or files in this folder (`--from-file=conf` after `# conf/game.properties`)?"""
        name = plain_file(name)
        inside = name.rstrip("/") + "/"
        return name in self.shown or any(s.startswith(inside) for s in self.shown)

    def _a_folder(self, name: str) -> bool:
        """Does the tutorial use files inside `name` elsewhere (`kubectl delete -f guestbook-go` after `-f guestbook-go/x.yaml`)?"""
        prefix = name.rstrip("/") + "/"
        return any(
            n.kind == FILE and n.name.startswith(prefix) for s in self.effects.lesson.steps for n in self.effects.io(s).needs
        )

    def _written_later(self, step: Step, name: str) -> Step | None:
        """The step that first writes `name`, when that is a command after this step (`kubectl run … -o yaml >
        pod.yaml` in lab 39, used in lab 32): here the file is not there yet.

        A file only shown later is not judged here: the text may show it after its use ("apply -f pod.yaml, where
        pod.yaml is:"), or show a new version of a file the reader already has (the course's `vote-pod.yaml`)."""
        if "<" in name or "$" in name or self.effects.brings_files:  # (the reader may have it from elsewhere)
            return None
        base = posixpath.basename(plain_file(name))
        same_name = [s for f, steps in self.effects.shown_files.items() if posixpath.basename(f) == base for s in steps]
        if any(s.index < step.index for s in same_name):
            return None  # (`apply -f vote-pod.yaml` after the block captioned `k8s-code/pods/vote-pod.yaml`: that file)
        makes = [
            (s.index, m.edits)
            for s in self.effects.lesson.steps
            for m in self.effects.io(s).makes
            if m.kind == FILE and provides_file(m.name, name) and not m.name.endswith("*")
        ]  # (a script run or an archive writes files nobody can name: not "this very file, later")
        if any(i < step.index for i, _ in makes):  # written before (`>> pod.yml` makes it too)
            return None
        made_later = [i for i, edits in makes if not edits]
        if not made_later:
            return None
        shown = self.effects.shown_files.get(plain_file(name), [])
        if shown and min(s.index for s in shown) <= min(made_later):  # shown first (a here-document too): not judged
            return None
        return self.effects.lesson.steps[min(made_later)]

    def _near_file(self, step: Step, name: str, before_only: bool = False) -> str | None:
        """The file the text shows that this name most likely means (the block just before, or a near spelling; with
        `before_only`, of the files shown before this step)."""
        before = [s for s in self.effects.lesson.steps if s.index < step.index and s.file and s.type in _FILE_STEPS]
        # (a block that a command between it and this step applied under its own name is accounted for: not the one
        # meant; `apply -f crd/person.yaml,crd/pet.yaml`, then `apply -f example/alice.yaml`)
        spoken_for = bool(before) and any(
            n.kind == FILE and plain_file(n.name).endswith(plain_file(before[-1].file or ""))
            for s in self.effects.lesson.steps[before[-1].index + 1 : step.index]
            for n in self.effects.io(s).needs
        )
        if before and not spoken_for and before[-1].section == step.section and before[-1].index >= step.index - 3:
            prev = before[-1]
            return f"the manifest at line {prev.line} is {prev.file}"
        if before_only:
            return None
        shown = sorted(self.shown)
        close = ph.near_miss(name, shown)
        if close is not None and _a_slip(name, close):
            return f"did you mean {close}?"
        close = ph.near_miss(posixpath.splitext(name)[0], [posixpath.splitext(s)[0] for s in shown])
        if close is not None and _a_slip(posixpath.splitext(name)[0], close):
            match = next(s for s in shown if posixpath.splitext(s)[0] == close)
            return f"did you mean {match}?"
        return None

    def never_bound(self, step: Step) -> Verdict | None:
        """A claim of a class the lesson makes with no provisioner and no volume: it never binds (reported at the
        class's block), so the step that makes it is skipped, and with it what mounts it."""
        for sc in self.effects.claim_classes(step):
            made = self.effects.unbindable_classes.get(sc)
            if made is not None:
                return Verdict(Operation.SKIP, f"depends on the block at line {made.step.line}: {_unbindable(sc)}")
        return None

    def deleted_again(self, step: Step) -> Verdict | None:
        """`kubectl delete pod p` right after `kubectl delete -f p.yaml` deleted it: an alternative the text shows."""
        for e in self.effects.of_step(step):
            if e.action != "delete" or e.ignore_missing or e.name == "*" or e.name not in self.deleted:
                continue
            by = self.deleted[e.name]
            if not any(m.kind == OBJECT and m.name == e.name and i > by for m, i in self.made):
                line = self.effects.lesson.steps[by].line
                return Verdict(
                    Operation.SKIP,
                    f"deletes {(e.kind or 'pod').lower()}/{e.name} again, as the step at line {line} did: "
                    "an alternative the text shows",
                )
        return None

    def _object(self, need: Need, step: Step) -> Verdict | None:
        if "<" in need.name.replace("<hash>", "").replace("<index>", "") or "$" in need.name:
            return None
        names = set(owners(need.name))
        other = [(m, i) for m, i in self.made if m.kind == OBJECT and m.name in names and not _kind_fits(m, need)]
        if other and need.of is not None:
            m, i = other[-1]
            made = f"the step at line {self.effects.lesson.steps[i].line} makes {(m.of or 'object').lower()}/{m.name}"
            if self.effects.lesson.meta.in_series:  # one page of a series: an earlier page may have made it
                return Verdict(Operation.SKIP, f"needs {need}, which this page never makes ({made}): from an earlier page?")
            return Verdict(Operation.FAIL, f"{need} is never made: {made}, not a {need.of}")
        prefix = self._generated_as(need)
        if prefix is not None:
            return Verdict(Operation.FAIL, prefix)
        authored = self._authors_instance(need)
        if authored is not None:
            return Verdict(Operation.SKIP, authored)
        later = self._made_later(need)
        if later is not None:
            deletes = any(e.action == "delete" and e.name in names for e in self.effects.of_step(step))
            typed = step.type in (StepType.COMMAND, StepType.INTERACTIVE)  # (in a pod: entered as the prose says, maybe)
            if typed and later.type is StepType.COMMAND and not deletes:  # following the text in order: "not found"
                return Verdict(
                    Operation.FAIL, f"{need} is used before it is made: only a later step makes it (line {later.line})"
                )
            # (a manifest shown further down may be one already there, "the original ConfigMap"; a delete may be a
            # clean-up of an earlier try, "if the namespace already exists")
            return Verdict(
                Operation.SKIP, f"needs {need}, which only a later step makes (line {later.line}): the text uses it first"
            )
        if not self.facts.objects_known:
            return None
        kinds = {need.of} if need.of else {"Pod", "Job"}
        if any((k, n) in self.facts.existing for k in kinds for n in names):
            return None
        return Verdict(Operation.SKIP, f"needs {need}, which no step makes and this cluster does not have")

    def _authors_instance(self, need: Need) -> str | None:
        """`kubectl get pods my-helloworld-rs-c8rrj`: a pod named with the random suffix its ReplicaSet, Deployment,
        Job or DaemonSet gave it in the author's cluster (Kubernetes' suffix letters: no vowels, no 0, 1 or 3), of a
        workload the tutorial names. The reader's pod has another suffix."""
        if need.of not in (None, "Pod"):
            return None
        m = _GENERATED_POD.fullmatch(need.name)
        if m is None:
            return None
        owner = m.group(1)
        if not any(e.name in (owner, owner.rsplit("-", 1)[0]) and e.kind in _POD_OWNERS for e in self.effects.events):
            return None
        return (
            f"needs the reader's own pod name: {need.name} is the name a pod of {owner} had in the author's cluster "
            "(its random suffix), and the reader's has another"
        )

    def _made_later(self, need: Need) -> Step | None:
        names = set(owners(need.name))
        for s in self.effects.lesson.steps:
            if s.index not in self.entries and any(
                m.kind == OBJECT and m.name in names and _kind_fits(m, need) for m in self.effects.io(s).makes
            ):
                return s
        return None

    def _generated_as(self, need: Need) -> str | None:
        """`kubectl delete job lightweight-job` for a Job made with `generateName: lightweight-job-`: a name it never has."""
        for e in self.effects.events:
            if e.creates and e.generated and e.kind and (need.of in (None, e.kind)) and e.name.rstrip("-.") == need.name:
                return (
                    f"{(need.of or e.kind).lower()}/{need.name} never exists: the {e.kind} made at line {e.step.line} is named "
                    f"from generateName `{e.name}` (a random suffix follows); find it by label or with `kubectl get`"
                )
        return None


# a pod named by its owner and the suffix Kubernetes made up for it: `web-7d9f8c6b5d-x2k4q`, `rs-c8rrj`, `job-9zq7p`
# (the letters of apimachinery's rand.String: consonants and the digits 2 4 5 6 7 8 9)
_SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]"
_GENERATED_POD = re.compile(rf"(.+?)(?:-{_SUFFIX}{{8,10}})?-{_SUFFIX}{{5}}")
_POD_OWNERS = frozenset({"Deployment", "ReplicaSet", "Job", "DaemonSet", "ReplicationController", "CronJob"})


_BUILTIN_GROUPS = frozenset({"", "apps", "batch", "extensions", "policy", "autoscaling"})
_READ_VERBS = frozenset(
    f"kubectl {v}" for v in ("get", "describe", "logs", "top", "explain", "auth", "wait", "events", "api-resources")
)
_FILE_STEPS = (StepType.MANIFEST, StepType.FILE, StepType.INVALID)
_VERBS = {"kubectl create": "applies", "kubectl apply": "applies", "kubectl replace": "applies", "kubectl delete": "deletes with"}


def _kind_fits(made: Made, need: Need) -> bool:
    """Is `made` the object `need` names? A pod may be one of the pods of a workload of that name; a Service's
    endpoints are made with it, under its name."""
    if need.of is None or made.of is None or made.of == need.of:
        return True
    if need.of in ("Endpoints", "EndpointSlice") and made.of == "Service":
        return True
    # `kubectl describe pod web` names the pods of Deployment web by prefix; a Job's pods are `<job>-<hash>`
    return need.of == "Pod" and made.of in ("Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def _a_slip(name: str, shown: str) -> bool:
    """Is `name` a slip of the pen for `shown`, not another file of the same family? Each differing word must be a
    small change of its counterpart: `deplyment.yaml` for `deployment.yaml`, `pod.yml` for `pod.yaml` are slips;
    `php-apache-pdb.yaml` beside `php-apache-hpa.yaml`, or `pod2.yaml` beside `pod1.yaml`, are other files."""
    (stem, _), (their_stem, _) = posixpath.splitext(name.lower()), posixpath.splitext(shown.lower())
    if stem == their_stem:
        return True  # only the extension differs (`http2.yam`, `pod.yml`): a slip
    mine, theirs = re.split(r"[-_./]", stem), re.split(r"[-_./]", their_stem)
    if len(mine) != len(theirs):
        return True  # a word joined or split (`configmap.yaml`, `config-map.yaml`): the spelling decides
    for a, b in zip(mine, theirs, strict=True):
        if a == b:
            continue
        if re.sub(r"\d", "", a) == re.sub(r"\d", "", b) or min(len(a), len(b)) <= 3:
            return False  # `pod1` and `pod2`, `pod-a` and `pod-b`, `pv` and `pvc`: siblings, not slips
        if ph.distance(a, b) > max(1, min(len(a), len(b)) // 4) and sorted(a) != sorted(b):  # (letters swapped: a slip)
            return False
    return True


def _made_by(producer: Step, need: Need) -> str:
    verb = {FILE: "would have written", VAR: "would have set", CWD: "would have entered", PORT: "would have opened"}.get(
        need.kind, "would have made"
    )
    return f"the step at line {producer.line} {verb}"


def _unbindable(name: str) -> str:
    return (
        f"StorageClass {name} has no provisioner (kubernetes.io/no-provisioner) and no step makes a PersistentVolume of "
        "it: its claims never bind, so the pods that mount them never start"
    )
