"""Placeholders (`<username>`, `<project-namespace>`): finding them, near misses of declared ones, and the user name.

`<hash>` is a placeholder of another kind: the random suffix Kubernetes gives
a Job's pods. It is never substituted; the runner resolves it to the Job's pod
at run time, so it is always "declared".

Published tutorials spell the reader's user name many ways (`<yourUsername>`,
`<YOUR_USERNAME>`, `<change-this-to-your-username>`). `reads_as_user_name`
reads a name as words and accepts it by a small grammar, not by a list of
spellings: an instruction ("change this to", "enter"), an owner ("your",
"my own"), then "username", "user name", "login" or "login name", then
perhaps "here". A name that only may be the user's (`<name>`, `<user>`,
`<your-name>`), a user name of something else (`<github-username>`,
`<git-username>`) and a user *id* (`<your-user-id>`: in published text a
number or a database key, as in `runAsUser: <user-id>`) stay values of their own.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_.-]{0,62})>")
# a fill-in of published tutorials may be words: `<YOUR NAMESPACE>`, `<admin OR edit>` (`--set "YOUR NAMESPACE=ws"`)
FILL_IN = re.compile(r"<([A-Za-z][A-Za-z0-9_./-]{0,62}(?<!/)(?: [A-Za-z0-9_./-]+){0,8})>")  # and `<path/to/file>`
RUNTIME = {
    "hash": "the random suffix of a Job's pod, resolved when the step runs",
    "index": "the completion index of a pod of an Indexed Job, resolved when the step runs",
}
# words in angle brackets that are HTML, not placeholders
_HTML_TAGS = {
    "br",
    "b",
    "i",
    "p",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "div",
    "span",
    "sub",
    "sup",
    "details",
    "summary",
    "kbd",
    "u",
    "s",
    "img",
    "a",
    "li",
    "ul",
    "ol",
    "tt",
}


@dataclass(frozen=True)
class Occurrence:
    name: str
    line: int
    column: int


_INCLUDE = re.compile(r"[ \t]*#[ \t]*(?:include|import)[ \t]*$")


def find(text: str, first_line: int, fill_ins: bool = False) -> list[Occurrence]:
    """Every `<name>` in `text` (whose first line is `first_line`), in linear time (lines counted as the search goes);
    with `fill_ins`, `<words like these>` too."""
    out = []
    line, line_start, counted = first_line, 0, 0
    for m in (FILL_IN if fill_ins else PLACEHOLDER).finditer(text):
        name = m.group(1)
        if name.lower().removesuffix("/").rstrip() in _HTML_TAGS:  # `<br>`, `<br />`
            continue
        if _INCLUDE.match(text, text.rfind("\n", 0, m.start()) + 1, m.start()):  # `#include <stdio.h>`: a C header
            continue
        newlines = text.count("\n", counted, m.start())
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted, m.start()) + 1
        counted = m.start()
        out.append(Occurrence(name, line, m.start() - line_start + 1))
    return out


# `echo "Usage: ./add-user.sh <username> <role>"`: a message that starts with "Usage:"
_USAGE = re.compile(r"\s*(?:echo|printf)\s+(?:-\w+\s+)*[\"']?\s*usage\s*:", re.I)


def to_fill(text: str, first_line: int, *, shell: bool, fill_ins: bool = True) -> list[Occurrence]:
    """The placeholders of a step's text that the reader fills in before it runs: not runtime ones (`<hash>`), and in
    a shell text not those of a syntax note, `# Usage: ./add-user.sh <username> <role>` or `echo "Usage: … <role>"`
    in a script (what the script's own arguments are called)."""
    lines = text.split("\n")

    def syntax_note(o: Occurrence) -> bool:
        before = lines[o.line - first_line][: o.column - 1] if 0 <= o.line - first_line < len(lines) else ""
        return before.lstrip().startswith("#") or (bool(_USAGE.match(before)) and not re.search(r"[;|&]", before))

    return [o for o in find(text, first_line, fill_ins) if o.name not in RUNTIME and not (shell and syntax_note(o))]


def distance(a: str, b: str) -> int:
    """Levenshtein edit distance (small strings only)."""
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_miss(name: str, declared: list[str]) -> str | None:
    """The declared name `name` is probably a typo of, if any.

    A spelling of the user name (`<user-name>`) is never a typo of `<username>`;
    a near miss of one (`<yourUsernam>`) is.
    """
    if USER_NAME in declared and name not in declared:
        if reads_as_user_name(name):
            return None
        if user_name_typo(name):
            return USER_NAME
    best: tuple[int, str] | None = None
    for cand in declared:
        d = distance(name.lower(), cand.lower())
        limit = 1 if len(cand) <= 4 else 2 if len(cand) <= 10 else 3
        if (0 < d <= limit or (d == 0 and name != cand)) and (best is None or d < best[0]):
            best = (d, cand)
    return best[1] if best else None


# ---- the user name in any spelling ---------------------------------------------------------------

USER_NAME = "username"  # the placeholder `--user` fills, always declared

# The grammar, over words that case-folding glues (`yourUsername` is "your username") and that `-`, `_` or
# spaces may separate (possessive, so that a run of separators is read once):
#   name := (VERB (PRONOUN)? (PREPOSITION)?)? (OWNER ("own")?)? CORE ("here")?
_S = r"[-_ ]*+"
_VERBS = ("change", "replace", "put", "insert", "enter", "type", "fill", "set", "add", "write", "use")
_PRONOUNS = ("this", "it", "me")
_PREPOSITIONS = ("to", "with", "in")
_OWNERS = ("your", "my", "the")
_INSTRUCTION = rf"(?:{'|'.join(_VERBS)})(?:{_S}(?:{'|'.join(_PRONOUNS)}))?(?:{_S}(?:{'|'.join(_PREPOSITIONS)}))?"
_OWNER = rf"(?:{'|'.join(_OWNERS)})(?:{_S}own)?"
_CORE = rf"(?:user{_S}name|login(?:{_S}name)?)"
_USER_NAME = re.compile(rf"(?:{_INSTRUCTION}{_S})?(?:{_OWNER}{_S})?{_CORE}(?:{_S}here)?")
_LEAD = tuple(sorted((*_VERBS, *_PRONOUNS, *_PREPOSITIONS, *_OWNERS, "own"), key=len, reverse=True))
_TYPO_LIMIT = 2  # as `near_miss` allows for a name of the length of `username`
_LONGEST_TYPO = 48  # letters: five lead words, a core and "here" are fewer; a longer name is no typo of the user name


@lru_cache(maxsize=4096)
def reads_as_user_name(name: str) -> bool:
    """True when the name of a placeholder says it is the reader's user name (`<yourUsername>`, `<USER_NAME>`).

    Any word outside the grammar makes it something else: `<github-username>`,
    `<user-id>`, `<your-name>`; a dot makes a key (`<user.name>` is git's full name).
    """
    return _USER_NAME.fullmatch(name.casefold()) is not None


@lru_cache(maxsize=4096)
def user_name_typo(name: str) -> bool:
    """True when `name` is a near miss of a spelling of the user name (`<yourUsernam>`, `<your-usrname>`).

    The letters after the instruction and owner words (glued or not) are
    compared with `username`; `login` is not, as `<log>` and `<logo>` are
    words of their own.
    """
    if reads_as_user_name(name) or "." in name:
        return False
    letters = re.sub(r"[-_ ]+", "", name.casefold())
    if not len(USER_NAME) - _TYPO_LIMIT <= len(letters) <= _LONGEST_TYPO:
        return False
    for start in _after_lead(letters):
        for core in {letters[start:], letters[start:].removesuffix("here")}:
            if abs(len(core) - len(USER_NAME)) <= _TYPO_LIMIT and 0 < distance(core, USER_NAME) <= _TYPO_LIMIT:
                return True
    return False


def _after_lead(letters: str) -> list[int]:
    """Where `letters` may go on after lead words of the grammar, glued in any order (`yourusernam`: 0 and 4)."""
    reachable = [True] + [False] * len(letters)
    for i in range(len(letters)):
        if reachable[i]:
            for lead in _LEAD:
                if letters.startswith(lead, i):
                    reachable[i + len(lead)] = True
    return [i for i, ok in enumerate(reachable) if ok and i < len(letters)]


def fills_user_name(name: str, declared: Collection[str]) -> bool:
    """`<name>` takes --user's value: `<username>`, or a spelling of it the lesson does not declare as a value of its own."""
    return name == USER_NAME or (name not in declared and reads_as_user_name(name))


def as_user_name(text: str, declared: Collection[str]) -> str:
    """`text` with every spelling of the user name written `<username>` (`pod-<yourUsername>` -> `pod-<username>`)."""
    return FILL_IN.sub(lambda m: f"<{USER_NAME}>" if fills_user_name(m.group(1), declared) else m.group(0), text)


_ASKING = frozenset({"change", "replace", "insert", "fill", "your", "yourname", "yourusername", "yournamespace"})


def asks_to_change(name: str) -> bool:
    """A name that tells the reader to replace it (`ChangeNameHere`, `PodName  <------ change here`, `YOUR-NAME`)."""
    if re.search(r"<-|->", name):
        return True
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)}
    return bool(words & _ASKING)
