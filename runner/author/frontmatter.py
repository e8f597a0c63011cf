"""The front matter `tutorial new` writes: id, title, placeholders (as the prose describes them), requirements, rubric.

A page that has front matter of its own (Hugo, Jekyll, MkDocs) keeps it line
for line; our keys are added at its end, except those it already has (a
page's `title` stays its title).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from runner.author.layout import Insertion, Layout
from runner.effects import Effects
from runner.lesson import placeholders as ph
from runner.lesson.model import Lesson
from runner.plan.build import object_requirements
from runner.syntax.k8s import pod_spec
from runner.syntax.yaml import YamlInvalid
from runner.syntax.yaml import load as yaml_load

_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\\\n|\n")


@dataclass(frozen=True)
class FoundPlaceholder:
    name: str
    line: int
    description: str  # what the prose says about it ("" when it says nothing)


def found_placeholders(lesson: Lesson, layout: Layout) -> list[FoundPlaceholder]:
    """`<name>`s of the steps (username first), each with the sentence of the prose that talks about it."""
    seen: dict[str, int] = {"username": 0}
    for step in lesson.steps:
        for occ in ph.find(step.text or step.command or "", step.line):
            if occ.name in ph.RUNTIME or occ.name in seen or ph.reads_as_user_name(occ.name):
                continue  # `<yourUsername>` is the user name, declared already
            if occ.name != "username" and ph.near_miss(occ.name, ["username"]):
                continue  # a typo of <username>: the text must be fixed, not the name declared
            seen[occ.name] = occ.line
    return [FoundPlaceholder(name, line, _described(name, layout)) for name, line in seen.items()]


_REPLACE = re.compile(r"\b(replace|substitute|change|fill in|your own|put your|with your)\b", re.I)


def _described(name: str, layout: Layout) -> str:
    """The sentence that tells the reader what to put for `name` (one that says to replace it, else the first that names it)."""
    spellings = (f"<{name}>", f"“{name}”", f'"{name}"', f"'{name}'", f"`{name}`")
    bare = re.compile(rf"(?<![\w<`-]){re.escape(name)}(?![\w>`-])")
    named: list[str] = []
    for block in layout.prose:
        for sentence in _SENTENCE.split(block.text):
            # code spans are commands and names, not the prose: only `name` and `<name>` alone count
            plain = re.sub(r"`[^`]*`", lambda m: m.group(0) if m.group(0) in (f"`{name}`", f"`<{name}>`") else "", sentence)
            if not any(s in plain for s in spellings) and not bare.search(plain):
                continue
            tidy = re.sub(r"\s+", " ", sentence).strip().rstrip(";,")
            if _REPLACE.search(plain):
                return tidy
            named.append(tidy)
    return named[0] if named and name != "username" else ""


def requirements(effects: Effects) -> list[str]:
    """What the cluster must offer: the storage classes the claims ask for, and GPUs."""
    created = set(effects.created())
    out: list[str] = []
    for m in effects.manifests:
        for req in object_requirements(m.obj, created):
            if (req == "gpu" or req.startswith("storage-class:")) and req not in out:
                out.append(req)
    return out


def partial_requirements(effects: Effects) -> dict[str, list[tuple[str, int]]]:
    """Requirements only some workloads have: requirement -> the workloads (name, line) that do not need it.

    `requires:` is lesson-wide (a cluster without it skips every step), so a
    person should know when only part of the lesson needs it.
    """
    created = set(effects.created())
    classes = {
        m.name: str(((m.obj.body or {}).get("spec") or {}).get("storageClassName") or "")
        for m in effects.manifests
        if m.obj.kind == "PersistentVolumeClaim"
    }
    needs: list[tuple[str, int, set[str]]] = []
    for m in effects.manifests:
        spec = pod_spec(m.obj.body or {})
        if spec is None:
            continue
        wanted = {r for r in object_requirements(m.obj, created) if r == "gpu"}
        for vol in spec.get("volumes") or []:
            claim = (vol.get("persistentVolumeClaim") or {}).get("claimName") if isinstance(vol, dict) else None
            if claim and classes.get(str(claim)):
                wanted.add(f"storage-class:{classes[str(claim)]}")
        needs.append((m.name, m.obj.line, wanted))
    out: dict[str, list[tuple[str, int]]] = {}
    for req in requirements(effects):
        without = [(name, line) for name, line, wanted in needs if req not in wanted]
        if without and len(without) < len(needs):
            out[req] = without
    return out


def meta(
    lesson_id: str, title: str | None, found: list[FoundPlaceholder], requires: list[str], rubric: Mapping[str, int]
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": lesson_id}
    if title:
        data["title"] = title
    placeholders: dict[str, Any] = {}
    for p in found:
        spec: dict[str, Any] = {}
        if p.name != "username":
            spec["required"] = True
        if p.description:
            spec["description"] = p.description
        if spec:
            placeholders[p.name] = spec
    if placeholders:
        data["placeholders"] = placeholders
    if requires:
        data["requires"] = list(requires)
    if rubric:
        data["rubric"] = dict(rubric)
    return data


def to_yaml(data: Mapping[str, Any]) -> list[str]:
    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    return text.rstrip("\n").splitlines()


def insertion(layout: Layout, data: dict[str, Any], source_name: str) -> tuple[Insertion, list[str]]:
    """The front matter lines to add (merged into the page's own when it has one), and the keys it kept."""
    note = f"# written by `tutorial new` from {source_name}: review the checks, step notes and points"
    fm = layout.front_matter
    if fm is None:
        return Insertion(0, ("---", note, *to_yaml(data), "---", ""), order=-100), []
    theirs = _keys(fm.text)
    kept = [k for k in data if k in theirs]
    ours = {k: v for k, v in data.items() if k not in theirs}
    return Insertion(fm.end_line - 1, (note, *to_yaml(ours)), order=-100), kept


def _keys(text: str) -> Iterable[str]:
    try:
        data = yaml_load(text)
    except YamlInvalid:
        return ()
    return list(data) if isinstance(data, dict) else ()
