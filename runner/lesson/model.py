"""The lesson plan as data: what the parser produces and every later stage reads.

Everything here is a frozen dataclass so a plan can travel through render, plan,
execute, check and report without anyone changing it behind another's back.
Each step knows its source path and the 1-based line it came from, because
every message about a step must point at that line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import Any

from runner.syntax.k8s import K8sObject


class StepType(str, enum.Enum):
    """What a block of a tutorial is, which decides what the runner does with it."""

    MANIFEST = "manifest"  # complete Kubernetes object(s): applied
    FRAGMENT = "fragment"  # a piece of an object (a volumes: list): shown, never applied
    COMMAND = "command"  # one shell command on the user's machine
    IN_POD = "in-pod"  # one command typed inside a pod after `kubectl exec -it`
    INTERACTIVE = "interactive"  # needs a person: shell, editor, port-forward
    FILE = "file"  # a local file the reader is asked to create or change
    CHECK = "check"  # a named check with arguments (lesson annotation)
    OTHER = "other"  # Dockerfile, CI workflow, output shown as text: recognised, not run
    INVALID = "invalid"  # a block that does not parse: shown, refuses to run

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Step:
    """One step of a lesson plan.

    A single type with optional fields keeps the JSON plan flat and lets
    `dataclasses.replace` render any step the same way; `type` says which
    fields are meaningful.
    """

    index: int
    type: StepType
    path: str
    line: int  # 1-based line of the command or of the fence opening the block
    id: str
    section: str = ""
    text: str = ""  # the step's source text (command, block content)
    objects: tuple[K8sObject, ...] = ()  # manifest
    file: str | None = None  # manifest/file: the file name the text gives it
    command: str | None = None  # command / in-pod / interactive
    pod: str | None = None  # in-pod: the pod (or Job) the command runs in
    pod_kind: str | None = None  # "Pod" or "Job" (a Job's pod is resolved at run time)
    container: str | None = None
    pod_namespace: str | None = None  # in-pod: the namespace `kubectl exec -it POD -n NS -- sh` entered (None: the run's)
    reason: str | None = None  # why it is interactive / other / skipped
    apply: bool = True  # manifest: the runner applies it (False when a command does)
    expect_failure: bool = False
    wait: str | None = None  # what to wait for after this step (ready, complete, bound, ...)
    timeout: float | None = None  # seconds
    requires: tuple[str, ...] = ()
    instead: str | None = None  # interactive: what to run instead
    skip: str | None = None  # annotated: never run, with this reason
    noqa: tuple[str, ...] = ()  # lint rules silenced on this step
    check: str | None = None  # check step: registered check name
    check_args: tuple[tuple[str, str], ...] = ()
    error: str | None = None  # invalid: the parser's message
    error_line: int | None = None  # invalid: the line of the error itself
    original_type: str | None = None  # invalid after rendering: what the step was (manifest, command)
    content_line: int | None = None  # first line of the block's content
    action: str | None = None  # file: "create" or "update"
    duplicate_of: int | None = None  # index of an identical earlier block
    folder: str | None = None  # command: the folder a transcript's prompt shows it typed in (`~/repo`), if any
    alternative: bool = False  # manifest: the prose before it offers it as another way ("Or like this:", "You could also")

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def runnable(self) -> bool:
        return self.type in (StepType.MANIFEST, StepType.COMMAND, StepType.IN_POD, StepType.FILE, StepType.CHECK)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form; empty optional fields are left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("objects", "check_args", "path"):
                continue
            if value is None or value == () or (f.name == "apply" and self.type is not StepType.MANIFEST):
                continue
            if f.name == "expect_failure" and not value:
                continue
            out[f.name] = value.value if isinstance(value, StepType) else (list(value) if isinstance(value, tuple) else value)
        if self.type is StepType.MANIFEST:
            out["objects"] = [
                {
                    k: v
                    for k, v in (("kind", o.kind), ("name", o.name), ("generateName", o.generate_name), ("line", o.line))
                    if v is not None
                }
                for o in self.objects
            ]
            first = self.objects[0]
            out["kind"] = first.kind
            if first.name is not None:
                out["name"] = first.name
            if first.generate_name is not None:
                out["generateName"] = first.generate_name
            out.setdefault("file", None)
        if self.check_args:
            out["args"] = dict(self.check_args)
        return out


@dataclass(frozen=True)
class Placeholder:
    """A value the lesson expects: `<username>` from --user, others from --set or a default."""

    name: str
    default: str | None = None
    required: bool = False
    description: str = ""
    found: bool = False  # found in the text of a tutorial as published (not declared): any `--set` fills it


DEFAULT_POINTS = 1.0  # a check the rubric does not name


@dataclass(frozen=True)
class RubricItem:
    """How many points a check (by name) or step (by id) is worth when grading."""

    check: str
    points: float = 1.0
    line: int = 0  # its line in the front matter (0: not from a file)


@dataclass(frozen=True)
class LessonMeta:
    id: str
    title: str
    description: str = ""
    placeholders: tuple[Placeholder, ...] = ()
    requires: tuple[str, ...] = ()
    rubric: tuple[RubricItem, ...] = ()
    shared_namespace: bool = True
    quota: bool = False
    pod_security: str | None = None  # the strictest Pod Security level its pods pass (front matter); None: not said
    annotated: bool = False  # the lesson has our front matter (written for this tool)
    bare_username: bool = False  # the prose says to replace the word "username": `pod-username` is rendered with the user
    files_named: tuple[str, ...] = ()  # file names the prose mentions ("change the username in the pod-awscli.yaml file")
    files_opened: tuple[str, ...] = ()  # files the prose has the reader open ("Open the file `starter/app.yaml`")
    site_files: tuple[str, ...] = ()  # files the page shows from its site, not in its Markdown (`{{< codenew file="…" >}}`)
    repositories: tuple[str, ...] = ()  # repositories (or files beside the page) the prose links to: files' sources
    in_series: bool = (
        False  # one page of an ordered series (a site's `weight:`, "in the previous lab"): earlier pages made things
    )


@dataclass(frozen=True)
class Lesson:
    path: str
    meta: LessonMeta
    steps: tuple[Step, ...]

    @property
    def checks(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.type is StepType.CHECK)

    def points(self, step: Step) -> float:
        """What a check step is worth: its rubric entry (by step id, else by check name), 1 when it has none.

        The one scoring rule: `run`, `grade` and `list` all ask here.
        """
        rubric = {r.check: r.points for r in self.meta.rubric}
        return rubric.get(step.id, rubric.get(step.check or "", DEFAULT_POINTS))

    @property
    def max_points(self) -> float:
        return sum(self.points(s) for s in self.checks)

    @property
    def declared(self) -> list[str]:
        """Placeholders declared (by our front matter, or `<username>`), not just found in the text: typos are near misses of these."""
        return [p.name for p in self.meta.placeholders if not p.found]

    def placeholder(self, name: str) -> Placeholder | None:
        return next((p for p in self.meta.placeholders if p.name == name), None)
