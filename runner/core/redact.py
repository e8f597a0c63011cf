"""Keep secret values out of every output, log and report: one model of what a secret looks like.

A tutorial may carry a token in plain text. The tool needs the value to run
the step, but never prints it. Every run and every grade owns a `Redactor`
(and `show` and `lint` make one for the lesson they print), and everything
that reaches an output (messages, evidence, reports, boards, the progress
file) has been through it. It masks two things:

* what the patterns below recognise as a secret, wherever they see it:
  - the values of `--from-literal` (however the word is quoted or escaped);
  - credentials in URLs: `https://user:pass@host`, and `https://TOKEN@host`
    when the user part looks like a token;
  - the values of `--password`, `--token`, `--docker-password` and other
    `--…-password/token/secret` flags, `-p` of `docker login` (and podman,
    helm registry, sshpass, `mysql -pPW`), the password of `curl -u u:pw`;
  - `Authorization:` headers (and `X-…-Token`, `Private-Token`, `Api-Key`);
  - `NAME=value` (export, env prefixes, env files, check arguments, `--set`)
    and `name: value` (YAML, JSON) when the name looks secret (`looks_secret`:
    TOKEN, PASSWORD, SECRET, KEY, … but not `secretName`, `TOKEN_PATH`);
  - a pod env entry whose `name` looks secret: its `value`, in block or flow style;
  - every value under `data` and `stringData` of a Secret manifest, in any
    YAML style (block scalars, quoted keys, flow mappings, JSON), whether
    `kind: Secret` is quoted or followed by a comment;
* every value it was told (`remember`) or `learn`t, and its base64 form:
  a profile's git token, the values a lesson's own text holds (so they stay
  hidden in command output, events and logs that the patterns cannot read),
  the `--set` value of a placeholder whose name looks secret.

Values that are references, not secrets, are kept: `$GH_TOKEN`, `${X}`,
`$(cat f)`, `<placeholder>`. The module-level `redact` is pattern-only (for
text with no run behind it).
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

MASK = "***"

# ----------------------------------------------------------------------------- what a secret's name looks like

_SECRET_WORDS = frozenset(
    {
        "token",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "key",
        "apikey",
        "secretkey",
        "accesskey",
        "privatekey",
        "credential",
        "credentials",
        "pat",
        "auth",
        "authtoken",
        "accesstoken",
    }
)
_SECRET_ENDINGS = ("token", "password", "passwd", "secret", "apikey")
# a name ending in one of these holds where a secret is, or something about it, not the secret itself
_NOT_SECRET_TAIL = frozenset(
    {
        "name",
        "names",
        "ref",
        "refs",
        "file",
        "files",
        "path",
        "paths",
        "dir",
        "url",
        "uri",
        "endpoint",
        "type",
        "kind",
        "length",
        "len",
        "size",
        "env",
        "var",
        "ttl",
        "seconds",
        "expiry",
        "expiration",
        "expires",
        "label",
        "labels",
        "field",
        "selector",
        "mode",
        "version",
        "enabled",
        "format",
        "header",
        "policy",
        "count",
        "timeout",
        "source",
        "provider",
        "mount",
        "helper",
        "store",
        "cache",
        "storage",
        "manager",
        "plugin",
        "command",
        "cmd",
        "program",
        "method",
        "issuer",
        "audience",
        "scope",
        "scopes",
        "usage",
    }
)
_NOT_SECRET_NAMES = frozenset({"key", "keys", "pwd", "oldpwd", "secret", "secrets", "auth"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def looks_secret(name: str) -> bool:
    """Does a variable, key, flag or placeholder of this name hold a secret? (GITHUB_TOKEN, db-password, apiKey: yes.)

    `key` alone (a secretKeyRef's key), `secretName` and `TOKEN_PATH` name a
    secret without holding it: no.
    """
    if name.lower() in _NOT_SECRET_NAMES:
        return False
    words = [w.lower() for w in _WORD.findall(name)]
    if not words or words[-1] in _NOT_SECRET_TAIL:
        return False
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


_STAND_INS = frozenset({"...", "…", "changeme", "redacted", "xxx", "<redacted>"})


def is_reference(value: str) -> bool:
    """`$GH_TOKEN`, `${X}`, `$(cat f)`, a backquoted command, `<token>`, `...`, `***`, `changeme`: stands for a value, is not one.

    The one answer for lint (which reports only values written in the text)
    and the Redactor (which masks only values).
    """
    v = value.strip().strip("'\"")
    return (
        not v
        or v.startswith(("$", "`"))
        or "$(" in v
        or "${" in v
        or bool(re.fullmatch(r"<[^<>\n]{1,80}>", v))
        or set(v) <= set("*.x…")
        or v.lower() in _STAND_INS
    )


# ----------------------------------------------------------------------------- what a secret's value looks like

# shapes of real credentials: a value of one of these is a secret wherever it is written
TOKEN_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"), "a GitHub token"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{32,}"), "an API key"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----)?", re.S), "a private key"),
)


def token_kind(value: str) -> str | None:
    """`a GitHub token`, `a private key` …: what kind of real credential the value is shaped like, if any."""
    for pattern, what in TOKEN_SHAPES:
        if pattern.search(value):
            return what
    return None


def looks_random(value: str) -> bool:
    """A long mixed string of letters and digits with no space (and not an address): probably a real credential."""
    v = value.strip().strip("'\"")
    return len(v) >= 20 and bool(re.search(r"[A-Za-z]", v)) and bool(re.search(r"\d", v)) and not re.search(r"\s|://", v)


# ----------------------------------------------------------------------------- reading values out of text

_WS = " \t\r\n"
_STOP = set(_WS) | set(";|&<>()`")


def _value_end(text: str, i: int, stops: str = "") -> int:
    """Where a shell-ish value starting at `i` ends: quotes (to their closing quote), backslash escapes, a word."""
    n = len(text)
    stop = _STOP | set(stops)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            close = _closing(text, i)
            if close < 0:  # an unclosed quote: the value goes to the end of the line
                nl = text.find("\n", i)
                return n if nl < 0 else nl
            i = close + 1
        elif ch == "\\" and i + 1 < n:
            i += 2
        elif ch in stop:
            return i
        else:
            i += 1
    return i


def _closing(text: str, i: int) -> int:
    """The index of the quote closing the one at `i` (a `"` may be escaped), else -1."""
    q = text[i]
    j = i + 1
    while True:
        j = text.find(q, j)
        if j < 0:
            return -1
        if q == "'" or not _escaped(text, j):
            return j
        j += 1


def _escaped(text: str, j: int) -> bool:
    k = j - 1
    while k >= 0 and text[k] == "\\":
        k -= 1
    return (j - 1 - k) % 2 == 1


def _inside(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a value without the quotes around it (`"a b"` -> a b)."""
    if end - start >= 2 and text[start] in "'\"" and text[end - 1] == text[start]:
        return start + 1, end - 1
    return start, end


Span = tuple[int, int]


def _value_span(text: str, start: int, stops: str = "") -> Span | None:
    """The secret part of a value at `start`, unless it is empty or a reference."""
    return _secret_part(text, start, _value_end(text, start, stops))


def _secret_part(text: str, start: int, end: int) -> Span | None:
    s, e = _inside(text, start, end)
    if e <= s or is_reference(text[s:e]):
        return None
    return s, e


def _values_at(text: str, starts: Iterable[int], stops: str = "") -> Iterator[Span]:
    """The values that start at `starts` (ascending), each part of the text read once.

    A start inside a value already read is part of that value (`--token=--token=x`,
    `--from-literal=a--from-literal=b`): reading it again would make a line of n such
    words cost n squared, and its text is masked with the outer value anyway.
    """
    read_to = -1
    for start in starts:
        if start < read_to:
            continue
        end = read_to = _value_end(text, start, stops)
        span = _secret_part(text, start, end)
        if span:
            yield span


def _segments_after(text: str, finder: re.Pattern[str]) -> Iterator[Span]:
    """(from, to): the rest of the simple command after each match of `finder`, each segment read once.

    `docker login docker login ... -p x` is one command: a second match in
    the same segment adds nothing the first did not see.
    """
    read_to = -1
    for m in finder.finditer(text):
        if m.end() <= read_to:
            continue
        read_to = _segment_end(text, m.end())
        yield m.end(), read_to


# ----------------------------------------------------------------------------- the patterns


_FROM_LITERAL = re.compile(r"--from-literal(?:=|[ \t]+)")
_CREATE_SECRET = re.compile(r"\bcreate[ \t]+secret\b")
_COMMAND_END = re.compile(r"(?<!\\)\n|[;|&]")


def _in_secret_command(text: str, i: int) -> bool:
    """Whether the command `text[i]` belongs to makes a Secret (`kubectl create secret generic … \\` over lines)."""
    start = max((m.end() for m in _COMMAND_END.finditer(text, 0, i)), default=0)
    return bool(_CREATE_SECRET.search(text, start, i))


def _from_literal(text: str) -> Iterator[Span]:
    """`--from-literal=key=value`, `='key=two words'`, `=key="a b"`, `=key=a\\ b`, `--from-literal key=v`.

    Every value given to a Secret is one; in a ConfigMap only a value under a
    secret's name (`--from-literal=api-token=…`) or in a credential's shape.
    """
    read_to = -1  # a match inside a value already read is part of it (see `_values_at`)
    for m in _FROM_LITERAL.finditer(text):
        if m.start() < read_to:
            continue
        start = m.end()
        opener = m.start() - 1
        if opener >= 0 and text[opener] in "'\"" and (close := _closing(text, opener)) > start:
            end = close  # `"--from-literal=key=two words"`: the value goes to the closing quote
        else:
            end = _value_end(text, start)
        read_to = end
        eq = text.find("=", start, end)
        if eq < 0:
            continue
        s, e = eq + 1, end
        if text[start] in "'\"" and text[start] not in text[start + 1 : eq] and e - 1 > s and text[e - 1] == text[start]:
            e -= 1  # '--from-literal="key=value"': keep the closing quote
        s2, e2 = _inside(text, s, e)
        if e2 > s2 and not is_reference(text[s2:e2]):
            key = text[start:eq].strip("'\"")
            if _in_secret_command(text, m.start()) or looks_secret(key) or token_kind(text[s2:e2]):
                yield s2, e2


_FLAG = re.compile(
    r"(?<![\w-])--(?:[a-z0-9]+-)*(?:password|passwd|passphrase|token|secret|api-?key|secret-key|access-key|auth-token)"
    r"(?:=|[ \t]+(?=[^\s-]))"
)
_LOGIN = re.compile(r"\b(?:docker|podman|nerdctl|buildah|skopeo|oras|crane|helm(?:[ \t]+registry)?)[ \t]+login\b|\bsshpass\b")
_SHORT_P = re.compile(r"(?<=\s)-p(?:=|[ \t]+)?(?=[^\s-])")
_MYSQL = re.compile(r"\bmysql(?:dump|admin)?\b")
_ATTACHED_P = re.compile(r"(?<=\s)-p(?=[^\s-])")
_CURL = re.compile(r"\bcurl\b")
_CURL_USER = re.compile(r"(?<=\s)(?:-u|--user)(?:=|[ \t]+)(?=\S)")


_SEGMENT_END = re.compile(r"[\n;|&]")


def _segment_end(text: str, i: int) -> int:
    """The end of the simple command at `i` (a newline, `;`, `|` or `&`)."""
    m = _SEGMENT_END.search(text, i)
    return m.start() if m else len(text)


def _flags(text: str) -> Iterator[Span]:
    yield from _values_at(text, (m.end() for m in _FLAG.finditer(text)))
    for finder, flag in ((_LOGIN, _SHORT_P), (_MYSQL, _ATTACHED_P)):
        for start, end in _segments_after(text, finder):
            yield from _values_at(text, (p.end() for p in flag.finditer(text, start, end)))
    for start, end in _segments_after(text, _CURL):
        for span in _values_at(text, (u.end() for u in _CURL_USER.finditer(text, start, end))):
            colon = text.find(":", span[0], span[1])
            if colon >= 0 and colon + 1 < span[1]:
                yield colon + 1, span[1]


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}\Z")
_USERINFO = re.compile(r"([^\s/@:'\"<>$`{}]{1,256})(?::([^\s/@'\"<>`]{0,512}))?@")
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "xoxb-", "xoxp-", "sk-", "ya29.")


def _looks_like_token(user: str) -> bool:
    if user.startswith(_TOKEN_PREFIXES) or len(user) >= 16:
        return True
    return len(user) >= 10 and any(c.isdigit() for c in user) and any(c.isalpha() for c in user)


def _urls(text: str) -> Iterator[Span]:
    """`scheme://user:password@`: the password; `https://TOKEN@`: the token (a user name that looks like one)."""
    start = 0
    while (p := text.find("://", start)) >= 0:
        start = p + 3
        if not _SCHEME.search(text, max(0, p - 32), p):
            continue
        m = _USERINFO.match(text, p + 3)
        if not m:
            continue
        user, password = m.group(1), m.group(2)
        if password is not None:
            if password and not is_reference(password):
                yield m.start(2), m.end(2)
        elif not is_reference(user) and _looks_like_token(user):
            yield m.start(1), m.end(1)


_HEADER = re.compile(
    r"(?i)(?<![\w-])(?:(?:proxy-)?authorization|x-[\w-]{0,40}?(?:token|key|secret)|private-token|api-key)[ \t]*:[ \t]*"
    r"(?:(?:bearer|basic|token|digest|bot|negotiate)[ \t]+)?"
)


_HEADER_END = re.compile("[\n\"']")


def _headers(text: str) -> Iterator[Span]:
    """`Authorization: Bearer abc`, `-H 'X-Auth-Token: abc'`: the credential, to the end of the header.

    A header inside the value of one already read is part of it (and not read again).
    """
    pos = 0
    while m := _HEADER.search(text, pos):
        i = pos = m.end()
        if i < len(text) and text[i] in "{[\n":
            continue  # `authorization:` holding a mapping (an API server's config), not a header
        stop = _HEADER_END.search(text, i)
        end = pos = stop.start() if stop else len(text)
        value = text[i:end].rstrip()
        if value and not is_reference(value):
            yield i, i + len(value)


_ASSIGN = re.compile(r"(?<![\w.$/-])([A-Za-z_][A-Za-z0-9_.-]{0,127})=(?=[^\s=])")


def _assignments(text: str) -> Iterator[Span]:
    """`export GITHUB_TOKEN=abc`, `TOKEN="a b" cmd`, `token=abc` (a check argument), `--set auth.password=x`."""
    pos = 0
    while m := _ASSIGN.search(text, pos):
        pos = m.end()
        if looks_secret(m.group(1)):
            span = _value_span(text, m.end(), ",}&")
            if span:
                yield span
                pos = span[1]


_KEY_LINE = re.compile(r"(?m)^([ \t]*(?:-[ \t]+)?)([\"']?)([A-Za-z_][\w.-]{0,127})\2[ \t]*:(?:[ \t]+(.*))?$")
_FLOW_PAIR = re.compile(r"(?<=[{,])[ \t]*([\"']?)([A-Za-z_][\w.-]{0,127})\1[ \t]*:[ \t]*")
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*")
_PLAIN_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "null", "~", "{}", "[]", "''", '""'})


def _yaml_value(text: str, start: int, end: int) -> Span | None:
    """The secret part of a YAML/JSON scalar in text[start:end] (a trailing comma or comment is not part of it)."""
    if end <= start:
        return None
    if text[start] in "'\"":
        close = _closing(text, start)
        s, e = (start + 1, end) if close < 0 or close >= end else (start + 1, close)
    else:
        raw = text[start:end]
        cut = raw.find(" #")
        raw = (raw[:cut] if cut >= 0 else raw).rstrip().rstrip(",").rstrip()
        s, e = start, start + len(raw)
    value = text[s:e]
    if e <= s or value.lower() in _PLAIN_VALUES or value[:1] in "{[&*!" or is_reference(value):
        return None
    return s, e


def _deeper_lines(text: str, pos: int, indent: int, end: int | None = None) -> Iterator[Span]:
    """The content of the lines from `pos` on that are indented more than `indent` (a block's lines)."""
    end = len(text) if end is None else end
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        line = text[pos:stop]
        if line.strip():
            lead = len(line) - len(line.lstrip(" \t"))
            if lead <= indent:
                return
            yield pos + lead, stop
        pos = stop + 1


@dataclass(frozen=True)
class _KeyLine:
    line: int  # 0-based line number in the text
    column: int  # where the key starts (after indentation and a `- `)
    item: bool  # the line starts a list item (`- key: ...`)
    key: str
    value: Span | None  # the value's raw span on the line


def _key_lines(text: str) -> Iterator[_KeyLine]:
    line, counted = 0, 0
    for m in _KEY_LINE.finditer(text):
        line += text.count("\n", counted, m.start())
        counted = m.start()
        value = (m.start(4), m.start(4) + len(m.group(4).rstrip())) if m.group(4) and m.group(4).strip() else None
        yield _KeyLine(line, len(m.group(1)), "-" in m.group(1), m.group(3), value)


def _starts_item(k: _KeyLine | None, column: int) -> bool:
    return k is not None and k.item and k.column <= column


def _key_values(text: str) -> Iterator[Span]:
    """`password: abc`, `"token": "abc",`, `token: |` + lines, `{password: abc}`; and env entries whose name looks secret."""
    if ":" not in text:
        return
    by_line: dict[int, _KeyLine] = {}
    names: list[_KeyLine] = []
    block_to = -1  # the end of the last block scalar read: a key line inside it is masked with it
    for k in _key_lines(text):
        by_line[k.line] = k
        if k.value is None:
            continue
        s, e = k.value
        if k.key == "name" and looks_secret(text[s:e].strip("'\",")):
            names.append(k)
        if not looks_secret(k.key):
            continue
        if _BLOCK_SCALAR.fullmatch(text[s:e].split(" #")[0].strip()):
            nl = text.find("\n", e)
            if nl >= 0 and s > block_to:
                for line_span in _deeper_lines(text, nl + 1, k.column):
                    block_to = line_span[1]
                    yield line_span
            continue
        span = _yaml_value(text, s, e)
        if span:
            yield span
    for name in names:  # `- name: GIT_TOKEN` and the `value:` of the same entry, before or after it
        for other in range(name.line - 3, name.line + 4):
            v = by_line.get(other)
            if v is None or v.key != "value" or v.column != name.column or v.value is None:
                continue
            first, last = sorted((name.line, other))
            if any(_starts_item(by_line.get(i), name.column) for i in range(first + 1, last + 1)):
                continue  # a list item starts in between: another entry
            span = _yaml_value(text, *v.value)
            if span:
                yield span
    if "{" in text:
        for m in _FLOW_PAIR.finditer(text):
            if looks_secret(m.group(2)):
                span = _value_span(text, m.end(), ",}")
                if span:
                    yield span
        yield from _flow_env(text)


_FLOW_MAP = re.compile(r"\{[^{}\n]{0,2000}\}")
_FLOW_NAME = re.compile(r"[{,][ \t]*[\"']?name[\"']?[ \t]*:[ \t]*[\"']?([\w.-]+)")
_FLOW_VALUE = re.compile(r"[{,][ \t]*[\"']?value[\"']?[ \t]*:[ \t]*")


def _flow_env(text: str) -> Iterator[Span]:
    """`{name: GIT_TOKEN, value: x}` (or `value` first)."""
    for m in _FLOW_MAP.finditer(text):
        name = _FLOW_NAME.search(text, m.start(), m.end())
        if name and looks_secret(name.group(1)):
            value = _FLOW_VALUE.search(text, m.start(), m.end())
            if value:
                span = _value_span(text, value.end(), ",}")
                if span:
                    yield span


_KIND_SECRET = re.compile(r"(?m)^[ \t]*[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?Secret[\"']?[ \t]*,?[ \t]*(?:#.*)?$")
_DOC_SEP = re.compile(r"(?m)^---")
_DATA_KEY = re.compile(r"(?m)^([ \t]*)[\"']?(data|stringData)[\"']?[ \t]*:[ \t]*(.*)$")
_ENTRY = re.compile(r"[ \t]*(?:-[ \t]+)?(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s:\"'#][^:\n]*)[ \t]*:(?:[ \t]+|$)")


def _secret_manifests(text: str) -> Iterator[Span]:
    """Every value under `data:` / `stringData:` of each Secret document in the text (YAML or JSON), keys kept."""
    if "Secret" not in text or not _KIND_SECRET.search(text):
        return
    bounds = [0] + [m.start() for m in _DOC_SEP.finditer(text)] + [len(text)]
    for start, end in itertools.pairwise(bounds):
        if not _KIND_SECRET.search(text, start, end):
            continue
        read_to = -1  # a `data:` inside the block of one already read is masked with it
        for m in _DATA_KEY.finditer(text, start, end):
            if m.start() < read_to:
                continue
            rest = m.group(3).strip()
            if rest and rest not in ("{", "|", ">") and not rest.startswith("#"):
                yield m.start(3), m.start(3) + len(m.group(3).rstrip())  # `stringData: {token: abc}`: all of it
                continue
            for s, e in _deeper_lines(text, m.end() + 1, len(m.group(1)), end):
                read_to = e
                entry = _ENTRY.match(text, s, e)
                if entry and entry.end() < e:
                    if not is_reference(text[entry.end() : e]):
                        yield entry.end(), e  # `token: abc`, `"token": "abc",`: the value
                elif not entry:
                    yield s, e  # a line of a block scalar (or anything else under data): all of it


def _token_shapes(text: str) -> Iterator[Span]:
    """A credential's own shape (`ghp_…`, `-----BEGIN PRIVATE KEY-----` … `-----END …`), wherever it is written."""
    for pattern, _what in TOKEN_SHAPES:
        for m in pattern.finditer(text):
            yield m.span()


# each way a secret value is written, with the words lint uses for it (the Redactor masks them all)
PLACES: tuple[tuple[Callable[[str], Iterator[Span]], str], ...] = (
    (_from_literal, "a `--from-literal` value"),
    (_flags, "a password or token flag"),
    (_urls, "the credentials of a URL"),
    (_headers, "an HTTP credential header"),
    (_assignments, "a variable or setting with a secret's name"),
    (_key_values, "a key with a secret's name"),
    (_secret_manifests, "the data of a Secret"),
    (_token_shapes, "a value shaped like a credential"),
)
PATTERNS = tuple(finder for finder, _what in PLACES)


@dataclass(frozen=True)
class SecretPlace:
    """A secret value written in text: where, and which of the `PLACES` saw it (lint reports these, never the value)."""

    start: int
    end: int
    place: str


def secret_places(text: str) -> list[SecretPlace]:
    """Every secret value the patterns see in `text`, each with how it is written (overlaps kept, sorted)."""
    return sorted(
        (SecretPlace(s, e, what) for finder, what in PLACES for s, e in finder(text) if e > s), key=lambda p: (p.start, -p.end)
    )


def secret_spans(text: str) -> list[Span]:
    """Where the patterns see secret values in `text`: sorted, merged (start, end) spans."""
    spans = sorted(s for finder in PATTERNS for s in finder(text) if s[1] > s[0])
    merged: list[Span] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def mask_spans(text: str, spans: list[Span]) -> str:
    out, last = [], 0
    for s, e in spans:
        out.append(text[last:s])
        out.append(MASK)
        last = e
    out.append(text[last:])
    return "".join(out)


# ----------------------------------------------------------------------------- the redactor


def _forms(value: str) -> list[str]:
    """A value, its base64 form (how a Secret's data shows it) and its slug (how a step id made of it shows it)."""
    forms = [value]
    try:
        forms.append(base64.b64encode(value.encode()).decode())
    except UnicodeEncodeError:
        pass
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    if len(slug) >= 8 and slug != value:
        forms.append(slug)
    return forms


_ESCAPE = re.compile(r"\\(.)")


class Redactor:
    """Masks secrets in text: by pattern, and the values `remember`ed or `learn`t for this run, grade or lesson."""

    MIN_LENGTH = 4  # shorter values are masked where a pattern sees them, never everywhere
    MEMO_TEXT = 512  # short texts (names, times, one summary) repeat across a board's redraws and saves: remembered
    MEMO_SIZE = 200_000

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        self._memo: dict[str, str] = {}  # text -> masked, for the values known now (emptied when one is learnt)
        for value in known:
            self.remember(value)

    def remember(self, value: str | None) -> None:
        """A value learnt at run time (profile token, generated password) that must never be printed, nor its base64."""
        if not value or len(value.strip()) < self.MIN_LENGTH or MASK in value or is_reference(value):
            return
        with self._lock:
            for form in _forms(value.strip()):
                if form not in self._known:
                    self._known.add(form)
                    self._pattern = None
                    self._memo = {}

    def learn(self, text: str | None) -> None:
        """Remember the secret values the patterns find in `text` (a lesson's step), so that they are masked anywhere."""
        if not text:
            return
        for s, e in secret_spans(text):
            raw = text[s:e]
            self.remember(raw)
            if "\\" in raw:
                self.remember(_ESCAPE.sub(r"\1", raw))  # `a\ b` is printed as `a b`

    def __call__(self, text: str | None) -> str | None:
        return self.text(text) if text else text

    def text(self, text: str) -> str:
        """Known values first (a pattern may see only part of one: `--password a b` printed without quotes), then patterns.

        A short text's answer is remembered until a new value is learnt: a progress file of 1000 participants holds
        about 50,000 strings, nearly all the same from one save to the next (0.86 s a save before, measured)."""
        short = len(text) <= self.MEMO_TEXT
        memo = self._memo
        if short:
            done = memo.get(text)
            if done is not None:
                return done
        pattern = self._known_pattern()
        out = pattern.sub(MASK, text) if pattern is not None and text else text
        out = mask_spans(out, secret_spans(out)) if out else out
        if short:
            if len(memo) >= self.MEMO_SIZE:
                memo.clear()
            memo[text] = out
        return out

    def lines(self, lines: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.text(line) for line in lines)

    def _known_pattern(self) -> re.Pattern[str] | None:
        """One expression for every known value, longest first; a short value only as a whole word."""
        with self._lock:
            if self._pattern is None and self._known:
                parts = []
                for value in sorted(self._known, key=len, reverse=True):
                    escaped = re.escape(value)
                    parts.append(escaped if len(value) >= 12 else rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])")
                self._pattern = re.compile("|".join(parts))
            return self._pattern


def redact(text: str | None) -> str | None:
    """Pattern-only redaction, for text with no run or lesson behind it."""
    return Redactor()(text)
