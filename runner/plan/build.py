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

import dataclasses
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from runner.effects import Effects
from runner.effects.commands import outside
from runner.effects.environment import (
    host_requirements,
    network_hosts,
    object_requirements,
    pod_requests,
    programs_of,
    quantity,
    required_node_labels,
    step_requirements,
    unfilled,
)
from runner.effects.io import FILE, OBJECT
from runner.lesson import classify
from runner.lesson import placeholders as ph
from runner.lesson.machines import CLUSTER_CLIENTS
from runner.lesson.model import Lesson, Step, StepType
from runner.plan.facts import ClusterFacts
from runner.plan.operation import Operation
from runner.plan.provenance import Dependency, Ledger
from runner.syntax import bash
from runner.syntax.k8s import CLUSTER_SCOPED, READERS_NAMESPACE, K8sObject, containers, get_path, pod_spec, scalar, strings
from runner.syntax.shell import plain_file

DEFAULT_TIMEOUTS = {
    "ready": 180.0,
    "running": 180.0,
    "succeeded": 300.0,
    "complete": 300.0,
    "bound": 120.0,
    "deleted": 120.0,
    "exists": 30.0,
}


@dataclass(frozen=True)
class Wait:
    kind: str
    name: str
    condition: str
    timeout: float
    namespace: str | None = None  # where the step made it (`-n app-b`, `metadata.namespace`); None: the run's own


@dataclass(frozen=True)
class Action:
    step: Step
    do: Operation  # what the runner does: one member per operation of runner/run/operations
    reason: str | None = None  # skip: why
    waits: tuple[Wait, ...] = ()
    command: str | None = None  # what to run (an interactive step's `instead`)
    requirement_skip: bool = False  # skipped for a missing requirement or interactivity (counts under --strict)
    needs: tuple[Dependency, ...] = ()  # inputs earlier steps make: if all of one's producers fail, this step is skipped
    there: bool = False  # skipped because what it makes is there already (the run's own namespace): its users go on


@dataclass(frozen=True)
class Plan:
    lesson: Lesson
    actions: tuple[Action, ...]
    files: Mapping[str, str] = field(default_factory=dict)  # file name -> content (manifests and files)
    effects: Effects | None = field(default=None, compare=False, repr=False)  # of the rendered lesson
    folders: tuple[str, ...] = ()  # folders a `cd` enters that no step makes: made empty before the run
    # step index -> files the text shows inside a folder that step makes (`mkdir kata4`): written once it has run, so
    # that the step's `mkdir` finds no folder there yet
    deferred: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def written_first(self) -> dict[str, str]:
        """The files written before the first step: all the text shows but those `deferred`."""
        later = {name for names in self.deferred.values() for name in names}
        return {name: content for name, content in self.files.items() if name not in later}


__all__ = [
    "Action",
    "Plan",
    "Wait",
    "build_plan",
    "host_requirements",
    "network_hosts",
    "object_requirements",
    "pod_requests",
    "programs_of",
    "quantity",
    "required_node_labels",
    "step_requirements",
    "unfilled",
]


def _default_condition(
    kind: str, facts: ClusterFacts, obj: K8sObject | None, later: Mapping[str, int] | None = None
) -> str | None:
    if kind == "Pod":
        return "exists" if obj is not None and _awaits_later(obj, later or {}) else "ready"
    if kind in ("Deployment", "StatefulSet"):
        if obj is not None and _overfills(obj, facts):
            return "exists"  # "create several resource-intensive pods": not all of them can run here, nor were meant to
        return "ready"  # its pods, as a reader waits before `kubectl logs` or `exec`
    if kind == "PersistentVolumeClaim":
        sc = scalar(get_path(obj.body, ("spec", "storageClassName"))) if obj else None
        return "exists" if sc in facts.wait_for_first_consumer else "bound"
    return None


def _overfills(obj: K8sObject, facts: ClusterFacts) -> bool:
    """Do the workload's replicas ask for more CPU or memory than all of this cluster's nodes hold together? Then its
    rollout never completes here (a tutorial that fills a cluster on purpose, or assumes a bigger one)."""
    replicas = get_path(obj.body, ("spec", "replicas"))
    if not facts.nodes or not isinstance(replicas, int) or replicas < 2:
        return False
    cpu, memory = pod_requests(pod_spec(obj.body or {}) or {})
    return replicas * cpu > sum(n.cpu for n in facts.nodes) or replicas * memory > sum(n.memory for n in facts.nodes)


def _awaits_later(obj: K8sObject, later: Mapping[str, int]) -> bool:
    """Do the pod's init containers wait for an object that a later step makes (`until nslookup myservice`, the
    Service made further down)? Then the text means the pod to stay initializing until that step."""
    words = {
        w
        for c in containers(pod_spec(obj.body or {}), init=True)
        for w in re.split(r"[^A-Za-z0-9.-]+", " ".join(strings(c.get("command")) + strings(c.get("args"))))
    }
    return any(w.split(".")[0] in later for w in words if w)


def _waits_for(
    step: Step,
    objects: Sequence[tuple[str, str, K8sObject | None]],
    facts: ClusterFacts,
    deleting: bool,
    later: Mapping[str, int] | None = None,
    namespace: str | None = None,
) -> tuple[Wait, ...]:
    waits = []
    if step.expect_failure:  # the text expects a refusal: nothing is made or deleted to wait for
        return ()
    for kind, name, obj in objects:
        if step.wait == "none":
            continue
        written = obj.namespace if obj is not None and obj.namespace != READERS_NAMESPACE else None
        where = written or namespace
        if where is not None and ("$" in where or "<" in where):
            continue  # a namespace only the terminal knows: nothing to watch by name
        condition = step.wait or ("deleted" if deleting else _default_condition(kind, facts, obj, later))
        if deleting and step.wait and step.wait != "deleted":
            condition = "deleted"
        if condition is None or not name:
            continue
        waits.append(Wait(kind, name, condition, step.timeout or DEFAULT_TIMEOUTS.get(condition, 120.0), where))
    return tuple(waits)


def build_plan(lesson: Lesson, facts: ClusterFacts) -> Plan:
    """Decide every step's action. `lesson` must be rendered."""
    effects = Effects(lesson)
    created = set(effects.created())
    lesson_unmet = [why for r in lesson.meta.requires if (why := facts.unmet(r))]
    files: dict[str, str] = {}
    file_lines: dict[str, int] = {}
    for step in lesson.steps:  # the runner writes every file the text shows before the first step, where the reader is
        place = effects.placed(step)
        if step.type is StepType.MANIFEST and place and not outside(place):
            files.setdefault(place, step.text)
            file_lines.setdefault(place, step.line)
        if step.type is StepType.FILE and place and step.action == "create" and not outside(place):
            files.setdefault(place, step.text if step.text.strip() and step.content_line else "")
            file_lines.setdefault(place, step.line)
    ledger = Ledger(effects, facts, frozenset(file_lines))
    superseded = _superseded(lesson, effects)
    actions: list[Action] = []
    alive: dict[tuple[str, str], int] = {}  # objects made so far (and not deleted since): kind, name -> line
    for step in lesson.steps:
        again = _again(step, alive, effects)
        action = again or superseded.get(step.index) or _overwrites_shown(step, file_lines, effects)
        wrong = ledger.block_defect(step) if action is not None and action.do is Operation.SKIP else None
        if wrong is not None:  # an alternative or superseded block is still wrong for whoever uses it
            action, again = Action(step, Operation.FAIL, wrong.reason), None
        if action is None:
            action = _action(step, facts, lesson_unmet, created, ledger, lesson.declared)
        if action.do.acts:
            action = dataclasses.replace(action, needs=ledger.dependencies(step))
        runs = action.do.acts or again is not None or action.there  # what `again` defines is there, made earlier
        ledger.record(step, runs, action.reason or "")
        if action.do.acts:
            for e in effects.of_step(step):
                if e.creates and e.kind and not e.generated:
                    alive.setdefault((e.kind, e.name), e.line)
                elif e.action == "delete" and e.kind:
                    alive = {k: v for k, v in alive.items() if not (k[0] == e.kind and e.name in ("*", k[1]))}
        actions.append(action)
    folders = tuple(f for f in effects.entered_folders if f.rstrip("/") not in files)  # a file the text shows wins
    return Plan(lesson, tuple(actions), files, effects, folders, _deferred(lesson, effects, files))


def _deferred(lesson: Lesson, effects: Effects, files: Mapping[str, str]) -> dict[int, tuple[str, ...]]:
    """The shown files inside a folder a step makes (`mkdir kata4`, then `kata4/pv.yml` shown), by that step."""
    makers: dict[str, int] = {}
    for step in lesson.steps:
        plain_mkdir = any(  # `mkdir kata4` fails on a folder that is there; `mkdir -p` does not
            w[0] == "mkdir" and not any(a.startswith("-p") or a == "--parents" for a in w[1:])
            for w in effects.segments(step.command or "")
            if w
        )
        reads = {n.name for n in effects.io(step).needs if n.kind == FILE}
        for m in effects.io(step).makes if plain_mkdir else ():
            folder = m.kind == FILE and m.name.endswith("/") and not m.name.startswith(("/", "~", "$"))
            if folder and not any(r.startswith(m.name) for r in reads):  # (`mkdir k && kubectl apply -f k/p.yml`)
                makers.setdefault(m.name, step.index)
    out: dict[int, list[str]] = {}
    for name in files:
        parts = name.split("/")[:-1]
        ancestors = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        by = [makers[a] for a in ancestors if a in makers]
        if by:
            out.setdefault(min(by), []).append(name)
    return {i: tuple(names) for i, names in out.items()}


def _superseded(lesson: Lesson, effects: Effects) -> dict[int, Action]:
    """A manifest block the text shows again, changed, before any step uses its objects: the later one is what it means.

    ("There is a new syntax in Kubernetes 1.6 … We have moved the declaration
    of Init Containers to `spec`:" and the same Pod again.) The earlier block
    is not applied; the later one is. Once a step uses the object, a later
    definition is an alternative instead (see `_again`).
    """
    out: dict[int, Action] = {}
    # a later definition is applied by the runner, or written as the file a command applies
    shown = [s for s in lesson.steps if s.type is StepType.MANIFEST and (s.apply or s.file) and not s.skip]
    for i, first in enumerate(shown):
        names = {(o.kind, o.name) for o in effects.block_objects(first) if o.name}
        if not names or not first.apply:
            continue
        for later in shown[i + 1 :]:
            again = names & {(o.kind, o.name) for o in effects.block_objects(later) if o.name}
            if not again:
                continue
            between = lesson.steps[first.index + 1 : later.index]
            used = any(
                n.kind == OBJECT
                and any(n.name in owners_of and n.of in (None, kind) for kind, owners_of in ((k, {nm}) for k, nm in again))
                for s in between
                for n in effects.io(s).needs
            )
            if not used and later.text != first.text and not later.alternative:
                kind, name = sorted(again)[0]
                out[first.index] = Action(
                    first,
                    Operation.SKIP,
                    f"defines {kind.lower()}/{name}, which the text shows again, changed, at line {later.line} before any "
                    "step uses it: that later definition is the one used",
                )
            break
    return out


def _again(step: Step, alive: dict[tuple[str, str], int], effects: Effects) -> Action | None:
    """A manifest the runner would apply that defines objects the lesson already made: an alternative the text shows.

    ("You could store this in a Secret using the following definition", the
    same Secret again): creating it would only fail with AlreadyExists.
    """
    if step.type is not StepType.MANIFEST or not step.apply or step.skip:
        return None
    names = [(o.kind, o.name) for o in effects.block_objects(step) if o.name]
    if not names or not all(n in alive for n in names):
        return None
    kind, name = names[0]
    return Action(
        step,
        Operation.SKIP,
        f"defines {kind.lower()}/{name} again, as made at line {alive[names[0]]}: an alternative the text shows, not applied",
    )


def _overwrites_shown(step: Step, file_lines: dict[str, int], effects: Effects) -> Action | None:
    """`cat > test-pod.yaml << EOF  # paste the YAML above` after the block that shows test-pod.yaml: already written."""
    if step.type is not StepType.COMMAND or not step.command:
        return None
    script = bash.parse(step.command)
    targets = [r.target for c in script.commands for r in c.redirects if r.writes]
    targets += [w for c in script.commands if c.name == "tee" for w in c.words[1:] if not w.startswith("-")]
    for target in (plain_file(t) for t in targets):
        if target in file_lines and file_lines[target] < step.line:
            return Action(
                step,
                Operation.SKIP,
                f"writes {target}, which the runner wrote from the block at line {file_lines[target]} "
                "(the content the text shows)",
            )
    return None


def _makes_own_namespace(step: Step, effects: Effects, facts: ClusterFacts) -> str | None:
    """`kubectl create namespace <YOURNAME>` where the reader's name for it is the run's namespace: the reader's own
    namespace, which the run is given and never makes (or deletes)."""
    if not facts.namespace or step.type not in (StepType.COMMAND, StepType.MANIFEST):
        return None
    events = [e for e in effects.of_step(step) if e.action != "ref"]
    if events and all(  # (`default`: the reader's own namespace, as the text names it; see lesson.parser._own_namespace)
        e.kind == "Namespace" and e.name in (facts.namespace, READERS_NAMESPACE) and (e.creates or e.action == "delete")
        for e in events
    ):
        verb = "makes" if events[0].creates else "deletes"
        return f"{verb} namespace {facts.namespace}, the run's own namespace, which the run is given and keeps"
    return None


def _deletes_others_cluster_wide(step: Step, effects: Effects, created: set[tuple[str, str]], facts: ClusterFacts) -> str | None:
    """`kubectl delete service,deployment,pvc,pv,pod --all`: a cluster-scoped kind (PersistentVolumes, namespaces,
    nodes, ClusterRoles…) deleted by `--all` or by a name the tutorial never makes reaches every namespace's objects,
    others' too; so does any delete across namespaces (`-A`). The run's own namespace is given to it, never made by
    it, whatever a file applied says. A run deletes only what it made (and, at run time, only what it did make: the
    runner checks that too)."""
    for c in effects.step_calls(step):
        if c.call.verb == "delete" and c.call.has("-A", "--all-namespaces"):
            return "deletes across every namespace (`-A`): a run deletes only what it made, in its own namespace"
    for e in effects.of_step(step):
        if e.action != "delete" or e.kind not in CLUSTER_SCOPED:
            continue
        own = e.kind == "Namespace" and e.name == facts.namespace
        if (e.kind, e.name) in created and not own:
            continue
        what = (
            f"every {e.kind} of the cluster"
            if e.name == "*"
            else f"namespace {e.name}, the run's own, which it is given and keeps"
            if own
            else f"{e.kind.lower()}/{e.name}, which no step makes"
        )
        return f"deletes {what} ({e.kind} is cluster-wide): a run deletes only what it made"
    return None


def _runs_cluster_script(step: Step, effects: Effects) -> str | None:
    """`./add-user.sh alice admin`, a script the tutorial wrote that talks to the cluster itself: what it makes (in any
    namespace, `default` or cluster-wide too) is out of the run's sight, so it could be neither kept in the run's
    namespace nor cleaned up. Not run."""
    for name, text in effects.scripts_run(step):
        commands = bash.parse(text).commands if text is not None else ()
        words = {posixpath.basename(w) for c in commands for w in c.words}  # (`timeout 30 kubectl …`, `/usr/bin/kubectl`)
        clients = words & CLUSTER_CLIENTS
        unknown = any(c.name.startswith("$") for c in commands)  # `$KUBECTL delete …`: any program at all
        if text is None or clients or unknown:
            return (
                f"runs {name}, a script of the tutorial's that calls {', '.join(sorted(clients)) or 'programs'} itself: "
                "what it makes, in any namespace or cluster-wide, is out of the run's sight (neither kept in its "
                "namespace nor cleaned up)"
            )
    return None


def _action(
    step: Step,
    facts: ClusterFacts,
    lesson_unmet: list[str],
    created: set[tuple[str, str]],
    ledger: Ledger,
    declared: Sequence[str] = (),
) -> Action:
    if step.type in (StepType.OTHER, StepType.FRAGMENT):
        return Action(step, Operation.SKIP, f"not runnable: {step.reason or step.type.value}")
    if step.skip:
        block = ledger.block_defect(step)  # a block shown as an alternative is still wrong for whoever uses it
        return Action(step, Operation.FAIL, block.reason) if block else Action(step, Operation.SKIP, step.skip)
    if step.type is StepType.INVALID:
        marked = classify.edit_mark(step.text)
        if marked is not None:  # a template the reader edits first: its arrows and notes are not the tutorial's defect
            return Action(step, Operation.SKIP, f"needs the reader's own edits where the text marks them (`{marked}`)")
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
    own = _makes_own_namespace(step, ledger.effects, facts)
    if own is not None:
        return Action(step, Operation.SKIP, own, there=True)
    cluster_script = _runs_cluster_script(step, ledger.effects)
    if cluster_script is not None:
        return Action(step, Operation.SKIP, cluster_script)
    # an input the tutorial means but never makes: its defect, whatever else happens (unless the lesson says the step
    # is to fail: what it needs is missing on purpose)
    defect = ledger.refused(step) if step.expect_failure else ledger.defect(step)
    if defect is not None:
        return Action(step, Operation.FAIL, defect.reason)
    if lesson_unmet and step.type is not StepType.FILE:
        return Action(step, Operation.SKIP, f"lesson {lesson_unmet[0]}", requirement_skip=True)
    unmet = [
        why
        for r in ledger.effects.requirements(step)
        if (why := facts.unmet(r)) and not (r.startswith("program:") and ledger.defines(r.partition(":")[2]))
    ]
    if unmet:
        return Action(step, Operation.SKIP, unmet[0], requirement_skip=True)
    blocked = (
        None
        if step.expect_failure
        else ledger.blocked(step)
        or ledger.judge(step)
        or ledger.deleted_again(step)
        or ledger.made_again(step)
        or ledger.never_bound(step)
    )
    if blocked is not None:
        return Action(step, blocked.do, blocked.reason, requirement_skip=blocked.do is Operation.SKIP)
    others = _deletes_others_cluster_wide(step, ledger.effects, created, facts)
    if others is not None:  # (after the verdicts above: what it depends on, or its defect, is said first)
        return Action(step, Operation.SKIP, others)
    if step.type is StepType.INTERACTIVE:
        if step.instead:
            return Action(step, Operation.COMMAND, command=step.instead)
        return Action(step, Operation.SKIP, f"interactive: {step.reason}", requirement_skip=True)
    if step.type is StepType.MANIFEST:
        objs = [(o.kind, o.name or "", o) for o in ledger.effects.block_objects(step)]
        if not step.apply:
            return Action(step, Operation.WRITE, step.reason or "applied by a command of the tutorial")
        later = ledger.effects.made_after(step)
        return Action(step, Operation.APPLY, waits=_waits_for(step, objs, facts, deleting=False, later=later))
    if step.type is StepType.COMMAND:
        return Action(step, Operation.COMMAND, command=step.command, waits=_command_waits(step, facts, ledger.effects))
    if step.type is StepType.IN_POD:
        return Action(step, Operation.EXEC, command=step.command)
    if step.type is StepType.FILE:
        if step.file and outside(step.file):
            return Action(step, Operation.SKIP, f"writes {step.file}, outside the run's working directory", requirement_skip=True)
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
            later = effects.made_after(step)
            made = _waits_for(step, [(e.kind, e.name, obj)], facts, False, later, e.namespace)
            run = e.call.call if e.call is not None and e.action == "run" else None
            if run is not None and run.after_dash and not step.wait:
                # `kubectl run dns-test --restart=Never -- nslookup svc`: a pod that runs a command once; the reader
                # reads its logs next, whether it succeeded or not (restarted, it has still run: `echo hi` and exit)
                once = "finished" if run.flag("--restart") in ("Never", "OnFailure") else "ran"
                made = tuple(dataclasses.replace(w, condition=once) if w.condition == "ready" else w for w in made)
            waits.extend(made)
        elif e.action == "delete" and e.via != "kubectl run --rm":
            waits.extend(_waits_for(step, [(e.kind, e.name, obj)], facts, deleting=True, namespace=e.namespace))
    return tuple(waits)
