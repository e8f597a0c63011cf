"""Bash read with its grammar: tree-sitter-bash turns a command into the simple commands bash would run.

Tutorials hold real shell: `for … do … done` over four lines, `cmd && cmd ||
{ echo …; exit 1; }`, here-documents piped into kubectl, `X=$(kubectl get …)`.
Splitting such text by lines (or with shlex) breaks it in the wrong places;
tree-sitter-bash reads compound commands, pipelines, here-documents,
substitutions and assignments, and keeps going past broken input (an ERROR
node where bash would report a syntax error).

`parse(text)` gives a `Script`: every simple command with its words (quotes
removed, expansions kept as written: `$NFS_IP` stays `$NFS_IP`), its
assignments, redirections and here-document, the line it is on, and where it
sits (inside `$(…)`, a loop, a function body). Everything that asks what a
command does reads this: the kubectl grammar, the effects of a step (files,
variables, objects), the planner and the runner.

Placeholders (`s1-<username>`) are not redirections for a tutorial's reader:
they are hidden from the grammar (the same number of characters, so lines and
columns stay) and given back in every text this module returns.
"""

from __future__ import annotations

import posixpath
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

_LANGUAGE = Language(tree_sitter_bash.language())
_local = threading.local()

# `<name>`, `<two words>`: a tutorial's fill-in, never a redirection (`<<EOF`, `<(cmd)`, `< file` are not matched)
_PLACEHOLDER = re.compile(r"(?<![<\w])<([A-Za-z][A-Za-z0-9_./-]*(?<!/)(?: [A-Za-z0-9_./-]+){0,8})>")
_OPEN, _CLOSE = "\x01", "\x02"  # stand-ins of one character each for `<` and `>` of a placeholder

STATEMENT_TYPES = frozenset(
    {
        "command",
        "declaration_command",
        "unset_command",
        "variable_assignment",
        "variable_assignments",
        "redirected_statement",
        "pipeline",
        "list",
        "subshell",
        "compound_statement",
        "if_statement",
        "while_statement",
        "for_statement",
        "c_style_for_statement",
        "case_statement",
        "function_definition",
        "negated_command",
        "test_command",
    }
)


@dataclass(frozen=True)
class Redirect:
    """`> out.yaml`, `2>&1`, `< in.txt`, `<<< "$V"`: the operator, what it names, and the descriptor if given."""

    op: str
    target: str
    fd: str | None = None

    @property
    def writes(self) -> bool:
        """A file this redirection writes (`>`, `>>`, `&>`, `>|`), not a descriptor (`2>&1`)."""
        return self.op in (">", ">>", "&>", "&>>", ">|") and bool(self.target) and not self.target.isdigit()

    @property
    def reads(self) -> bool:
        return self.op == "<" and bool(self.target)


_HEREDOC_ESCAPE = re.compile(r"\\([$`\\])")
_HEREDOC_EXPANSION = re.compile(r"\$[A-Za-z_{(]|`")


@dataclass(frozen=True)
class HereDoc:
    """The body of a here-document (`<<EOF … EOF`)."""

    text: str  # the body, each line ending in a newline
    first_line: int  # the body's first line, as an offset from the first line of the text parsed
    delimiter: str
    quoted: bool  # `<<'EOF'`: no expansion in the body
    strip_tabs: bool = False  # `<<-EOF`

    @property
    def given(self) -> str:
        """The body as bash hands it on, before expansions: in an unquoted here-document `\\$`, `\\``
        and `\\\\` stand for `$`, `` ` `` and `\\` (`echo item \\$ITEM` is `echo item $ITEM`, literally)."""
        return self.text if self.quoted else _HEREDOC_ESCAPE.sub(lambda m: m.group(1), self.text)

    @property
    def expands(self) -> bool:
        """Does bash expand anything in the body (`$X`, `$(…)`, `` `…` `` not escaped)?"""
        return not self.quoted and bool(_HEREDOC_EXPANSION.search(_HEREDOC_ESCAPE.sub("", self.text)))


@dataclass(frozen=True)
class SimpleCommand:
    """One simple command as bash runs it: `X=1 kubectl apply -f - <<EOF > log`."""

    words: tuple[str, ...]  # the command's name and arguments, quotes removed, `$X`/`$(…)` as written
    line: int  # 0-based line of its first word within the parsed text
    assignments: tuple[tuple[str, str], ...] = ()  # `X=1 cmd`, `X=$(…)`, `export X=1`, `local x=1`: name, value as written
    redirects: tuple[Redirect, ...] = ()
    heredoc: HereDoc | None = None
    reads: tuple[str, ...] = ()  # variables it expands: `$X`, `${X:-d}`, in words, assignments, redirections
    context: str = (
        ""  # "" run as typed | "substitution" (`$(…)`) | "loop" | "condition" | "function" (defined only) | "background"
    )
    piped_from: int | None = None  # index (in `Script.commands`) of the command whose output is this one's input
    text: str = ""  # the source of the simple command (placeholders given back)

    @property
    def name(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def runs(self) -> bool:
        """Does it run when the text is typed (not only a function's body)?"""
        return self.context != "function"


@dataclass(frozen=True)
class Script:
    """The simple commands of one text, in the order bash meets them, and what the grammar refused."""

    commands: tuple[SimpleCommand, ...]
    errors: tuple[int, ...] = ()  # 0-based lines where tree-sitter found a syntax error
    functions: tuple[str, ...] = ()  # names of functions the text defines

    @property
    def assigned(self) -> tuple[str, ...]:
        """Variables the text sets (`X=…`, `export X=…`, `read X`, `for X in …`), in order."""
        out: list[str] = []
        for c in self.commands:
            out.extend(n for n, _ in c.assignments)
            if c.name == "read":
                out.extend(w for w in c.words[1:] if _NAME.fullmatch(w) and not _after_option(c.words, w))
        return tuple(dict.fromkeys(out))

    @property
    def reads(self) -> tuple[str, ...]:
        """Variables the text expands before setting them itself."""
        seen: set[str] = set()
        out: list[str] = []
        for c in self.commands:
            out.extend(v for v in c.reads if v not in seen)
            seen.update(n for n, _ in c.assignments)
            if c.name == "read":
                seen.update(c.words[1:])
        return tuple(dict.fromkeys(out))

    @property
    def heredocs(self) -> tuple[SimpleCommand, ...]:
        return tuple(c for c in self.commands if c.heredoc is not None)

    def input_of(self, index: int) -> SimpleCommand | None:
        """The command whose output feeds command `index` (`cat <<EOF | kubectl apply -f -`), if any."""
        src = self.commands[index].piped_from
        return self.commands[src] if src is not None else None

    def input_file(self, index: int) -> str | None:
        """The file whose content reaches command `index`'s input through its pipeline, passed on as it is or changed
        on the way: `envsubst < app.yaml | kubectl apply -f -`, `cat app.yaml | …`, `sed 's/a/b/' app.yaml | envsubst |
        …`. None when its input is a here-document, another program's own output, or not one file."""
        src = self.commands[index].piped_from
        while src is not None:
            source = self.commands[src]
            if source.heredoc is not None:
                return None
            named = _file_read(source)
            if named is not None:
                return named
            if source.piped_from is None or source.name not in _FILTERS or _operands(source):
                return None
            src = source.piped_from
        return None


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# programs that read a script: typed lines (`kubectl exec -it web -- sh`), or one given (`sh -c '…'`)
SHELLS = frozenset({"bash", "sh", "zsh", "ash", "dash", "ksh", "/bin/bash", "/bin/sh", "/bin/zsh", "/bin/ash", "/usr/bin/bash"})


def expanded_too_early(text: str) -> tuple[str, ...]:
    """Variables the reader's shell expands in a script it hands to another shell in double quotes, which that script
    sets for itself: `kubectl create job j --image=busybox -- sh -c "for i in $(seq 1 10); do echo $i; done"` reaches
    the container as `echo ` (the loop's `$i` is the reader's, empty). Single quotes would have kept it."""
    out: list[str] = []
    for c in parse(text).commands:
        if not c.reads:
            continue
        words = c.words
        for n, word in enumerate(words[:-2]):
            if posixpath.basename(word) in SHELLS and words[n + 1] == "-c":
                inner = parse(words[n + 2]).assigned
                out.extend(v for v in c.reads if v in inner)
    return tuple(dict.fromkeys(out))


# programs that pass what they read on, changed or not: a file's content goes through them on its way down a pipeline
_FILTERS = frozenset({"cat", "envsubst", "sed"})


def _operands(c: SimpleCommand) -> list[str]:
    """A filter's file operands: `cat f`, `sed 's/a/b/' f` (its script is the first word unless given with -e/-f)."""
    words = list(c.words[1:])
    if c.name == "sed":
        scripts = [i + 1 for i, w in enumerate(words) if w in ("-e", "-f", "--expression", "--file")]
        plain = [w for i, w in enumerate(words) if not w.startswith("-") and i not in scripts]
        return plain if scripts or any(w.startswith(("--expression=", "--file=")) for w in words) else plain[1:]
    if c.name == "cat":
        return [w for w in words if not w.startswith("-") or w == "-"]
    return []


def _file_read(c: SimpleCommand) -> str | None:
    """The one file a filter reads: `envsubst < f`, `cat f`, `sed … f` (not `sed -i`, which writes it back)."""
    if c.name not in _FILTERS or (c.name == "sed" and any(w.startswith(("-i", "--in-place")) for w in c.words[1:])):
        return None  # a program's own output (`python gen.py < in`), or nothing (`sed -i`)
    redirected = [r.target for r in c.redirects if r.reads]
    files = [f for f in _operands(c) if f != "-"]
    if files:
        return files[0] if len(files) == 1 else None
    return redirected[-1] if redirected else None


def _after_option(words: tuple[str, ...], word: str) -> bool:
    """`read -p 'prompt' NAME`: the prompt is an option's value, not a variable."""
    i = words.index(word)
    return i > 0 and words[i - 1] in ("-p", "-d", "-t", "-n", "-N", "-u", "-a", "-i")


# ---- parsing -----------------------------------------------------------------------------------


def _parser() -> Parser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = Parser(_LANGUAGE)
    return parser


def hide_placeholders(text: str) -> str:
    """`s1-<username>` as the grammar should see it: one word (same length, so lines and columns stay)."""
    if "<" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: _OPEN + m.group(1) + _CLOSE, text)


def give_back(text: str) -> str:
    """Placeholders hidden from the grammar, as they were written."""
    if _OPEN not in text:
        return text
    return text.replace(_OPEN, "<").replace(_CLOSE, ">")


def tree(text: str) -> Node:
    """The tree-sitter root of `text` (placeholders hidden)."""
    return _parser().parse(hide_placeholders(text).encode("utf-8")).root_node


def parse(text: str) -> Script:
    """The simple commands of `text` (a command, or a whole block), in the order bash meets them.

    Every stage asks this of the same commands, so small texts are read once
    (a cache of recent ones); a huge one is read each time rather than kept.
    """
    return _parse_cached(text) if len(text) <= _CACHED_CHARS else _parse(text)


_CACHED_CHARS = 64 * 1024


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Script:
    return _parse(text)


def _parse(text: str) -> Script:
    reader = _Reader(hide_placeholders(text))
    reader.statement(tree(text), "")
    return Script(tuple(reader.out), tuple(sorted(set(reader.errors))), tuple(dict.fromkeys(reader.functions)))


LAST_JOB = "!"  # `$!`: the process id of the last command the shell started in the background (`cmd &`)


def last_job_expansions(text: str) -> list[tuple[int, int]]:
    """Where `text` expands `$!` or `${!}` (not inside single quotes): (start, end) character offsets."""
    if "$!" not in text and "${!}" not in text:
        return []
    hidden = hide_placeholders(text)
    data = hidden.encode("utf-8")
    out: list[tuple[int, int]] = []
    stack = [tree(text)]
    while stack:
        node = stack.pop()
        if node.type in ("simple_expansion", "expansion"):
            named = [c for c in node.children if c.is_named]
            plain = len(named) == 1 and named[0].type == "special_variable_name" and named[0].text == b"!"
            if plain or (node.type == "expansion" and node.text == b"${!}"):
                start = len(data[: node.start_byte].decode("utf-8", "replace"))
                end = len(data[: node.end_byte].decode("utf-8", "replace"))
                out.append((start, end))
                continue
        stack.extend(node.children)
    return sorted(out)


def expand_aliases(text: str, aliases: Mapping[str, str]) -> str:
    """`k get pods` after `alias k="kubectl -n ns"`: the text as bash runs it (with `expand_aliases`), each command
    whose name is an alias given its value. Only a command's name is replaced, as bash does; a value that calls
    its own name (`alias ls='ls --color'`) is replaced once."""
    if not aliases or not any(name in text for name in aliases):
        return text
    data = hide_placeholders(text).encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    stack = [tree(text)]
    while stack:
        node = stack.pop()
        if node.type == "command_name":
            word = node.text.decode("utf-8", "replace") if node.text else ""
            if word in aliases:
                spans.append((node.start_byte, node.end_byte, aliases[word]))
            continue
        stack.extend(node.children)
    for start, end, value in sorted(spans, reverse=True):
        data = data[:start] + value.encode("utf-8") + data[end:]
    return give_back(data.decode("utf-8", "replace"))


def alias_definitions(text: str) -> dict[str, str]:
    """`alias k=kubectl`, `alias k="kubectl -n ns"`: the aliases a command defines, name → value (quotes removed)."""
    out: dict[str, str] = {}
    for c in parse(text).commands:
        if c.runs and c.name == "alias":
            for word in c.words[1:]:
                name, eq, value = word.partition("=")
                if eq and name and not name.startswith("-"):
                    out[name] = value
    return out


def starts_background(text: str) -> bool:
    """Does `text` start a command in the background (`kubectl port-forward … &`)?"""
    if "&" not in text:
        return False
    stack = [tree(text)]
    while stack:
        node = stack.pop()
        if node.type == "&":  # the operator, not `&&`, `2>&1` or a `&` inside a word or a string
            return True
        if node.type not in ("string", "raw_string", "heredoc_body", "comment"):
            stack.extend(node.children)
    return False


def handles_failure(text: str) -> bool:
    """Does the command end in `|| …` at its top level (`kubectl get pods -n kube-system || echo "denied"`)? Then it
    exits 0 whether its first part fails or not: it handles its own failure."""
    if "||" not in text:
        return False
    root = tree(text)
    statements = [n for n in root.children if n.type not in ("comment", ";", "\n")]
    if len(statements) != 1 or statements[0].type != "list":
        return False
    operators = [c.type for c in statements[0].children if c.type in ("&&", "||")]
    return bool(operators) and operators[-1] == "||"


def node_text(node: Node) -> str:
    return give_back(node.text.decode("utf-8", "replace")) if node.text is not None else ""


def has_error(node: Node) -> bool:
    return node.has_error


class _Reader:
    """Walks a tree into `SimpleCommand`s (one pass, in source order)."""

    def __init__(self, source: str, row_offset: int = 0) -> None:
        self.source = source
        self.data = source.encode("utf-8")
        self.row_offset = row_offset
        self.out: list[SimpleCommand] = []
        self.errors: list[int] = []
        self.functions: list[str] = []

    def row(self, node: Node) -> int:
        return node.start_point.row + self.row_offset

    # statements ------------------------------------------------------------------------------

    def statement(self, node: Node, context: str, piped_from: int | None = None) -> int | None:
        """Read a statement (or a program); the index of the last simple command it ends with (for pipes)."""
        t = node.type
        if node.is_error or node.is_missing:
            self.errors.append(self.row(node))
        if t == "command":
            return self.command(node, context, piped_from)
        if t == "declaration_command" or t == "unset_command":
            return self.declaration(node, context)
        if t in ("variable_assignment", "variable_assignments"):
            assigns = (
                [node] if t == "variable_assignment" else [c for c in node.named_children if c.type == "variable_assignment"]
            )
            return self.add(
                SimpleCommand(
                    (),
                    self.row(node),
                    tuple(self.assignment(a, context) for a in assigns),
                    reads=self.expansions(node),
                    context=context,
                    text=node_text(node),
                )
            )
        if t == "redirected_statement":
            return self.redirected(node, context, piped_from)
        if t == "pipeline":
            last = piped_from
            for child in node.named_children:
                last = self.statement(child, context, last)
            return last
        if t == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None:
                self.functions.append(node_text(name))
            body = node.child_by_field_name("body")
            if body is not None:
                self.statement(body, "function")
            return None
        if t in ("for_statement", "c_style_for_statement", "while_statement"):
            inner = context if context == "function" else "loop"
            if t == "for_statement":
                var = node.child_by_field_name("variable")
                values = [node_text(v) for v in node.children_by_field_name("value")]
                if var is not None:
                    self.add(
                        SimpleCommand(
                            (),
                            self.row(node),
                            ((node_text(var), " ".join(values)),),
                            reads=self.expansions_of(node.children_by_field_name("value")),
                            context=context,
                            text=node_text(var),
                        )
                    )
                    for value in node.children_by_field_name("value"):
                        self.substitutions(value, context)
            for child in node.named_children:
                if child.type == "do_group":
                    self.block(child, inner)
                elif t == "while_statement" and child.type != "do_group":
                    self.statement_or_skip(child, "condition" if context != "function" else context)
            return None
        if t == "if_statement" or t in ("elif_clause", "else_clause"):
            self.conditional(node, context)
            return None
        if t == "case_statement":
            subject = node.child_by_field_name("value")
            if subject is not None:
                self.substitutions(subject, context)
            for item in node.named_children:
                if item.type == "case_item":
                    self.block(item, "condition" if context != "function" else context, skip_first=True)
            return None
        if t in ("subshell", "compound_statement", "program", "do_group"):
            self.block(node, context)
            return None
        if t == "list":
            for child in node.named_children:
                self.statement_or_skip(child, context)
            return None
        if t == "negated_command":
            for child in node.named_children:
                self.statement_or_skip(child, context)
            return None
        if t == "test_command":
            words = tuple(node_text(c) for c in node.named_children)
            return self.add(
                SimpleCommand(
                    ("[",) + words,
                    self.row(node),
                    reads=self.expansions(node),
                    context=context,
                    text=node_text(node),
                )
            )
        if t == "ERROR":
            self.block(node, context)
            return None
        if t == "comment":
            return None
        self.block(node, context)
        return None

    def statement_or_skip(self, node: Node, context: str) -> None:
        if node.type in STATEMENT_TYPES or node.type == "ERROR":
            self.statement(node, context)
        elif node.type not in ("comment",):
            self.substitutions(node, context)

    def block(self, node: Node, context: str, skip_first: bool = False) -> None:
        children = node.named_children[1:] if skip_first else node.named_children
        for child in children:
            if child.type in STATEMENT_TYPES or child.type in ("ERROR", "elif_clause", "else_clause"):
                self.statement(child, context)
            elif child.type in ("command_substitution", "process_substitution"):
                self.substitutions(child, context)
        if node.is_error:
            self.errors.append(self.row(node))

    def conditional(self, node: Node, context: str) -> None:
        inner = context if context == "function" else "condition"
        for child in node.named_children:
            if child.type in ("elif_clause", "else_clause"):
                self.conditional(child, context)
            elif child.type in STATEMENT_TYPES or child.type == "ERROR":
                self.statement(child, inner)

    def redirected(self, node: Node, context: str, piped_from: int | None) -> int | None:
        """`body > f`, `cat <<EOF | kubectl apply -f -`, `kubectl apply -f - <<EOF && echo ok`."""
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        heredoc: HereDoc | None = None
        rest: tuple[str, int] | None = None
        bg = False
        for child in node.children:
            if child.type in ("file_redirect", "herestring_redirect"):
                redirects.append(self.redirect(child))
            elif child.type == "heredoc_redirect":
                heredoc, rest = self.heredoc(child)
            elif child.type == "&" and child is not node.children[0]:
                bg = True
        ctx = "background" if bg and context == "" else context
        follow: _Reader | None = None
        if rest is not None:  # the rest of the here-document's line, read on its own after a `:` standing for ours
            follow = _Reader(rest[0], rest[1])
            follow.statement(_parser().parse(follow.data).root_node, ctx)
            if follow.out and follow.out[0].words[:1] == (":",):
                redirects.extend(follow.out[0].redirects)
        last: int | None = None
        if body is not None and body.type == "command":
            # tree-sitter-bash 0.25 drops a lone `-` just before `<<` (`kubectl apply -f - <<EOF`): words the
            # grammar left between the command and its first redirection are the command's own
            after_body = [c for c in node.children if c.start_byte >= body.end_byte and c.is_named]
            gap = self.data[body.end_byte : after_body[0].start_byte].decode("utf-8", "replace") if after_body else ""
            last = self.command(body, ctx, piped_from, redirects=tuple(redirects), heredoc=heredoc, extra=tuple(gap.split()))
        elif body is not None and body.type == "declaration_command":
            last = self.command(body, ctx, piped_from, redirects=tuple(redirects), heredoc=heredoc)
        elif body is not None:
            before = len(self.out)
            last = self.statement(body, ctx, piped_from)
            if len(self.out) > before and (redirects or heredoc):  # `while …; done < in.txt`: the loop reads it
                c = self.out[-1]
                self.out[-1] = replace(c, redirects=c.redirects + tuple(redirects), heredoc=c.heredoc or heredoc)
        if follow is not None:
            ours = last
            base = len(self.out) - 1  # follow.out[i] lands at base + i (its first, the `:`, is dropped)
            for c in follow.out[1:]:
                piped = c.piped_from
                if piped is not None:
                    piped = ours if piped == 0 else base + piped
                self.out.append(replace(c, piped_from=piped))
                last = len(self.out) - 1
            self.errors.extend(follow.errors)
            self.functions.extend(follow.functions)
        return last

    def heredoc(self, node: Node) -> tuple[HereDoc | None, tuple[str, int] | None]:
        """The here-document, and what follows its start on the same line (redirections, `| cmd`, `&& cmd`, `; cmd`).

        tree-sitter-bash 0.25 misreads some of that rest (`cat <<'EOF'; echo
        done`, `cat <<'EOF' 2>&1 | tail`: tree-sitter/tree-sitter-bash#346),
        so the rest of the line is read again on its own, after a `:` that
        stands for the command holding the here-document.
        """
        start = body = None
        strip = False
        for child in node.children:
            if child.type == "heredoc_start":
                start = child
            elif child.type == "<<-":
                strip = True
            elif child.type == "heredoc_body":
                body = child
        if start is None:
            return None, None
        raw = node_text(start)
        quoted = any(q in raw for q in "'\"\\")
        delimiter = raw.strip("'\"").replace("\\", "")
        # the command line goes on past `\`-newlines (`cat <<EOF | curl -X PUT \` / `  localhost:8080/x`): bash reads the
        # body only after the whole line, where tree-sitter-bash starts it at the first newline
        line_end = self.data.find(b"\n", start.end_byte)
        while line_end > 0 and self.data[:line_end].endswith(b"\\"):
            line_end = self.data.find(b"\n", line_end + 1)
        end = line_end if line_end >= 0 else len(self.data)
        joined = self.data.count(b"\n", start.end_byte, end)
        text = ""
        first = self.row(start) + 1 + joined
        if body is not None:
            body_start = max(body.start_byte, end + 1)
            text = (
                give_back(self.data[body_start : body.end_byte].decode("utf-8", "replace")) if body_start < body.end_byte else ""
            )
            first = self.row(body) + (self.data.count(b"\n", body.start_byte, body_start) if body_start > body.start_byte else 0)
            if text and not text.endswith("\n"):
                text += "\n"
        rest = self.data[start.end_byte : end].decode("utf-8", "replace").replace("\\\n", " ")
        return HereDoc(text, first, delimiter, quoted, strip), ((": " + rest, self.row(start)) if rest.strip() else None)

    def redirect(self, node: Node) -> Redirect:
        fd = node.child_by_field_name("descriptor")
        op = ""
        target = ""
        for child in node.children:
            if not child.is_named and child.type not in ("(", ")"):
                op = child.type
            elif child.is_named and child.type != "file_descriptor":
                target = word_value(child)
        return Redirect(op, target, node_text(fd) if fd is not None else None)

    # simple commands -------------------------------------------------------------------------

    def command(
        self,
        node: Node,
        context: str,
        piped_from: int | None,
        redirects: tuple[Redirect, ...] = (),
        heredoc: HereDoc | None = None,
        extra: tuple[str, ...] = (),
    ) -> int:
        if node.type == "declaration_command":
            i = self.declaration(node, context)
            if redirects or heredoc:
                c = self.out[i]
                self.out[i] = replace(c, redirects=c.redirects + redirects, heredoc=heredoc, piped_from=piped_from)
            return i
        words: list[str] = []
        assigns: list[tuple[str, str]] = []
        own: list[Redirect] = []
        for child in node.named_children:
            if child.type == "variable_assignment":
                assigns.append(self.assignment(child, context))
            elif child.type == "command_name":
                words.append(word_value(child.named_children[0]) if child.named_children else node_text(child))
                self.substitutions(child, context)
            elif child.type in ("file_redirect", "herestring_redirect"):
                own.append(self.redirect(child))
            elif child.type == "comment":
                continue
            else:
                words.append(word_value(child))
                self.substitutions(child, context)
        words.extend(give_back(w) for w in extra)
        return self.add(
            SimpleCommand(
                tuple(words),
                self.row(node),
                tuple(assigns),
                tuple(own) + redirects,
                heredoc,
                self.expansions(node) + (self.heredoc_reads(heredoc) if heredoc and not heredoc.quoted else ()),
                context,
                piped_from,
                node_text(node),
            )
        )

    def declaration(self, node: Node, context: str) -> int:
        words: list[str] = []
        assigns: list[tuple[str, str]] = []
        for child in node.children:
            if child.type == "variable_assignment":
                assigns.append(self.assignment(child, context))
                words.append(node_text(child))
            elif child.type in ("comment",):
                continue
            elif child.is_named:
                words.append(word_value(child))
            else:
                words.append(child.type)  # the keyword: export, declare, local, readonly, typeset, unset
        return self.add(
            SimpleCommand(
                tuple(words), self.row(node), tuple(assigns), reads=self.expansions(node), context=context, text=node_text(node)
            )
        )

    def assignment(self, node: Node, context: str) -> tuple[str, str]:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if value is not None:
            self.substitutions(value, context)
        return (node_text(name) if name is not None else "", word_value(value) if value is not None else "")

    def substitutions(self, node: Node, context: str) -> None:
        """The commands inside `$(…)`, backquotes and `<(…)` run too, before the command that holds them."""
        inner = context if context in ("function",) else "substitution"
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in ("command_substitution", "process_substitution"):
                for child in n.named_children:
                    if child.type in STATEMENT_TYPES or child.type == "ERROR":
                        self.statement(child, inner)
                continue
            stack.extend(reversed(n.named_children))

    def expansions(self, node: Node) -> tuple[str, ...]:
        return self.expansions_of([node])

    def expansions_of(self, nodes: list[Node]) -> tuple[str, ...]:
        out: list[str] = []
        stack = list(reversed(nodes))
        while stack:
            n = stack.pop()
            if n.type in ("simple_expansion", "expansion"):
                var = next((c for c in n.named_children if c.type in ("variable_name", "special_variable_name")), None)
                if var is not None and var.type == "variable_name":
                    out.append(node_text(var))
            if n.type in ("command_substitution", "heredoc_body", "raw_string"):
                continue  # a substitution's own commands read their variables themselves
            stack.extend(reversed(n.children))
        return tuple(dict.fromkeys(out))

    def heredoc_reads(self, doc: HereDoc) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.group(1) or m.group(2) for m in _BODY_VAR.finditer(doc.text)))

    def add(self, command: SimpleCommand) -> int:
        self.out.append(command)
        return len(self.out) - 1


_BODY_VAR = re.compile(r"(?<!\\)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


def word_value(node: Node) -> str:
    """A word as bash passes it to the program: quotes removed, escapes resolved, expansions as written."""
    t = node.type
    if t == "word" or t == "number":
        return _unescape(node_text(node))
    if t == "raw_string":
        return node_text(node)[1:-1]
    if t == "ansi_c_string":
        return node_text(node)[2:-1]
    if t in ("string", "translated_string"):
        raw = node_text(node)
        inner = raw[2:-1] if t == "translated_string" else raw[1:-1]
        return re.sub(r'\\([$`"\\\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), inner)
    if t == "concatenation":
        return "".join(word_value(c) for c in node.children)
    return node_text(node)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: m.group(1), text.replace("\\\n", ""), flags=re.S)
