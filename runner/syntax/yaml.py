"""Where each field of a YAML document is: path -> line, for findings at the exact line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

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


def document_positions(text: str, first_line: int) -> list[Positions]:
    """Positions of every non-empty document of `text` (whose first line is `first_line`)."""
    out: list[Positions] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError:
        return out
    for node in nodes:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
            continue
        pos = Positions(first_line + node.start_mark.line)
        _walk(node, (), pos, first_line)
        out.append(pos)
    return out


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
