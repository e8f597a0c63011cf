"""The one YAML reader: every document of a block, its Kubernetes object if it is one, and the line of every field.

The parser (is this block a manifest?), rendering (does it still parse after
substitution?), front matter and lint (at which line is this field?) all read
YAML here, so a block is composed once and its lines are counted one way.
libyaml's composer is used when PyYAML has it: the same marks, several times
faster.

A tutorial is input from anyone, so YAML is read with limits, each refused
as an error at its line (an invalid step, a lint finding, or a front matter
error) rather than a crash or a hang:

- aliases may add at most `ALIAS_NODES` nodes to a document (an alias bomb,
  "billion laughs", expands to millions), and an alias may not refer to the
  node it is inside of (a recursive alias makes data that never ends);
- nesting deeper than `MAX_DEPTH` levels (Kubernetes objects need a few dozen);
- integers of more than `INT_DIGITS` digits (Python refuses more than 4,300,
  Kubernetes stores 64 bits);
- `.inf`, `.nan` and floats too large for 64 bits: Kubernetes objects are
  JSON, which has no Infinity or NaN;
- a scalar its tag cannot make (`!!int 0x`, `!!bool maybe`). Dates stay
  strings, as Kubernetes reads them.

YAML is also written here, for kubectl and the API server to read (`dump`,
`dump_all`): PyYAML quotes only the strings that YAML 1.1 would read as
something else, but kubectl reads YAML as Go does, where `8e1234` is a
number. A run id such as `52e71234` in a label, or a tutorial's quoted
`"1e3"`, written plain made kubectl refuse the whole file ("cannot unmarshal
number into ... labels of type string"): every string that Go would not read
back as that string is written double-quoted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from runner.syntax.k8s import K8sObject, without_nulls

Path = tuple[Any, ...]

ALIAS_NODES = 10_000  # nodes that aliases may add to one document
MAX_DEPTH = 100  # levels of nesting of one document, aliases expanded
INT_DIGITS = 100  # characters of one integer


# libyaml's composer when PyYAML has it (its nodes carry the same marks): ten times faster than pure Python
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, refusing integers that are too long and numbers JSON cannot hold.

    A scalar that its tag cannot make (`!!int 0x`, `!!bool maybe`, a date
    such as `2024-13-45`) raises ValueError, KeyError or worse inside PyYAML;
    here it is a YAML error at the scalar's line, like any other.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
            value = node.value if isinstance(node, yaml.ScalarNode) else ""
            shown = value if len(value) <= 60 else value[:57] + "..."
            tag = node.tag.rsplit(":", 1)[-1]
            raise ConstructorError(None, None, f"{shown!r} is not a valid {tag}", node.start_mark) from exc


class _OverLimit(ConstructorError):
    """A scalar over a limit: refused like a syntax error, at its line, but said as what it is."""


def _construct_int(loader: SafeConstructor, node: yaml.ScalarNode) -> int:
    if len(node.value) > INT_DIGITS:
        raise _OverLimit(None, None, f"an integer of {len(node.value)} characters (the limit is {INT_DIGITS})", node.start_mark)
    return SafeConstructor.construct_yaml_int(loader, node)


def _construct_float(loader: SafeConstructor, node: yaml.ScalarNode) -> float:
    value = SafeConstructor.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise _OverLimit(
            None,
            None,
            f"{node.value} is not a finite number (Kubernetes objects are JSON, which has no Infinity or NaN)",
            node.start_mark,
        )
    return value


def _construct_timestamp(loader: SafeConstructor, node: yaml.ScalarNode) -> str:
    """A date stays the text it is: Kubernetes (Go's YAML into JSON) reads `2024-01-31` as a string, and JSON has no dates."""
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LOADER = _Loader


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
    positions: tuple[Positions, ...] = ()  # of every document, when asked for (`with_positions`)
    braced: tuple[str, ...] = ()  # fill-ins written in braces (`request: {BASE64_csr}`): see `_braced`


def read_yaml(content: str, first_line: int, *, with_positions: bool = False) -> YamlResult:
    """Parse every document, keeping each one's line and field lines (`first_line` is the content's first line).

    A document over a limit (see the module's docstring) is an error at its line, like a syntax error.
    """
    try:
        loader = _LOADER(content)
    except yaml.YAMLError as exc:  # e.g. a non-printable character (ReaderError)
        return YamlResult((), (), f"YAML does not parse: {exc}", first_line)
    docs: list[Any] = []
    objects: list[K8sObject] = []
    positions: list[Positions] = []
    braced: list[str] = []
    texts = _document_texts(content)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            assert node is not None  # check_node() said a document follows
            over = _over_limits(node) if "*" in content else _too_deep(node)
            if over is not None:
                line = over.line if over.alias is None else _alias_line(content, index, over.alias)
                return YamlResult((), tuple(docs), f"YAML over a limit: {over.message}", first_line + line)
            braced.extend(_braced(node))
            data = loader.construct_document(node)
            docs.append(data)
            obj = _object(data, node, first_line, texts[index] if index < len(texts) else content)
            if obj is not None:
                objects.append(obj)
            if with_positions:
                positions.append(obj.positions if obj is not None else positions_of(node, first_line))
            index += 1
    except _OverLimit as exc:
        line = first_line + (exc.problem_mark.line if exc.problem_mark else 0)
        return YamlResult((), tuple(docs), f"YAML over a limit: {exc.problem}", line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # libyaml marks "the end of the text" one line past it; the error is on the block's last line
        last = first_line + max(0, content.count("\n", 0, len(content.rstrip("\n"))))
        line = min(first_line + (mark.line if mark else 0), last)
        problem = exc.problem or str(exc).splitlines()[0]
        context = f" {exc.context}" if exc.context else ""
        return YamlResult((), tuple(docs), f"YAML does not parse: {problem}{context}", line)
    except yaml.YAMLError as exc:
        return YamlResult((), tuple(docs), f"YAML does not parse: {exc}", first_line)
    except RecursionError:  # the pure-Python composer (no libyaml) recurses once per level
        return YamlResult((), tuple(docs), f"YAML over a limit: nested more than {MAX_DEPTH} levels deep", first_line)
    finally:
        loader.dispose()
    return YamlResult(tuple(objects), tuple(docs), positions=tuple(positions), braced=tuple(dict.fromkeys(braced)))


def _braced(root: yaml.Node) -> list[str]:
    """`request: {BASE64_csr}`, `- {YOUR_IP}`: a one-line mapping of one plain key with no value, which no Kubernetes
    field takes; the reader is to write their own value there (a fill-in in braces, as `<…>` is in angle brackets)."""
    found: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, yaml.MappingNode)
            and node.flow_style
            and len(node.value) == 1
            and isinstance(node.value[0][0], yaml.ScalarNode)
            and isinstance(node.value[0][1], yaml.ScalarNode)
            and not node.value[0][0].style  # plain: no quotes (None, or "" from libyaml)
            and node.value[0][1].tag == "tag:yaml.org,2002:null"
            and node.value[0][1].value == ""
            and _IDENTIFIER.fullmatch(node.value[0][0].value)
        ):
            found.append("{" + node.value[0][0].value + "}")
        stack.extend(_children(node))
    return found


_IDENTIFIER = re.compile(r"[A-Za-z_][\w-]*")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Refusal(NamedTuple):
    """Why a document is refused: at a 0-based line, or at its k-th alias (`alias`)."""

    message: str
    line: int = 0
    alias: int | None = None


def _over_limits(root: yaml.Node) -> _Refusal | None:
    """Why a composed document is refused, else None.

    An alias composes to the very node it names, so a document is a graph.
    Walked depth-first in document order without entering a node twice, an
    edge to a node already entered is an alias (the k-th such edge is the
    k-th alias of the text), and one to a node still open is a recursive
    alias. Sizes and heights are then counted once per node, so an alias bomb
    is measured without being expanded.
    """
    finished: list[yaml.Node] = []  # in post-order: a node after everything it contains
    entered: set[int] = set()
    open_: set[int] = set()
    aliases: list[tuple[yaml.Node, int]] = []  # (the node an alias names, the level the alias is at)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, level, leaving = stack.pop()
        key = id(node)
        if leaving:
            open_.discard(key)
            finished.append(node)
            continue
        if key in entered:
            if key in open_:
                return _Refusal("a recursive alias (it names a node it is part of)", alias=len(aliases))
            aliases.append((node, level))
            continue
        if level > MAX_DEPTH:
            return _Refusal(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line)
        entered.add(key)
        open_.add(key)
        stack.append((node, level, True))
        stack.extend((child, level + 1, False) for child in reversed(_children(node)))
    if not aliases:
        return None
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    for node in finished:
        kids = _children(node)
        size[id(node)] = 1 + sum(size[id(c)] for c in kids)
        height[id(node)] = 1 + max((height[id(c)] for c in kids), default=0)
    added = 0
    for k, (target, level) in enumerate(aliases):
        added += size[id(target)]
        if added > ALIAS_NODES:
            return _Refusal(f"aliases expand to more than {ALIAS_NODES:,} nodes (an alias bomb?)", alias=k)
        if level - 1 + height[id(target)] > MAX_DEPTH:
            return _Refusal(f"aliases nest it more than {MAX_DEPTH} levels deep", alias=k)
    return None


def _too_deep(root: yaml.Node) -> _Refusal | None:
    """`_over_limits` for a text without aliases (no `*` in it): a tree, so only its depth is measured."""
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            return _Refusal(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append((k, level + 1))
                stack.append((v, level + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, level + 1) for item in node.value)
    return None


def _alias_line(content: str, document: int, k: int) -> int:
    """The 0-based line of the k-th alias of a document (read again only to point at a refused one)."""
    index, seen = -1, 0
    for event in yaml.parse(content, Loader=_LOADER):
        if isinstance(event, yaml.DocumentStartEvent):
            index += 1
        elif isinstance(event, yaml.AliasEvent) and index == document:
            if seen == k and event.start_mark is not None:
                return int(event.start_mark.line)
            seen += 1
    return 0


def _document_texts(content: str) -> list[str]:
    parts = re.split(r"(?m)^---[ \t]*$\n?", content)
    return [
        p for p in parts if p.strip() and not all(line.strip().startswith("#") or not line.strip() for line in p.splitlines())
    ] or [content]


def _object(data: Any, node: yaml.Node, first_line: int, text: str) -> K8sObject | None:
    """A complete Kubernetes object (apiVersion, kind, metadata.name or generateName), else None.

    Its body is read as the API server reads it, without the fields set to
    null (`labels:` left empty): every stage that reads a body sees the object
    the cluster makes of it.
    """
    if not isinstance(data, dict):
        return None
    data = without_nulls(data)
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
    """Record the lines of every node, without recursion and without entering an aliased node twice."""
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, Path, int | None]] = [(node, path, None)]
    while stack:
        current, where, alias_line = stack.pop()
        if id(current) in entered:  # an alias: its value is on the alias's line, its content where the anchor is
            pos.value[where] = pos.end[where] = alias_line if alias_line is not None else first + current.start_mark.line
            continue
        entered.add(id(current))
        start, stop = current.start_mark.line, current.end_mark.line
        pos.value[where] = first + start
        pos.end[where] = first + stop - (1 if current.end_mark.column == 0 and stop > start else 0)
        children: list[tuple[yaml.Node, Path, int | None]] = []
        if isinstance(current, yaml.MappingNode):
            seen: set[Any] = set()
            for k, v in current.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark)
                child = where + (key,)
                if key in seen:
                    pos.duplicates.append((child, first + k.start_mark.line))
                seen.add(key)
                pos.key[child] = first + k.start_mark.line
                children.append((v, child, first + k.start_mark.line))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                child = where + (i,)
                pos.key[child] = first + item.start_mark.line
                children.append((item, child, None))
        stack.extend(reversed(children))


# ----------------------------------------------------------------- writing
# Plain scalars that Go's YAML (yaml.v2, as kubectl and sigs.k8s.io/yaml read it) resolves to a
# number, a boolean or null; PyYAML's YAML 1.1 resolver misses some (an exponent without a dot).
_GO_NOT_STRING = re.compile(
    r"[-+]?[0-9_.]+([eE][-+]?[0-9_]*)?"  # 1e5, 8e1234, .5, 1., and what a YAML 1.1 reader may take for one (._1, -_)
    r"|[-+]?0[xXoObB][0-9a-fA-F_]+"  # 0x1F, 0o17, 0b101
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    r"|(?i:y|n|yes|no|true|false|on|off|null|~)|"
)


class _KubeDumper(yaml.SafeDumper):
    """SafeDumper that double-quotes every string Go's YAML would not read back as a string."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _GO_NOT_STRING.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_KubeDumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """One document of YAML that kubectl reads back as exactly `data` (key order kept)."""
    return yaml.dump(data, Dumper=_KubeDumper, sort_keys=False)


def dump_all(documents: list[Any]) -> str:
    """Several documents (`---` between them) that kubectl reads back as exactly `documents`."""
    return yaml.dump_all(documents, Dumper=_KubeDumper, sort_keys=False)


class YamlInvalid(ValueError):
    """Text that `load` cannot read: what is wrong, and the line (1-based, in the text's own numbering)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str, first_line: int = 1) -> Any:
    """The first document of `text` read like every other YAML here (limits, dates as text), or YamlInvalid.

    For YAML that is not a lesson block (a profile, a page's front matter in
    `tutorial new`): `yaml.safe_load` there raised ValueError on a date such
    as `2024-13-45`, past every `except yaml.YAMLError`.
    """
    result = read_yaml(text, first_line)
    if result.error:
        raise YamlInvalid(result.error, result.error_line)
    return result.documents[0] if result.documents else None
