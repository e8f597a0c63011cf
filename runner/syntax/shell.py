"""Split a shell block into the commands a reader would type, each with its line.

Handles what real tutorials contain: `$ ` prompts (lines without one are
output), backslash continuations, lines ending in `|`/`&&`/`||`, quotes spanning
lines, here-documents, full-line and trailing comments. A pipeline or an `&&`
chain stays one command: the runner runs it with `pipefail` so every part's
exit status counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runner.syntax.lexer import Quotes, split_words


@dataclass(frozen=True)
class Command:
    text: str  # the command as it would be typed (continuations joined by newlines)
    line: int  # 1-based line where it starts


_PROMPT = re.compile(r"^\s*(?:\(\w[\w.-]*\)\s*)?(?:[\w.@-]+(?::[~\w/.-]*)?)?[$%#]\s")
_PLAIN_PROMPT = re.compile(r"^\s*\$\s")
_PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9_.-]*>")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def split_commands(content: str, first_line: int) -> list[Command]:
    """Commands of a shell block whose content starts at `first_line`."""
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    prompted = any(_PLAIN_PROMPT.match(line) for line in lines)
    commands: list[Command] = []
    buf: list[str] = []
    start = 0
    quotes, last = Quotes(), ""  # of the command in `buf`: read once per line (linear time)
    heredoc_end: str | None = None
    for offset, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if heredoc_end is not None:
            buf.append(line)
            if line.strip() == heredoc_end:
                heredoc_end = None
                commands.append(Command("\n".join(buf), first_line + start))
                buf = []
            continue
        if not buf:
            if prompted:
                m = _PLAIN_PROMPT.match(line)
                if not m:
                    continue  # output shown after a prompt
                line = line[m.end() :]
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            start = offset
        else:
            if prompted:
                # continuation lines in console blocks may carry a `> ` secondary prompt
                line = re.sub(r"^\s*>\s", "", line)
        code = strip_comment(line)
        buf.append(code.rstrip())
        quotes.feed(buf[-1] if len(buf) == 1 else "\n" + buf[-1])
        last = buf[-1] or last
        m = _HEREDOC.search(code)
        if m:
            heredoc_end = m.group(2)
            quotes, last = Quotes(), ""
            continue
        if _continues(last, quotes):
            continue
        commands.append(Command(_tidy("\n".join(buf)), first_line + start))
        buf = []
        quotes, last = Quotes(), ""
    if buf:
        commands.append(Command(_tidy("\n".join(buf)), first_line + start))
    return commands


def _tidy(text: str) -> str:
    return text.strip()


def _continues(last: str, quotes: Quotes) -> bool:
    """True when the command goes on on the next line (`last`: its last non-empty line; `quotes`: read up to here)."""
    stripped = last.rstrip()
    if stripped.endswith("\\") and not stripped.endswith("\\\\"):
        return True
    if re.search(r"(\|\||&&|\|)\s*$", stripped):
        return True
    return quotes.open


def strip_comment(line: str) -> str:
    """Remove a trailing `# comment` that is outside quotes and starts a word."""
    quote: str | None = None
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
            continue
        if ch == "\\" and quote != "'":
            escaped = True
            continue
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line


@dataclass(frozen=True)
class HereDoc:
    """The body of a command's here-document (`<<EOF ... EOF`)."""

    text: str
    first_line: int  # offset of the body's first line from the command's first line
    delimiter: str


def heredoc(command: str) -> HereDoc | None:
    """The here-document a command feeds to its first `<<WORD`, or None."""
    lines = command.split("\n")
    for i, line in enumerate(lines):
        m = _HEREDOC.search(strip_comment(line))
        if m:
            body = lines[i + 1 :]
            if body and body[-1].strip() == m.group(2):
                body = body[:-1]
            return HereDoc("\n".join(body) + "\n", i + 1, m.group(2))
    return None


def words(command: str) -> list[str]:
    """shlex words of a command, tolerant of unbalanced quotes and continuations."""
    flat = command.replace("\\\n", " ")
    try:
        return split_words(flat)
    except ValueError:
        return flat.split()


def segments(command: str) -> list[list[str]]:
    """The simple commands of a pipeline / `&&` / `;` chain, as word lists.

    Redirections and their targets are dropped; a here-document body is ignored.
    """
    head = command.split("\n")[0] if _HEREDOC.search(command.split("\n")[0]) else command
    # `<username>` is a placeholder, not two redirections: hide it from the lexer
    hidden: list[str] = []

    def _hide(m: re.Match) -> str:
        hidden.append(m.group(0))
        return f"\x00{len(hidden) - 1}\x00"

    head = _PLACEHOLDER.sub(_hide, head)
    parts: list[list[str]] = [[]]
    skip_next = False
    try:
        tokens = split_words(head.replace("\\\n", " "), punctuation=True, comments=True)
    except ValueError:
        tokens = head.split()
    for tok in tokens:
        if skip_next:
            skip_next = False
            continue
        if tok in ("|", "||", "&&", ";", "&", ";;", "(", ")"):
            parts.append([])
        elif tok and set(tok) <= set("<>&|"):
            if parts[-1] and parts[-1][-1].isdigit():
                parts[-1].pop()  # the fd number of `2>&1`
            skip_next = True
        else:
            parts[-1].append(tok)
    if hidden:
        parts = [[_unhide(w, hidden) for w in p] for p in parts]
    return [p for p in parts if p]


_HIDDEN = re.compile("\x00([0-9]+)\x00")


def _unhide(word: str, hidden: list[str]) -> str:
    # a marker we did not make (the command itself held NUL, digits, NUL) stays as it was
    def back(m: re.Match[str]) -> str:
        i = int(m.group(1))
        return hidden[i] if i < len(hidden) else m.group(0)

    return _HIDDEN.sub(back, word) if "\x00" in word else word


def plain_file(name: str) -> str:
    """A file argument as the working directory sees it: `./secret.yaml` and `secret.yaml` are one file."""
    while name.startswith("./"):
        name = name[2:]
    return name
