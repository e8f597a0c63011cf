"""A shell block as the steps a reader types: one complete command each, with its line and its prompt.

A step is what bash reads as one complete command before the line that ends
it: a `for … do … done` over four lines, an `&&`/`||` chain with a `{ …; }`
group, a here-document with its body, a line continued with `\\`, or `a; b`
typed on one line. The grammar (`bash.py`, tree-sitter-bash) decides where a
command ends, never a rule about lines.

A block with prompts is a console transcript (`prompts.py`): only what follows
a prompt, with its continuation lines (`> `), is typed; every other line is
what the machine printed. A block without prompts is a script: every command
in it is typed.

`segments` and `heredoc` answer the questions most readers of a command ask
(its simple commands as word lists; the here-document it feeds) from the
same grammar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from runner.syntax import bash, kubectl, prompts
from runner.syntax.bash import HereDoc
from runner.syntax.prompts import Prompt

__all__ = [
    "Command",
    "HereDoc",
    "comments",
    "given_files",
    "has_prompts",
    "heredoc",
    "piped",
    "plain_file",
    "segments",
    "split_commands",
]


@dataclass(frozen=True)
class Command:
    text: str  # the command as typed (prompts removed; continuation lines joined by newlines)
    line: int  # 1-based line where it starts
    prompt: Prompt | None = None  # the prompt it was typed at (a transcript), else None


def split_commands(content: str, first_line: int) -> list[Command]:
    """Commands of a shell block whose content starts at `first_line`."""
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    found = [prompts.match(line) for line in lines]
    if any(found):
        return _transcript(lines, found, first_line)
    printed = _json_rows(lines)  # `{ "auths": { … } }` a command printed: bash would read a `{ …; }` group
    lines = ["" if row in printed else line for row, line in enumerate(lines)]
    return [Command(text, first_line + row) for text, row, _ in _complete_commands("\n".join(lines))]


def _json_rows(lines: list[str]) -> set[int]:
    """Rows holding a JSON object or array a command printed (`kubectl get secret x -o jsonpath=… | jq`), read with
    the JSON grammar: from a line that opens one at its start to the line that closes it, over two lines or more."""
    rows: set[int] = set()
    text = "\n".join(lines)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    decoder = json.JSONDecoder()
    row = 0
    while row < len(lines):
        if lines[row].lstrip().startswith(("{", "[")) and row not in rows:
            at = starts[row] + len(lines[row]) - len(lines[row].lstrip())
            try:
                value, end = decoder.raw_decode(text, at)
            except ValueError:
                value, end = None, at
            last = text.count("\n", 0, end)
            if value and isinstance(value, (dict, list)) and last > row and not text[end:].split("\n", 1)[0].strip():
                rows.update(range(row, last + 1))
                row = last + 1
                continue
        row += 1
    return rows


def has_prompts(content: str) -> bool:
    """Is this block a console transcript (some line starts with a prompt)?"""
    return any(prompts.match(line) for line in content.split("\n"))


def _transcript(lines: list[str], found: list[Prompt | None], first_line: int) -> list[Command]:
    """Each prompted line and what continues it; the rest is output."""
    out: list[Command] = []
    starts = [i for i, p in enumerate(found) if p is not None]
    out += _before_first_prompt(lines[: starts[0]], first_line) if starts else []
    for n, i in enumerate(starts):
        prompt = found[i]
        assert prompt is not None
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        typed = [lines[i][len(prompt.text) :]]
        k = i + 1
        while k < end and (cut := prompts.secondary(lines[k], prompt.language)):  # `> ` / `... `: still typing
            typed.append(lines[k][cut:])
            k += 1
        if prompt.language in ("python", "program"):  # typed into an interpreter, not read by bash
            out.append(Command("\n".join(typed).strip(), first_line + i, prompt))
            continue
        alone = "\n".join(typed)
        if alone.strip() and not bash.tree(alone).has_error:
            # complete as typed: what follows is what it printed, whatever the grammar would make of it
            first = _complete_commands(alone, first_only=True)
        else:
            first = _complete_commands("\n".join(typed + lines[k:end]), first_only=True)
        if first:
            text, row, _ = first[0]
            out.append(Command(text, first_line + i + row, prompt))
    return out


# programs a reader types at their own prompt: lines of these before a transcript's first prompt are commands the author
# showed without it (`kubectl exec -it web sh`, then `/ # ls` in the pod), not output (nothing ran before them)
_HOST_PROGRAMS = frozenset(
    {"kubectl", "oc", "helm", "kind", "minikube", "k3d", "docker", "podman", "git", "cd", "ls", "cat", "echo", "export",
     "mkdir", "curl", "wget", "ssh", "sudo", "source", "python", "python3", "bash", "sh"}
)  # fmt: skip


def _before_first_prompt(lines: list[str], first_line: int) -> list[Command]:
    """Lines before a transcript's first prompt that bash reads as commands of known programs: typed, without a prompt."""
    text = "\n".join(lines)
    if not text.strip() or bash.tree(text).has_error:
        return []
    pieces = _complete_commands(text)
    if not all(p[0].split()[0] in _HOST_PROGRAMS for p in pieces):
        return []
    return [Command(piece, first_line + row) for piece, row, _ in pieces]


def _complete_commands(text: str, first_only: bool = False) -> list[tuple[str, int, int]]:
    """(text, first row, last row) of each complete command: the top-level statements bash reads up to a newline.

    Statements on one line (`a; b`, `a &`) are one command, as the reader
    types them; a syntax error that starts on a command's line belongs to it.
    """
    root = bash.tree(text)
    data = bash.hide_placeholders(text).encode("utf-8")
    groups: list[list[int]] = []  # [start byte, end byte, first row, last row]
    for node in root.children:
        if node.type == "comment":
            continue
        if not node.is_named and node.type not in ("&",) and node.type != "ERROR":
            if groups and node.start_point.row == groups[-1][3]:
                continue  # `;` between statements on one line
            continue
        row, last = node.start_point.row, node.end_point.row
        if node.end_point.column == 0 and last > row:
            last -= 1  # a node that ends at the start of a line ends on the line before
        if groups and row <= groups[-1][3]:
            g = groups[-1]
            g[1], g[3] = max(g[1], node.end_byte), max(g[3], last)
        else:
            if first_only and groups:
                break
            groups.append([node.start_byte, node.end_byte, row, last])
    out = []
    for start, end, row, last in groups:
        piece = bash.give_back(data[start:end].decode("utf-8", "replace")).strip()
        if piece:
            out.append((piece, row, last))
    return out


def comments(content: str) -> list[tuple[int, str]]:
    """(0-based row, text) of each comment that stands on a line of its own in a script: what the author wrote to the
    reader between commands (a here-document's `# …` lines are its body, not comments)."""
    lines = bash.hide_placeholders(content).encode("utf-8").split(b"\n")
    out = []
    for node in bash.tree(content).children:
        if node.type == "comment" and not lines[node.start_point.row][: node.start_point.column].strip():
            out.append((node.start_point.row, bash.node_text(node)))
    return out


def heredoc(command: str) -> HereDoc | None:
    """The first here-document of a command (`kubectl apply -f - <<EOF … EOF`), or None."""
    if "<<" not in command:
        return None
    docs = bash.parse(command).heredocs
    return docs[0].heredoc if docs else None


def segments(command: str) -> list[list[str]]:
    """The simple commands a command runs (pipelines, lists, loops, `$(…)`), as word lists, in the order bash runs them.

    Redirections are not words; a here-document's body is data, not commands;
    a function's body runs only when called, so it is not listed.
    """
    return [list(c.words) for c in bash.parse(command).commands if c.words and c.runs]


@dataclass(frozen=True)
class PodChoice:
    """A pod named by the command that finds it, as a reader writes it where a pod name goes (`kubectl exec -it
    $(kubectl get pods -l app=web -o name) -- sh`): the pod is one of those the selector picks, whose name holds
    `contains` (a `| grep web` in the pipeline), known only when the command runs."""

    selector: str  # "" for every pod
    contains: str | None = None


def pod_choice(text: str) -> PodChoice | None:
    """`$(kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}')`, `` `kubectl get pod --selector
    app=web -o name | head -1` ``, `$(kubectl get pods | grep web | awk '{print $1}')`: the pods they choose from.
    None for a plain name or for a substitution that is not a pod lookup."""
    text = text.strip()
    if not ((text.startswith("$(") and text.endswith(")")) or (len(text) > 2 and text[0] == text[-1] == "`")):
        return None
    selector: str | None = None
    contains: str | None = None
    for words in segments(f"echo {text}")[:-1]:  # the commands inside, in order; the last is the `echo` itself
        call = kubectl.parse(words) if words[0] == "kubectl" else None
        if call is not None:
            kinds = {kubectl.kind_of(a) for a in call.args[:1]}
            if call.verb != "get" or kinds != {"Pod"} or call.targets:
                return None
            selector = call.flag("-l", "--selector") or ""
        elif words[0] == "grep" and selector is not None and contains is None:
            patterns = [w for w in words[1:] if not w.startswith("-")]
            if "-v" in words or not patterns:
                return None
            contains = patterns[0]
    return PodChoice(selector, contains) if selector is not None else None


def piped(command: str) -> list[tuple[list[str], str | None]]:
    """`segments`, each with the file that reaches its input through a pipeline (`bash.Script.input_file`): in
    `envsubst < app.yaml | kubectl apply -f -`, kubectl's `-` is app.yaml."""
    script = bash.parse(command)
    return [(list(c.words), script.input_file(i)) for i, c in enumerate(script.commands) if c.words and c.runs]


def given_files(files: tuple[str, ...], stdin: str | None) -> tuple[str, ...]:
    """kubectl's `-f` files with `-` read as the file piped into it, when one is (`piped`)."""
    return tuple(stdin if f == "-" and stdin else f for f in files)


def plain_file(name: str) -> str:
    """A file argument as the working directory sees it: `./secret.yaml` and `secret.yaml` are one file."""
    while name.startswith("./"):
        name = name[2:]
    return name
