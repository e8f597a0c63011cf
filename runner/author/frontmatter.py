"""The front matter `tutorial new` writes: id, title, placeholders (as the prose describes them), requirements, rubric.

A page that has front matter of its own (Hugo, Jekyll, MkDocs, Carpentries)
keeps it line for line, every key of its site as it was; ours are added at
its end under `tutorial-runner:` (see `runner.lesson.frontmatter`), where the
parser reads them strictly and leaves the site's keys to the site.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from runner.author.layout import Insertion, Layout
from runner.effects import Effects
from runner.lesson import placeholders as ph
from runner.lesson.frontmatter import NAMESPACE
from runner.lesson.model import Lesson
from runner.plan.build import object_requirements
from runner.syntax.k8s import get_path, mapping, mappings, pod_spec, scalar
from runner.syntax.yaml import YamlInvalid, read_yaml
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
        m.name: scalar(get_path(m.obj.body, ("spec", "storageClassName"))) or ""
        for m in effects.manifests
        if m.obj.kind == "PersistentVolumeClaim"
    }
    needs: list[tuple[str, int, set[str]]] = []
    for m in effects.manifests:
        spec = pod_spec(m.obj.body)
        if spec is None:
            continue
        wanted = {r for r in object_requirements(m.obj, created) if r == "gpu"}
        for vol in mappings(spec.get("volumes")):
            claim = scalar(mapping(vol.get("persistentVolumeClaim")).get("claimName"))
            if claim and classes.get(claim):
                wanted.add(f"storage-class:{classes[claim]}")
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
    return text.rstrip("\n").split("\n")  # YAML's own line breaks only (a value may hold \u2028, \x85)


def insertion(layout: Layout, data: dict[str, Any], source_name: str) -> Insertion:
    """The front matter lines to add: our keys at the top of a page without front matter, else under `tutorial-runner:`.

    A page's own front matter is the site's (Hugo, Jekyll, MkDocs …): its
    lines stay as they are and ours go after them, nested under one key, so
    that the parser tells ours from the site's without knowing the site. The
    page's own `title` stays the lesson's title, so ours is left out then.
    """
    note = f"# written by `tutorial new` from {source_name}: review the checks, step notes and points"
    fm = layout.front_matter
    if fm is None:
        return Insertion(0, ("---", note, *to_yaml(data), "---", ""), order=-100)
    site = site_front_matter(fm.text)
    ours = {k: v for k, v in data.items() if not (k == "title" and _text(site.get("title")))}
    return Insertion(fm.end_line - 1, (note, *to_yaml({NAMESPACE: ours})), order=-100)


def site_front_matter(text: str) -> dict[Any, Any]:
    """A page's own front matter as data ({} when it has none, or none that is a mapping)."""
    try:
        data = yaml_load(text)
    except YamlInvalid:
        return {}
    return data if isinstance(data, dict) else {}


PAGE_KEYS = frozenset({"id", "title", "description"})  # Docusaurus's and ours: alone, a published page's


def only_page_keys(source: str) -> bool:
    """Front matter of only `id`, `title`, `description` (a Docusaurus page's): a published page to annotate, although
    a lesson may start so too; `new` writes our keys under `tutorial-runner:` beside them."""
    fm = Layout(source).front_matter
    if fm is None:
        return False
    try:
        data = yaml_load(fm.text)
    except YamlInvalid:
        return False
    return isinstance(data, dict) and bool(data) and {str(k) for k in data} <= PAGE_KEYS


def appendable(source: str) -> str:
    """`source` with front matter a key can be added to at its end: as it is, or re-written in block style.

    A key appended after the last line of a page's front matter belongs to its
    mapping, unless the mapping is written in flow style (`{title: T}`) or at
    an indentation: then the front matter is written again in block style,
    with the same keys and values (its comments are lost; `drafted` says so).
    """
    layout = Layout(source)
    fm = layout.front_matter
    if fm is None:
        return source
    site = site_front_matter(fm.text)
    probe = fm.text.rstrip("\n") + f"\n{NAMESPACE}: null\n"
    try:
        if yaml_load(probe) == {**site, NAMESPACE: None}:
            return source
    except YamlInvalid:
        pass
    return layout.replaced(fm.line + 1, fm.end_line - 1, to_yaml(site) if site else [])


def key_line(text: str, key: str) -> int | None:
    """The line of our front matter key `key` in a lesson's text (nested or at the top level), None when absent."""
    fm = Layout(text).front_matter
    if fm is None:
        return None
    result = read_yaml(fm.text, fm.line + 1, with_positions=True)
    if result.error or not result.positions:
        return None
    keys = result.positions[0].key
    return keys.get((NAMESPACE, key)) or keys.get((key,))


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
