"""Checks to suggest for what a tutorial's manifests and commands set up, each where that state exists.

| the tutorial sets up                               | suggested check                         |
|----------------------------------------------------|-----------------------------------------|
| an `emptyDir` on disk in a Pod                     | scratch-on-disk                         |
| an `emptyDir` with `medium: Memory` in a Pod       | ramdisk-is-tmpfs                        |
| a PersistentVolumeClaim                            | pvc-bound                               |
| a Job writing to a claim, deleted and made again   | pvc-data-survives                       |
| a ConfigMap volume of a Pod                        | configmap-file (subPath) / configmap-dir |
| a ConfigMap replaced in place while a Pod mounts it | configmap-live-update                  |
| `secretKeyRef` to a Secret the tutorial creates    | secret-has-keys                         |
| an init container that clones                      | init-clone                              |
| `nvidia.com/gpu` in a Pod                          | gpu-visible                             |
| a Job (named, or made from generateName)           | generated-job-complete (its completion) |
| an instruction to delete pods at the end           | no-running-pods                         |

Everything is read from the lesson model: the objects of `runner.effects`
(manifest blocks, files commands apply, here-documents), their lifetimes
(`timeline`), and pod specs (`runner.syntax.k8s`). Only the closing
instruction is read from the prose, which is the only place it is written.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from checks.registry import load_all
from runner.author.layout import Layout
from runner.author.timeline import Life, Timeline
from runner.effects import Effect, Effects, Manifest
from runner.lesson.markdown import Block
from runner.lesson.model import Lesson, Step, StepType
from runner.lesson.prose import heading_file
from runner.syntax.k8s import containers, get_path, mapping, mappings, pod_spec, pod_spec_path, scalar, strings
from runner.syntax.shell import segments

SHM_BYTES = 64 * 2**20  # the /dev/shm a container gets: a RAM disk must be larger to be worth it
_GIT = re.compile(r"(^|/)git$")
# the prose says a Job fails on purpose ("a bad job, one that will always fail", "you'll see GitHub complaining")
_FAILS = re.compile(
    r"\b(?:will|always|keeps?|going\s+to|designed\s+to|meant\s+to|expected\s+to)\s+(?:\w+\s+)?fail\w*|\bbad\s+job\b|\bcomplain\w*",
    re.I,
)
_NO_RUNNING = re.compile(
    r"\b(?:not|n't|never)\s+(?:leave|left)\s+(?:any\s+)?(?:running\s+)?pods\b|\bclean\s*up\s+(?:all\s+)?your\s+(?:resources|pods)\b",
    re.I,
)


@dataclass(frozen=True)
class Suggestion:
    """A check `tutorial new` adds: where (after the block of `after`, or at the end) and why."""

    check: str
    args: tuple[tuple[str, str], ...]
    after: Step | None  # None: at the end of the lesson
    why: str
    line: int  # the line of the tutorial that sets the state up
    notes: tuple[str, ...] = ()  # what a person should confirm

    @property
    def points(self) -> int:
        spec = load_all().get(self.check)
        return spec.points if spec is not None else 1


class Suggester:
    """The suggestions for one lesson, in lesson order."""

    def __init__(self, lesson: Lesson, effects: Effects, timeline: Timeline, layout: Layout) -> None:
        self.lesson, self.effects, self.timeline, self.layout = lesson, effects, timeline, layout

    def all(self) -> list[Suggestion]:
        found: list[Suggestion] = []
        data_jobs: set[str] = set()
        for s in self._pvc_data():
            found.append(s)
            data_jobs.add(dict(s.args)["job"])
        clone_jobs: set[str] = set()
        for s in self._init_clones():
            found.append(s)
            clone_jobs.add(dict(s.args).get("job") or dict(s.args).get("generate-name") or "")
        found += self._emptydirs()
        found += self._claims()
        found += self._configmaps()
        found += self._secrets()
        found += self._gpus()
        found += self._jobs(skip=data_jobs | clone_jobs)
        found += self._no_running_pods()
        return sorted(found, key=lambda s: (s.after.index if s.after else 10**9, s.line))

    # ---- where a check goes -----------------------------------------------------------------

    def anchor(self, candidates: list[Step], ends: Step | None) -> Step | None:
        """The last candidate whose block ends before the step that ends the state (None: nowhere)."""
        end_block = self.layout.block_of(ends) if ends is not None else None
        for step in reversed(candidates):
            if ends is not None and step.index >= ends.index:
                continue
            block = self.layout.block_of(step)
            if block is None or (block.kind == "prose" and self.layout.in_list(block)):
                continue  # a comment after a paragraph of a list item would end the list
            if end_block is not None and block.line == end_block.line:
                continue  # the same block ends it: no place between them
            return step
        return None

    def _life_anchor(self, life: Life, until: Step | None = None) -> Step | None:
        ends = until or life.ended_by
        section = life.created.step.section
        uses = [s for s in life.uses if s.section == section and (ends is None or s.index < ends.index)]
        return self.anchor([life.created.step, *uses], ends)

    # ---- the rules --------------------------------------------------------------------------

    def _pods(self) -> Iterator[tuple[Life, Manifest, Mapping[str, Any]]]:
        for life in self.timeline.lives:
            if life.kind == "Pod" and life.manifest is not None:
                spec = pod_spec(life.manifest.obj.body or {})
                if spec:
                    yield life, life.manifest, spec

    def _workloads(self) -> Iterator[tuple[Life, Manifest, Mapping[str, Any]]]:
        for life in self.timeline.lives:
            if life.manifest is not None and life.kind != "Pod":
                spec = pod_spec(life.manifest.obj.body or {})
                if spec:
                    yield life, life.manifest, spec

    def _emptydirs(self) -> Iterator[Suggestion]:
        for life, m, spec in self._pods():
            prefix = pod_spec_path(m.obj.kind) or ()
            volumes = spec.get("volumes")
            for i, vol in enumerate(volumes if isinstance(volumes, list) else []):  # the index: the volume's line
                if not isinstance(vol, Mapping) or "emptyDir" not in vol:
                    continue
                mount = _mount(spec, str(vol.get("name")))
                if mount is None:
                    continue
                container, path = mount
                empty = mapping(vol.get("emptyDir"))
                memory = empty.get("medium") == "Memory"
                check = "ramdisk-is-tmpfs" if memory else "scratch-on-disk"
                at = self._life_anchor(life)
                if at is None:
                    continue
                notes = []
                if memory and _too_small(empty, spec):
                    notes.append(f"the RAM disk of {life.name} is not larger than /dev/shm (64Mi): {check} wants it larger")
                line = m.pos.line((*prefix, "volumes", i)) if m.pos else m.obj.line
                kind = "a RAM disk (emptyDir, medium: Memory)" if memory else "disk scratch (emptyDir)"
                yield Suggestion(
                    check,
                    _args(pod=life.name, path=path, container=container if len(containers(spec)) > 1 else None),
                    at,
                    f"Pod {life.name} mounts {kind} at {path}",
                    line,
                    tuple(notes),
                )

    def _claims(self) -> Iterator[Suggestion]:
        for life in self.timeline.lives:
            if life.kind != "PersistentVolumeClaim" or life.manifest is None:
                continue
            spec = mapping(life.manifest.obj.body.get("spec"))
            modes = strings(spec.get("accessModes"))
            at = self._life_anchor(life)
            if at is None:
                continue
            yield Suggestion(
                "pvc-bound",
                _args(claim=life.name, **{"class": scalar(spec.get("storageClassName")), "mode": modes[0] if modes else None}),
                at,
                f"PersistentVolumeClaim {life.name}",
                life.manifest.obj.line,
            )

    def _claim_of(self, spec: Mapping[str, Any]) -> tuple[str, str, str] | None:
        """(claim, mount path, subPath) of the first claim a pod spec mounts."""
        for vol in mappings(spec.get("volumes")):
            if isinstance(vol.get("persistentVolumeClaim"), Mapping):
                claim = scalar(vol["persistentVolumeClaim"].get("claimName")) or ""
                for c in containers(spec):
                    for mnt in mappings(c.get("volumeMounts")):
                        if mnt.get("name") == vol.get("name"):
                            return claim, scalar(mnt.get("mountPath")) or "", scalar(mnt.get("subPath")) or ""
        return None

    def _pvc_data(self) -> Iterator[Suggestion]:
        by_name: dict[str, list[Life]] = {}
        for life, _m, _spec in self._workloads():
            if life.kind == "Job":
                by_name.setdefault(life.name, []).append(life)
        for name, lives in by_name.items():
            if len(lives) < 2:
                continue
            last = lives[-1]
            spec = pod_spec(last.manifest.obj.body or {}) if last.manifest else None
            found = self._claim_of(spec or {})
            if not found:
                continue
            claim, _path, sub = found
            claim_life = self.timeline.life_at("PersistentVolumeClaim", claim, lives[0].start)
            if claim_life is None or not claim_life.alive_at(last.start):
                continue
            at = self._life_anchor(last)
            if at is None:
                continue
            body = last.manifest.obj.body if last.manifest else {}
            completions = scalar(get_path(body, ("spec", "completions"))) or "1"
            notes = []
            script = " ".join(_words(c) for c in containers(spec))
            if "JOB_COMPLETION_INDEX" not in script:
                notes.append(
                    f"pvc-data-survives counts the files each index of {name} writes on {claim} in each run "
                    "(names ending in -INDEX or .INDEX): check the Job's command names its files so"
                )
            yield Suggestion(
                "pvc-data-survives",
                _args(claim=claim, job=name, completions=completions, runs=str(len(lives)), dir=sub or None),
                at,
                f"Job {name} writes to claim {claim}, is deleted and created again ({len(lives)} runs)",
                last.created.line,
                tuple(notes),
            )

    def _configmaps(self) -> Iterator[Suggestion]:
        replaced = self.replacements()
        for life, m, spec in self._pods():
            for vol in mappings(spec.get("volumes")):
                if not isinstance(vol.get("configMap"), Mapping):
                    continue
                cm = scalar(vol["configMap"].get("name")) or ""
                cm_life = self.timeline.life_at("ConfigMap", cm, life.start)
                for c in containers(spec):
                    for mnt in mappings(c.get("volumeMounts")):
                        if mnt.get("name") != vol.get("name"):
                            continue
                        path, sub = scalar(mnt.get("mountPath")) or "", scalar(mnt.get("subPath"))
                        container = str(c.get("name")) if len(containers(spec)) > 1 else None
                        ends = [s for s in (life.ended_by, cm_life.ended_by if cm_life else None) if s is not None]
                        ends += [step for name, step in replaced if name == cm and step.index > life.start]
                        until = min(ends, key=lambda s: s.index) if ends else None
                        at = self._life_anchor(life, until)
                        if at is not None:
                            if sub:
                                args = _args(
                                    pod=life.name,
                                    path=path,
                                    configmap=cm,
                                    key=sub if posixpath.basename(path) != sub else None,
                                    container=container,
                                )
                                yield Suggestion(
                                    "configmap-file", args, at, f"Pod {life.name} mounts key {sub} of {cm}", m.obj.line
                                )
                            else:
                                args = _args(pod=life.name, path=path, configmap=cm, container=container)
                                yield Suggestion("configmap-dir", args, at, f"Pod {life.name} mounts ConfigMap {cm}", m.obj.line)
                        if sub:
                            continue
                        for name, step in replaced:
                            if name == cm and life.alive_at(step.index) and self.anchor([step], life.ended_by):
                                yield Suggestion(
                                    "configmap-live-update",
                                    _args(pod=life.name, path=path, configmap=cm, container=container),
                                    step,
                                    f"ConfigMap {cm} is replaced in place while Pod {life.name} mounts it",
                                    step.line,
                                )

    def replacements(self) -> list[tuple[str, Step]]:
        """(ConfigMap name, step) for each in-place replacement of a ConfigMap that exists."""
        out = []
        for step in self.lesson.steps:
            if step.type is not StepType.COMMAND or not step.command:
                continue
            calls = self.effects.step_calls(step)
            writes = any(c.call.verb in ("replace", "apply") and "-" in c.call.files for c in calls)
            for c in calls:
                made = c.call.creates
                live = made is not None and self.timeline.life_at("ConfigMap", made[1], step.index) is not None
                if c.call.verb == "create" and made and made[0] == "ConfigMap" and c.dry_run and writes and live:
                    out.append((made[1], step))
            for e in self.effects.of_step(step):
                if e.action in ("replace", "apply") and e.kind == "ConfigMap" and e.manifest is not None:
                    earlier = self.timeline.life_at("ConfigMap", e.name, step.index)
                    if earlier is not None and earlier.created.step.index < step.index:
                        out.append((e.name, step))
        return out

    def _secrets(self) -> Iterator[Suggestion]:
        keys: dict[str, list[str]] = {}
        first: dict[str, tuple[Life, int]] = {}
        for life in self.timeline.lives:
            if life.manifest is None:
                continue
            spec = pod_spec(life.manifest.obj.body or {})
            for c in containers(spec, init=None):
                for env in mappings(c.get("env")):
                    ref = mapping(get_path(env, ("valueFrom", "secretKeyRef")))
                    name, key = scalar(ref.get("name")), scalar(ref.get("key"))
                    if name and key:
                        if key not in keys.setdefault(name, []):
                            keys[name].append(key)
                        first.setdefault(name, (life, life.manifest.obj.line))
        for name, wanted in keys.items():
            secret_lives = self.timeline.of("Secret", name)
            user, line = first[name]
            if not secret_lives:
                # the cluster's Secret, not the participant's work: a check of it would grade the environment (and
                # lint refuses a check of an object no step creates)
                continue
            life = next((l for l in secret_lives if l.alive_at(user.start)), secret_lives[0])
            at = self._life_anchor(life)
            why = f"{user.kind} {user.name} reads keys {', '.join(wanted)} of Secret {name} (secretKeyRef)"
            if at is not None:
                yield Suggestion("secret-has-keys", _args(secret=name, keys=",".join(wanted)), at, why, line)

    def _init_clones(self) -> Iterator[Suggestion]:
        for e in self._job_creations():
            m = e.manifest
            spec = pod_spec(m.obj.body or {}) if m else None
            inits = containers(spec, init=True)
            for init in inits:
                target = _clone_target(init)
                if target is None:
                    continue
                job_arg = {"generate-name": e.name} if e.generated else {"job": e.name}
                life = None if e.generated else self.timeline.life_at("Job", e.name, e.step.index)
                at = self._life_anchor(life) if life else self.anchor([e.step], None)
                if at is None:
                    continue
                yield Suggestion(
                    "init-clone",
                    _args(**job_arg, path=target or None, init=str(init.get("name")) if len(inits) > 1 else None),
                    at,
                    f"Job {e.name} clones code in its init container {init.get('name')}",
                    m.obj.line if m else e.line,
                    ("init-clone also reads the result the main container prints (a number in its log): check that it does",),
                )
                break

    def _gpus(self) -> Iterator[Suggestion]:
        for life, m, spec in self._pods():
            gpus = sum(_gpu_count(c) for c in containers(spec))
            if gpus:
                at = self._life_anchor(life)
                if at is not None:
                    yield Suggestion(
                        "gpu-visible",
                        _args(pod=life.name, gpus=str(gpus)),
                        at,
                        f"Pod {life.name} asks for {gpus} GPU(s)",
                        m.obj.line,
                    )

    def _job_creations(self) -> list[Effect]:
        out, seen = [], set()
        for e in self.effects.events:
            if e.creates and e.kind == "Job" and e.manifest is not None and (e.name, e.step.index) not in seen:
                seen.add((e.name, e.step.index))
                out.append(e)
        return out

    def _jobs(self, skip: set[str]) -> Iterator[Suggestion]:
        done: set[str] = set()
        failing = self.failing_jobs()
        for e in self._job_creations():
            if e.name in skip or e.name in done or e.name in failing:
                continue
            done.add(e.name)
            if e.generated:
                at = self.anchor([e.step], None)
                args = _args(**{"generate-name": e.name})
            else:
                lives = self.timeline.of("Job", e.name)
                life = lives[-1] if lives else None
                at = self._life_anchor(life) if life else None
                args = _args(job=e.name)
            if at is not None:
                yield Suggestion(
                    "generated-job-complete",
                    args,
                    at,
                    f"Job {e.name} (its completion; job-result with text= or expect= checks what it prints)",
                    e.manifest.obj.line if e.manifest else e.line,
                )

    def failing_jobs(self) -> set[str]:
        """Jobs the prose says fail on purpose: no completion check, no wait for their completion."""
        out = set()
        for e in self._job_creations():
            block = self.layout.block_of(e.manifest.step) if e.manifest else None
            if block is not None and said_to_fail(self.layout, block):
                out.add(e.name)
        return out

    def _no_running_pods(self) -> Iterator[Suggestion]:
        last_make = max((e.step.line for e in self.effects.events if e.creates), default=0)
        sections = [b for b in self.layout.found if b.kind == "heading"]
        for b in self.layout.prose:
            heading = next((h.text for h in reversed(sections) if h.line < b.line), "")
            if _NO_RUNNING.search(_plain(b.text)) and (b.line > last_make or re.search(r"clean|end|wrap", heading, re.I)):
                yield Suggestion("no-running-pods", (), None, "the tutorial asks not to leave running pods", b.line)
                return


# ---- helpers ----------------------------------------------------------------------------------


def said_to_fail(layout: Layout, block: Block) -> bool:
    """The prose around a manifest (up to the code blocks before and after it, within its section) says it fails."""
    found = layout.found
    i = next((n for n, b in enumerate(found) if b.line == block.line), None)
    if i is None:
        return False
    around: list[str] = []
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(found) and found[j].kind in ("prose", "heading", "comment"):
            if found[j].kind == "heading" and not heading_file(found[j].text):
                break  # a new section
            if found[j].kind == "prose":
                around.append(found[j].text)
            j += step
    return bool(_FAILS.search(" ".join(around)))


def _args(**values: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in values.items() if isinstance(v, str) and v)


def _plain(text: str) -> str:
    return re.sub(r"[*_`]", "", text)


def _mount(spec: Mapping[str, Any], volume: str) -> tuple[str, str] | None:
    for c in containers(spec):
        for m in mappings(c.get("volumeMounts")):
            if m.get("name") == volume and scalar(m.get("mountPath")):
                return str(c.get("name")), str(m["mountPath"])
    return None


def _bytes(quantity: Any) -> float | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGTE]i?|[kmgte])?\s*", str(quantity))
    if not m:
        return None
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 1e3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    return float(m.group(1)) * units.get(m.group(2) or "", 1)


def _too_small(empty: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    sizes = [_bytes(empty.get("sizeLimit"))] if empty.get("sizeLimit") else []
    limits = [mapping(get_path(c, ("resources", "limits"))).get("memory") for c in containers(spec)]
    if limits and all(limits):
        sizes.append(sum(_bytes(x) or 0 for x in limits))
    known = [s for s in sizes if s is not None]
    return bool(known) and min(known) <= SHM_BYTES


def _gpu_count(container: Mapping[str, Any]) -> int:
    res = mapping(container.get("resources"))
    for key in ("limits", "requests"):
        value = mapping(res.get(key)).get("nvidia.com/gpu")
        if value is not None:
            try:
                return int(str(value))
            except ValueError:
                return 1
    return 0


def _words(container: Mapping[str, Any]) -> str:
    return " ".join(strings(container.get("command")) + strings(container.get("args")))


def _clone_target(container: Mapping[str, Any]) -> str | None:
    """The directory an init container's `git clone` clones into ('' when git picks it), None when it does not clone."""
    command = strings(container.get("command"))
    args = strings(container.get("args"))
    words = command + args
    candidates: list[list[str]] = []
    if words and _GIT.search(words[0]):
        candidates.append(words)
    elif not command and args and args[0] == "clone" and "git" in str(container.get("image") or ""):
        candidates.append(["git", *args])  # an image whose entrypoint is git (alpine/git)
    for i, w in enumerate(words):
        if w in ("-c", "-lc") and i + 1 < len(words):
            candidates += segments(words[i + 1])
    for seg in candidates:
        if len(seg) > 2 and _GIT.search(seg[0]) and seg[1] == "clone":
            rest, skip = [], False
            for w in seg[2:]:
                if skip:
                    skip = False
                elif w in _CLONE_VALUE_FLAGS:
                    skip = True
                elif not w.startswith("-"):
                    rest.append(w)
            return rest[1] if len(rest) > 1 else ""
    return None


_CLONE_VALUE_FLAGS = {"-b", "--branch", "--depth", "-c", "--config", "-o", "--origin", "--reference", "-j", "--jobs", "--filter"}
