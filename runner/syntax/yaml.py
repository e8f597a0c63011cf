"""The one YAML reader: every document of a block, its Kubernetes object if it is one, and the line of every field.

The parser (is this block a manifest?), rendering (does it still parse after
substitution?) and lint (at which line is this field?) all read YAML here, so
a block is composed once and its lines are counted one way. libyaml's
composer is used when PyYAML has it: the same marks, several times faster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from runner.syntax.k8s import K8sObject

Path = tuple[Any, ...]
# libyaml's composer when PyYAML has it (its nodes carry the same marks): ten times faster than pure Python
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Positions:
    """Lines of one document's nodes: `key[path]` is the line of the key, `value[path]` of the value."""

    start: int
    key: dict[Path, int] = field(default_factory=dict)
    value: dict[Path, int] = field(default_factory=dict)
    end: dict[Path, int] = field(default_factory=dict)  # last line of a value
    duplicates: list[tuple[Path, int]] = field(default_factory=list)  # (path of the repeated key, its line)

    def line(self, path: Path) -> int:
        """The line of `path`, else of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.key:
                return self.key[p]
            p = p[:-1]
        return self.start

    def value_line(self, path: Path) -> int:
        p = tuple(path)
        return self.value.get(p) or self.line(p)


def positions_of(node: yaml.Node, first_line: int) -> Positions:
    """Positions of one composed document (whose block starts at `first_line`)."""
    pos = Positions(first_line + node.start_mark.line)
    _walk(node, (), pos, first_line)
    return pos


@dataclass(frozen=True)
class YamlResult:
    """A YAML block read: its documents and the complete Kubernetes objects among them, or the error with its line."""

    objects: tuple[K8sObject, ...]
    documents: tuple[Any, ...]
    error: str | None = None
    error_line: int | None = None


def read_yaml(content: str, first_line: int) -> YamlResult:
    """Parse every document, keeping each one's line and field lines (`first_line` is the content's first line)."""
    try:
        loader = _LOADER(content)
    except yaml.YAMLError as exc:  # e.g. a non-printable character (ReaderError)
        return YamlResult((), (), f"YAML does not parse: {exc}", first_line)
    docs: list[Any] = []
    objects: list[K8sObject] = []
    texts = _document_texts(content)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            assert node is not None  # check_node() said a document follows
            data = loader.construct_document(node)
            docs.append(data)
            obj = _object(data, node, first_line, texts[index] if index < len(texts) else content)
            if obj is not None:
                objects.append(obj)
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or str(exc).splitlines()[0]
        context = f" {exc.context}" if exc.context else ""
        return YamlResult((), tuple(docs), f"YAML does not parse: {problem}{context}", line)
    except yaml.YAMLError as exc:
        return YamlResult((), tuple(docs), f"YAML does not parse: {exc}", first_line)
    finally:
        loader.dispose()
    return YamlResult(tuple(objects), tuple(docs))


def _document_texts(content: str) -> list[str]:
    parts = re.split(r"(?m)^---[ \t]*$\n?", content)
    return [
        p for p in parts if p.strip() and not all(line.strip().startswith("#") or not line.strip() for line in p.splitlines())
    ] or [content]


def _object(data: Any, node: yaml.Node, first_line: int, text: str) -> K8sObject | None:
    """A complete Kubernetes object (apiVersion, kind, metadata.name or generateName), else None."""
    if not isinstance(data, dict):
        return None
    api, kind, meta = data.get("apiVersion"), data.get("kind"), data.get("metadata")
    if not (isinstance(api, str) and isinstance(kind, str) and isinstance(meta, dict)):
        return None
    name, gen = meta.get("name"), meta.get("generateName")
    if not isinstance(name, str) and not isinstance(gen, str):
        return None
    pos = positions_of(node, first_line)
    name_line = pos.value.get(("metadata", "name")) or pos.value.get(("metadata", "generateName")) or pos.start
    ns = meta.get("namespace")
    return K8sObject(
        kind,
        api,
        name if isinstance(name, str) else None,
        gen if isinstance(gen, str) else None,
        ns if isinstance(ns, str) else None,
        pos.start,
        name_line,
        text,
        data,
        pos,
    )


def _walk(node: yaml.Node, path: Path, pos: Positions, first: int) -> None:
    pos.value[path] = first + node.start_mark.line
    end = node.end_mark.line - (1 if node.end_mark.column == 0 and node.end_mark.line > node.start_mark.line else 0)
    pos.end[path] = first + end
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark)
            child = path + (key,)
            if key in seen:
                pos.duplicates.append((child, first + k.start_mark.line))
            seen.add(key)
            pos.key[child] = first + k.start_mark.line
            _walk(v, child, pos, first)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = path + (i,)
            pos.key[child] = first + item.start_mark.line
            _walk(item, child, pos, first)
