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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from runner.effects import HOST_TYPES, Call, Effect, Effects, Manifest
from runner.lesson import placeholders as ph
from runner.lesson.model import Lesson, Step, StepType
from runner.syntax.k8s import HASHED_POD_OWNERS, Container, get_path, pod_spec_path
from runner.syntax.shell import split_commands

HASH_SUFFIX = re.compile(r"^(?P<base>.+)-<hash>$")
# an Indexed Job's pods are NAME-INDEX-HASH: `c-<username>-<index>-<hash>`, `c-<username>-0-<hash>`
INDEX_SUFFIX = re.compile(r"^(?P<base>.+)-(?:\d+|<[A-Za-z][\w.-]*>)$")
SHELL_EXPANSION = re.compile(r"[$`*?\[\]{}]")


@dataclass(frozen=True)
class Workload:
    """A Pod, or an object with a pod template (Job, Deployment...)."""

    manifest: Manifest
    spec_path: tuple
    spec: Mapping[str, Any]
    containers: tuple[Container, ...]  # init containers first

    @property
    def kind(self) -> str:
        return self.manifest.obj.kind


@dataclass
class LessonFacts:
    """What lint rules ask of a lesson as written: its effects (names normalized), workloads, files."""

    lesson: Lesson

    @cached_property
    def effects(self) -> Effects:
        return Effects(self.lesson, self.norm)

    @cached_property
    def declared(self) -> list[str]:
        return self.lesson.declared

    def norm(self, text: str) -> str:
        """`text` with spellings of the user name and near misses of declared placeholders replaced by the placeholder they mean."""

        def fix(m: re.Match) -> str:
            name = m.group(1)
            if name in self.declared or name in ph.RUNTIME:
                return m.group(0)
            if ph.fills_user_name(name, self.declared):
                return f"<{ph.USER_NAME}>"  # `pod-<yourUsername>` is `pod-<username>`
            near = ph.near_miss(name, self.declared)
            return f"<{near}>" if near else m.group(0)

        return ph.PLACEHOLDER.sub(fix, text)

    # ---- manifests ---------------------------------------------------------------------------

    def unfilled(self, name: str) -> bool:
        """True when `name` holds a placeholder that nothing fills (not declared, not a near miss, not runtime),
        or is nothing but one the reader fills (`kubectl logs <pod-name>`): there is no name to look up."""
        whole = ph.PLACEHOLDER.fullmatch(name)
        if whole and whole.group(1) != "username" and (p := self.lesson.placeholder(whole.group(1))) and p.default is None:
            return True
        for m in ph.PLACEHOLDER.finditer(name):
            n = m.group(1)
            if n not in self.declared and n not in ph.RUNTIME and not ph.near_miss(n, self.declared):
                return True
        return False

    @property
    def manifests(self) -> list[Manifest]:
        return self.effects.manifests

    @property
    def heredocs(self) -> dict[int, tuple[Manifest, ...]]:
        return self.effects.heredocs

    @cached_property
    def workloads(self) -> list[Workload]:
        out = []
        for m in self.manifests:
            spec_path, spec = pod_spec_path(m.obj.kind), m.obj.pod_spec
            if spec_path is not None and spec is not None:
                out.append(Workload(m, spec_path, spec, tuple(m.obj.containers(init=None))))
        return out

    def workload(self, name: str, before: int | None = None) -> Workload | None:
        """The Pod or Job (etc.) called `name` (a pod of a Job: `NAME-<hash>`), the last one defined before a step."""
        name = self.norm(name)
        base = HASH_SUFFIX.match(name)
        matches = [
            w
            for w in self.workloads
            if self.norm(w.manifest.name) == name
            or (base and self.norm(w.manifest.name) == base.group("base") and w.kind in HASHED_POD_OWNERS)
        ]
        if before is not None:
            earlier = [w for w in matches if w.manifest.step.index <= before]
            if earlier:
                return earlier[-1]
        return matches[0] if matches else None

    # ---- commands ----------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self.effects.calls

    def step_calls(self, step: Step) -> list[Call]:
        return self.effects.step_calls(step)

    def segments(self, text: str) -> list[list[str]]:
        return self.effects.segments(text)

    # ---- files -------------------------------------------------------------------------------

    @property
    def shown_files(self) -> dict[str, list[Step]]:
        return self.effects.shown_files

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
            if step.type in HOST_TYPES:
                out |= self.effects.files_made(step)
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
        return self.effects.file_manifests(name, before)

    # ---- object events -----------------------------------------------------------------------

    @cached_property
    def unknown_applied_files(self) -> list[tuple[str, int]]:
        """Files a command applies that the tutorial never shows: (name, line)."""
        out = []
        for c in self.calls:
            if c.call.verb in ("create", "apply", "replace") and not c.dry_run:
                for f in c.call.files:
                    if (
                        _checkable_file(f)
                        and self.file_manifests(f, c.step.index) is None
                        and not self.file_known(f, c.step.index)
                    ):
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

    def looks_like(self, name: str) -> tuple[Effect, str] | None:
        """A created object `name` is the name of with a literal username (and maybe a pod hash): (creation, the word used)."""
        for created, events in self.creations.items():
            if "<username>" not in created:
                continue
            pattern = (
                "^" + re.escape(created).replace(re.escape("<username>"), "(?P<user>[a-z0-9]+)") + r"(?P<hash>-[a-z0-9]{5})?$"
            )
            m = re.match(pattern, name)
            if (m and m.group("user") != "username") or (m and m.group("hash")):
                return events[0], m.group("user")
        return None

    @property
    def events(self) -> list[Effect]:
        return self.effects.events

    @property
    def creations(self) -> dict[str, list[Effect]]:
        return self.effects.creations

    def kinds_named(self, name: str) -> set[str]:
        return self.effects.kinds_named(name)


def get(data: Any, path: tuple[Any, ...]) -> Any:
    return get_path(data, path)


def _checkable_file(name: str) -> bool:
    return (
        bool(re.search(r"\.(ya?ml|json)$", name))
        and not name.startswith(("http://", "https://"))
        and not SHELL_EXPANSION.search(name)
        and "<" not in name
    )


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
