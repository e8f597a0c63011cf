"""What a check is, as data: its name, summary, parameters, the kinds it reads, and whether it is a final-state check.

A check's spec is made once, by `@check(...)`, next to its function (kopf's
handler records are the model). Because the spec knows each parameter's type,
arguments are validated and converted in one place, `CheckSpec.bind`, with the
same words wherever they are read: a run and a grade (before the function
runs), lint (at the annotation's line, before any cluster), `tutorial checks`
(the catalogue) and `tutorial new` (its suggestions). No check hand-writes
"needs pod=NAME" any more, and `completions=four` is a usage error, not a
crashed check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.core.errors import LessonError
from runner.core.results import CheckResult, Evidence, error, failed
from runner.kube.errors import NotFound
from runner.lesson.annotations import parse_duration
from runner.lesson.placeholders import PLACEHOLDER, near_miss

# a parameter's type: what it holds, how it is written in an annotation, and how it is read
TYPES = {
    "object": "NAME",  # the name of an object of `kind` (a pod, a Job, a claim …) the lesson makes
    "prefix": "PREFIX",  # a generateName prefix of objects of `kind`
    "container": "CONTAINER",  # a container's name
    "path": "PATH",  # an absolute path inside a container
    "paths": "PATH[,PATH...]",  # files relative to a volume's root
    "names": "NAME[,NAME...]",  # keys, names: a comma-separated list
    "int": "N",  # a whole number, 0 or more
    "number": "NUMBER",  # a decimal number
    "duration": "DURATION",  # seconds, or 90s / 2m / 1h
    "bool": "true|false",
    "text": "TEXT",  # any text (shell quoting keeps spaces)
}
_DNS_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
_PREFIX = re.compile(r"[a-z0-9][-a-z0-9.]*")
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Param:
    """One argument of a check annotation (`pod=s1-<username>`)."""

    name: str
    type: str
    help: str
    required: bool = False
    default: Any = None
    kind: str | None = None  # for `object`: the kind the name is looked up as (a pod may also be a Job's pod)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"parameter {self.name}: unknown type {self.type!r} (types: {', '.join(TYPES)})")

    @property
    def usage(self) -> str:
        word = f"{self.name}={TYPES[self.type]}"
        return word if self.required else f"[{word}]"

    def convert(self, raw: Any) -> Any:
        """The value as the check uses it; ValueError (with the words a lesson author reads) when it is not one."""
        if not isinstance(raw, str):  # already converted (a check called twice, or from Python)
            return raw
        value = raw.strip()
        if self.type in ("int", "number"):
            try:
                number = int(value) if self.type == "int" else float(value)
            except ValueError:
                raise ValueError(f"is not a {'whole number' if self.type == 'int' else 'number'}") from None
            if self.type == "int" and number < 0:
                raise ValueError("must be 0 or more")
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError("is not a finite number")
            return number
        if self.type == "duration":
            try:
                return parse_duration(value, "", 0)
            except LessonError as exc:
                raise ValueError(str(exc).split(": ", 1)[-1].replace("cannot read duration", "is not a duration")) from None
        if self.type == "bool":
            if value.lower() in _TRUE | _FALSE:
                return value.lower() in _TRUE
            raise ValueError("must be true or false")
        if self.type in ("names", "paths"):
            items = [v.strip() for v in value.split(",") if v.strip()]
            if not items:
                raise ValueError("names nothing")
            return tuple(v.strip("/") for v in items) if self.type == "paths" else tuple(items)
        if not value:
            raise ValueError("is empty")
        if self.type == "path" and not value.startswith("/"):
            raise ValueError("must be an absolute path (start with /)")
        if self.type in ("object", "container") and not PLACEHOLDER.search(value) and not _DNS_NAME.fullmatch(value):
            raise ValueError("is not a Kubernetes name (lower-case letters, digits, - and .)")
        if self.type == "prefix" and not PLACEHOLDER.search(value) and not _PREFIX.fullmatch(value):
            raise ValueError("is not a generateName prefix (lower-case letters, digits, - and .)")
        return value


@dataclass(frozen=True)
class ArgProblem:
    """What is wrong with one annotation's arguments, in the words lint, run and grade all print."""

    message: str
    param: str | None = None


class CheckArgs(Mapping[str, Any]):
    """A check's arguments, converted to their types, with the defaults of those not given.

    `args["pod"]` of a required parameter is always there; `args.get("key")` of
    an optional one is its default (None when it has none).
    """

    def __init__(self, values: Mapping[str, Any], given: frozenset[str]):
        self._values = dict(values)
        self.given = given  # the names the annotation wrote (a default is not "given")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: the function, and everything known about it without running it."""

    name: str
    fn: Callable[..., CheckResult] = field(repr=False, compare=False)
    summary: str
    params: tuple[Param, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of which at least one must be given (`pod` or `job`)
    reads: tuple[str, ...] = ()  # the kinds it reads (for docs, and rights a grader needs)
    final: bool = False  # a final-state check ("left nothing running"): true of an empty namespace too
    module: str = ""
    points: int = 1  # what `tutorial new` gives it in the rubric it writes (an instructor changes it there)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def usage(self) -> str:
        """`pvc-bound claim=NAME [class=NAME] ...`: how an annotation calls it."""
        words = [self.name]
        for group in self.one_of:
            words.append("(" + " | ".join(f"{p.name}={TYPES[p.type]}" for p in self.params if p.name in group) + ")")
        grouped = {n for g in self.one_of for n in g}
        words += [p.usage for p in self.params if p.name not in grouped]
        return " ".join(words)

    def problems(self, args: Mapping[str, Any], *, typed: bool = True) -> list[ArgProblem]:
        """What is wrong with `args` (unknown, missing, wrong type). `typed=False` skips values holding a placeholder
        (lint reads a lesson before rendering it: `completions=<n>` is only known in a run)."""
        out: list[ArgProblem] = []
        names = self.param_names
        for key in args:
            if key not in names:
                close = near_miss(key, list(names))
                hint = f"did you mean '{close}'? " if close else ""
                out.append(
                    ArgProblem(
                        f"check '{self.name}' takes no argument '{key}' ({hint}it takes: {', '.join(names) or 'none'})", key
                    )
                )
        for p in self.params:
            if p.required and p.name not in args:
                out.append(
                    ArgProblem(f"check '{self.name}' needs {p.name}={TYPES[p.type]} ({p.help}); usage: {self.usage}", p.name)
                )
        for group in self.one_of:
            if not any(n in args for n in group):
                either = " or ".join(f"{p.name}={TYPES[p.type]}" for p in self.params if p.name in group)
                out.append(ArgProblem(f"check '{self.name}' needs {either}; usage: {self.usage}", group[0]))
        for p in self.params:
            if p.name not in args:
                continue
            raw = args[p.name]
            if not typed and isinstance(raw, str) and PLACEHOLDER.search(raw):
                continue
            try:
                p.convert(raw)
            except ValueError as exc:
                out.append(ArgProblem(f"check '{self.name}': {p.name}={_short(str(raw))} {exc}", p.name))
        return out

    def bind(self, args: Mapping[str, Any]) -> CheckArgs:
        """Converted arguments with defaults; ValueError with every problem when they are not valid."""
        found = self.problems(args)
        if found:
            raise ValueError("; ".join(p.message for p in found))
        values = {p.name: p.default for p in self.params}
        values.update({p.name: p.convert(args[p.name]) for p in self.params if p.name in args})
        return CheckArgs(values, frozenset(k for k in args if k in values))

    def __call__(self, **context: Any) -> CheckResult:
        """Run the check: its arguments are validated and converted first; a bad annotation is an error result that says what to write."""
        try:
            args = self.bind(context.get("args") or {})
        except ValueError as exc:
            return error(str(exc))
        try:
            return self.fn(**{**context, "args": args})
        except Missing as exc:  # `need(...)`: the object is missing, said the same way by every check
            return exc.result()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "usage": self.usage,
            "final": self.final,
            "points": self.points,
            "reads": list(self.reads),
            "one_of": [list(g) for g in self.one_of],
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "required": p.required,
                    **({"default": p.default} if p.default is not None else {}),
                    **({"kind": p.kind} if p.kind else {}),
                    "help": p.help,
                }
                for p in self.params
            ],
        }


def summary_of(fn: Callable[..., Any]) -> str:
    doc = (fn.__doc__ or "").strip()
    return doc.split("\n\n", 1)[0].replace("\n", " ").strip() if doc else ""


def _short(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


class Missing(NotFound):
    """The object a check reads does not exist: a failed check ("not yet") whose hint says what to make."""

    def __init__(self, kind: str, name: str, hint: str):
        super().__init__(f"no {kind} {name}")
        self.kind, self.name, self.hint = kind, name, hint

    def result(self) -> CheckResult:
        return failed(str(self), self.hint, Evidence(f"kubectl get {self.kind.lower()} {self.name}", ("NotFound",)))


def need(probe, kind: str, name: str, hint: str) -> Any:
    """The object, or `Missing` (the caller's `evaluate` turns it into the failed result with that hint and evidence)."""
    obj = probe.get(kind, name)
    if obj is None:
        raise Missing(kind, name, hint)
    return obj


# ---- the parameters checks share, spelled once ------------------------------------------------------------------


def pod(help: str = "the pod (or a Job whose pod is meant)", required: bool = True) -> Param:
    return Param("pod", "object", help, required, kind="Pod")


def job(help: str = "the Job", required: bool = True) -> Param:
    return Param("job", "object", help, required, kind="Job")


def claim(help: str = "the PersistentVolumeClaim", required: bool = True) -> Param:
    return Param("claim", "object", help, required, kind="PersistentVolumeClaim")


def generate_name(help: str = "instead of job: the newest Job made from this generateName prefix") -> Param:
    return Param("generate-name", "prefix", help, kind="Job")


def container(help: str = "the container (default: the pod's first)") -> Param:
    return Param("container", "container", help)


def timeout(default: float, what: str = "the object to be ready") -> Param:
    return Param("timeout", "duration", f"how long to wait for {what} (a grade looks once)", default=default)
