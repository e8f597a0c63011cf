"""Substitute placeholders everywhere a step carries text, and validate what comes out.

Rendering is pure: a Lesson and values in, a rendered Lesson and the list of
placeholders that could not be filled out. Names that are not valid Kubernetes
names after rendering are errors at their line; undeclared placeholders are
reported, never silently left in a manifest (steps that still hold one are
flagged so that nothing applies them).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from runner.core.errors import UsageError
from runner.lesson import placeholders as ph
from runner.lesson.model import Lesson, Step, StepType
from runner.syntax.k8s import K8sObject
from runner.syntax.shell import heredoc
from runner.syntax.yaml import read_yaml

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_KINDS = {"Service", "Namespace", "Job", "CronJob"}  # names used as label values / DNS labels
PATH_SEGMENT_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}  # named by path segments


@dataclass(frozen=True)
class Unresolved:
    """A placeholder left in a step after rendering."""

    name: str
    path: str
    line: int
    step_index: int
    suggestion: str | None  # a declared placeholder this is probably a typo of
    known: bool = False  # the lesson has this placeholder (declared, or found in its text): only its value is missing
    user_name: bool = False  # it is the user name (`<username>`, `<yourUsername>`): --user fills it

    def message(self) -> str:
        if self.suggestion:
            return f"placeholder `<{self.name}>` is not declared: did you mean `<{self.suggestion}>`?"
        if self.user_name:
            return f"no value for `<{self.name}>` (the user name): give --user"
        if self.known:
            return f"no value for `<{self.name}>`: give {set_flag(self.name)}"
        return f"placeholder `<{self.name}>` is not declared (not declared by the lesson)"


def set_flag(name: str) -> str:
    """The `--set` that fills a placeholder, quoted when the fill-in has spaces."""
    return f'--set "{name}=…"' if " " in name else f"--set {name}=…"


@dataclass(frozen=True)
class Rendered:
    lesson: Lesson
    values: Mapping[str, str]
    unresolved: tuple[Unresolved, ...]

    def blocking(self) -> list[Unresolved]:
        """Unresolved placeholders in steps that would run (manifests, commands, files, checks)."""
        runnable = {s.index for s in self.lesson.steps if s.runnable}
        return [u for u in self.unresolved if u.step_index in runnable]


def parse_sets(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--set name=value` options into a mapping."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().strip("<>")
        if not sep or not key:
            raise UsageError(f"--set expects name=value, got '{pair}'")
        out[key] = value
    return out


def values_for(lesson: Lesson, user: str | None, sets: Mapping[str, str], require: bool = True) -> dict[str, str]:
    """The placeholder values of a run: --user, --set, then defaults; required ones must be given (unless `require` is off, as for `show`)."""
    values: dict[str, str] = {}
    if user is not None:
        if not DNS_LABEL.match(user) or len(user) > 40:
            raise UsageError(
                f"--user '{user}' must be lower-case letters, digits and '-' (at most 40), as it becomes part of object names"
            )
        values[ph.USER_NAME] = user
    for p in lesson.meta.placeholders:
        if p.name in sets:
            values[p.name] = sets[p.name]
        elif p.name not in values and p.default is not None:
            values[p.name] = p.default
    for name, value in sets.items():
        values[name] = value  # one that the lesson does not use is only a warning (`unused_sets`): a docs CI sets many
    missing = [p.name for p in lesson.meta.placeholders if p.required and p.name not in values]
    if missing and require:
        flag = ["--user" if m == "username" else f"--set {m}=..." for m in missing]
        raise UsageError(f"missing value for {', '.join('<' + m + '>' for m in missing)}: give {' and '.join(flag)}")
    return values


def unused_sets(lesson: Lesson, sets: Mapping[str, str]) -> list[str]:
    """`--set` names the lesson does not use (a warning: one set of values serves many tutorials).

    A spelling of the user name (`--set yourUsername=bob`) is the user name, which every lesson has.
    """
    used = bare_words(lesson, sets)
    return [
        name
        for name in sets
        if not ph.fills_user_name(name, lesson.declared) and lesson.placeholder(name) is None and name not in used
    ]


def bare_words(lesson: Lesson, values: Mapping[str, str]) -> dict[str, str]:
    """`--set YOUR_NAME=team1` where the text writes the fill-in bare (`kubectl create namespace YOUR_NAME`): the
    words to replace wherever a step has them, as whole words.

    Only a name the lesson does not declare, and that reads as a fill-in rather than an ordinary word: it has a capital
    letter, a digit or an underscore (`YOUR_NAME`, `schulungXXwork`, `PASTE_TOKEN_HERE`), or asks to be changed
    (`yourname`). `$YOUR_NAME` stays a shell variable (a `--set` gives those to the run's shell).
    """
    out: dict[str, str] = {}
    for name, value in values.items():
        if name == ph.USER_NAME or lesson.placeholder(name) is not None or not _BARE_NAME.fullmatch(name):
            continue
        if not (re.search(r"[A-Z0-9_]", name) or ph.asks_to_change(name)):
            continue
        word = _bare_word(name)
        texts = [t for s in lesson.steps for t in (s.text, s.command or "") if t]
        variable = re.compile(rf"\$\{{?{re.escape(name)}\b|(?<![\w-]){re.escape(name)}=")
        if any(variable.search(t) for t in texts):
            continue  # `export DOCKER_REPO=…`, `$DOCKER_REPO`: a shell variable, which --set gives the run's shell
        if any(word.search(t) for t in texts):
            out[name] = value
    return out


_BARE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]")


def _bare_word(name: str) -> re.Pattern[str]:
    if _MASK.fullmatch(name):  # `stuXX`, `userNN`: a mask of one letter stands inside a word, next to no other capital
        return re.compile(rf"(?<![A-Z$<{{]){re.escape(name)}(?![A-Z>}}])")
    return re.compile(rf"(?<![\w$<{{.-]){re.escape(name)}(?![\w>}}-])")


_MASK = re.compile(r"([A-Z])\1+")  # XX, NNN: the student number written as a mask


def render(lesson: Lesson, values: Mapping[str, str]) -> Rendered:
    declared = lesson.declared
    unresolved: list[Unresolved] = []
    steps: list[Step] = []
    user = values.get(ph.USER_NAME) if lesson.meta.bare_username else None
    every = {p.name for p in lesson.meta.placeholders}
    words = bare_words(lesson, values)
    for step in lesson.steps:
        new, left = _render_step(_fill_words(step, words) if words else step, values, declared, every, user)
        steps.append(new)
        unresolved.extend(left)
    meta = replace(lesson.meta, requires=tuple(substitute(r, values, declared=declared) for r in lesson.meta.requires))
    return Rendered(replace(lesson, meta=meta, steps=tuple(steps)), dict(values), tuple(unresolved))


def _fill_words(step: Step, words: Mapping[str, str]) -> Step:
    """A step with the bare fill-ins a `--set` names replaced (see `bare_words`)."""

    def fill(text: str | None) -> str | None:
        if not text:
            return text
        for name, value in words.items():
            text = _bare_word(name).sub(value.replace("\\", "\\\\"), text)  # (the value as it is, no group references)
        return text

    return replace(step, text=fill(step.text) or "", command=fill(step.command), file=fill(step.file))


def value_of(name: str, values: Mapping[str, str], declared: Collection[str]) -> str | None:
    """The value of `<name>`: its own (`--set`, a default), else --user's when its name reads as the user name
    (`<yourUsername>`) and the lesson does not declare it as a value of its own."""
    if name in values:
        return values[name]
    return values.get(ph.USER_NAME) if ph.fills_user_name(name, declared) else None


def substitute(
    text: str, values: Mapping[str, str], bare_user: str | None = None, declared: Collection[str] = (ph.USER_NAME,)
) -> str:
    """`<name>` (and `<words of a fill-in>`) replaced by their values, spellings of the user name by --user's;
    with `bare_user`, the word `username` in names too."""

    def fill(m: re.Match[str]) -> str:
        value = value_of(m.group(1), values, declared)
        return m.group(0) if value is None else value

    out = ph.FILL_IN.sub(fill, text)
    if bare_user:
        out = BARE_USERNAME.sub(lambda m: m.group(0).replace("username", bare_user), out)
    return out


# `pod-username`, `vectordb-example-username`, `username-data`: the word as one dash-separated part of a name
BARE_USERNAME = re.compile(
    r"(?<![\w<.$/-])(?:[a-z0-9]+-)+username(?:-[a-z0-9]+)*(?![\w>])|(?<![\w<.$/-])username(?:-[a-z0-9]+)+(?![\w>])"
)


def _render_step(
    step: Step, values: Mapping[str, str], declared: list[str], every: set[str], bare_user: str | None = None
) -> tuple[Step, list[Unresolved]]:
    left: list[Unresolved] = []
    first = step.content_line or step.line
    if step.type in (StepType.OTHER, StepType.FRAGMENT):
        return step, left  # shown, never run: rendered text but no complaints
    for occ in ph.find(step.text, first if step.type is not StepType.CHECK else step.line, fill_ins=True):
        if value_of(occ.name, values, declared) is None and occ.name not in ph.RUNTIME:
            near = ph.near_miss(occ.name, declared)
            user_name = near is None and ph.fills_user_name(occ.name, declared)
            known = near is None and (occ.name in every or user_name)
            left.append(Unresolved(occ.name, step.path, occ.line, step.index, near, known, user_name))

    def sub(s: str | None) -> str | None:
        return substitute(s, values, bare_user, declared) if s else s

    changes: dict[str, Any] = {
        "text": sub(step.text),
        "command": sub(step.command),
        "pod": sub(step.pod),
        "file": sub(step.file),
        "instead": sub(step.instead),
        "reason": sub(step.reason),
        "check_args": tuple((k, substitute(v, values, bare_user, declared)) for k, v in step.check_args),
    }
    blocked = {u.line for u in left}
    if step.type in (StepType.MANIFEST, StepType.FILE) and changes["text"]:
        asked = [c for c in _comment_values(changes["text"]) if ph.asks_to_change(c)]
        if asked:  # `name: ## Replace here by a suitable pod name ##`: YAML reads null; the reader writes the value
            changes["requires"] = tuple(dict.fromkeys((*step.requires, *(f"fill:{c}" for c in asked))))
    objects: tuple[K8sObject, ...] = ()
    if step.type is StepType.MANIFEST:
        # `host: $username.example.org` ("replace $username with your username") in a block the run applies itself:
        # nothing expands a variable there, so it is the reader's to fill, as `<username>` is (--user, or --set NAME);
        # a whole value no one gives (`metadata: $podMetadata`) leaves a blueprint, not a file to apply
        if step.apply:  # (a file a command applies may go through `envsubst`, which fills it from the shell's variables)
            changes["text"] = _DOLLAR.sub(lambda m: value_of(m.group(1), values, declared) or m.group(0), changes["text"])
        blanks = [a or b for a, b in _DOLLAR_VALUE.findall(changes["text"])] if step.apply else []
        if blanks:
            changes["requires"] = tuple(dict.fromkeys((*changes.get("requires", step.requires), *(f"fill:${b}" for b in blanks))))
        result = read_yaml(changes["text"], first)
        if result.error:
            return _invalid(
                step,
                changes,
                f"manifest no longer parses after substituting placeholders: {result.error}",
                result.error_line or step.line,
            ), left
        changes["objects"] = objects = result.objects
        if result.braced:  # `request: {BASE64_csr}`: the reader writes their own value there
            changes["requires"] = tuple(
                dict.fromkeys((*changes.get("requires", step.requires), *(f"fill:{b}" for b in result.braced)))
            )
    elif step.type is StepType.COMMAND and changes["command"] and (doc := heredoc(changes["command"])):
        result = read_yaml(doc.given, step.line + doc.first_line)
        objects = () if result.error else result.objects
    for obj in objects:
        why = _bad_name(obj.kind, obj.name, obj.generate_name)
        shown = obj.name if obj.name is not None else obj.generate_name or ""
        if why and "$" in shown:  # `${PIPELINE_NAME}-${TIMESTAMP}`: a template the shell (envsubst) fills, not a name yet
            continue
        if why and ph.asks_to_change(shown):  # `ChangeNameHere`, `PodName  <---- change here`: a fill-in, not a typo
            changes["requires"] = tuple(dict.fromkeys((*changes.get("requires", step.requires), f"fill:{shown}")))
            continue
        if why and obj.name_line not in blocked:  # an unresolved placeholder is reported on its own
            return _invalid(step, changes, why, obj.name_line), left
    return replace(step, **changes), left


# `$name`, `${name}` in a file's text (not `$$`, not `$(…)`)
_DOLLAR = re.compile(r"(?<![$\w\\])\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
# a YAML value, or a list item, that is only a variable: `metadata: $podMetadata`, `- ${ARGS}`
_DOLLAR_VALUE = re.compile(
    r"^[ \t]*(?:-[ \t]+)?[\w.\-/]+:[ \t]+\$\{?([A-Za-z_]\w*)\}?[ \t]*(?:#.*)?$|^[ \t]*-[ \t]+\$\{?([A-Za-z_]\w*)\}?[ \t]*$",
    re.M,
)


# a value that is only a comment asking for it: `name: ## Replace here by a suitable pod name ##`, `image: # your image`
_COMMENT_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)?[\w.\-/]+:[ \t]+#+[ \t]*(.*?)[ \t#]*$", re.M)


def _comment_values(text: str) -> list[str]:
    """The comments that stand where a value should be: `name: ## Replace here ##` with nothing indented under it
    (`data: # Change data` over a nested mapping is a remark, not a blank)."""
    lines = text.split("\n")
    out = []
    for n, line in enumerate(lines):
        m = _COMMENT_VALUE.match(line)
        if not m:
            continue
        rest = next((x for x in lines[n + 1 :] if x.strip()), "")
        indent = len(line) - len(line.lstrip(" -"))
        if not rest or len(rest) - len(rest.lstrip(" -")) <= indent:
            out.append(m.group(1).strip())
    return out


def _invalid(step: Step, changes: dict[str, Any], error: str, line: int) -> Step:
    """The step as an invalid one: shown in the plan, failing when a run reaches it (errors are data, not a refusal)."""
    return replace(step, **changes, type=StepType.INVALID, error=error, error_line=line, original_type=step.type.value)


def _bad_name(kind: str, name: str | None, generate: str | None) -> str | None:
    """Why an object's name (after rendering) is not a valid Kubernetes name, or None."""
    why = name_problem(kind, name if name is not None else (generate or "") + "x")
    if why is None:
        return None
    return f"{kind} name '{name if name is not None else generate}' is not a valid Kubernetes name ({why})"


def name_problem(kind: str, value: str) -> str | None:
    """What the API server requires of a `kind`'s name that `value` lacks, or None: the one rule lint and render use.

    Most kinds take a DNS subdomain; those whose names become label values or DNS names take a DNS label; RBAC
    objects take a path segment (`system:aggregate-to-edit`, `cloud:service`: ValidateRBACName).
    """
    if kind in PATH_SEGMENT_KINDS:
        bad = value in (".", "..") or "/" in value or "%" in value
        return "a path segment: not '.' or '..', no '/' or '%'" if bad else None
    pattern, what = (DNS_LABEL, "a DNS label") if kind in LABEL_KINDS else (DNS_SUBDOMAIN, "a DNS subdomain")
    limit = 63 if kind in LABEL_KINDS else 253
    if not pattern.match(value) or len(value) > limit:
        return f"{what}: lower-case letters, digits, '-', at most {limit}"
    return None
