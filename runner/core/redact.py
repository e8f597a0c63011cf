"""Keep secret values out of every output, log and report.

A tutorial may carry a token in plain text (`--from-literal=token=...`, a
Secret's `stringData`, `https://user:token@host`). The tool needs the value
to run the step, but never prints it: every run and every grade owns a
`Redactor`, which masks what the patterns recognise and every value it was
told at run time (a profile's git token), and everything that reaches an
output (messages, evidence, reports) has been through it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "***"
_LITERAL = re.compile(r"(--from-literal[= ]['\"]?[\w.-]+=)(['\"]?)([^\s'\"]+)")
_URL_CRED = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@$]+:)([^@\s/$][^@\s/]*)(@)", re.I)
_FLAG_SECRET = re.compile(r"(--(?:docker-password|password|token)[= ])(['\"]?)([^\s'\"]+)")
_SECRET_KIND = re.compile(r"(?m)^kind:\s*Secret\s*$")


class Redactor:
    """Masks secrets in text: by pattern, and the values `remember`ed for this run or grade."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()
        for value in known:
            self.remember(value)

    def remember(self, value: str | None) -> None:
        """A value learnt at run time (profile token, generated password) that must never be printed."""
        if value and len(value) >= 4:
            with self._lock:
                self._known.add(value)

    def __call__(self, text: str | None) -> str | None:
        return self.text(text) if text else text

    def text(self, text: str) -> str:
        out = _LITERAL.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
        out = _URL_CRED.sub(lambda m: m.group(1) + MASK + m.group(3), out)
        out = _FLAG_SECRET.sub(lambda m: m.group(1) + m.group(2) + MASK, out)
        if _SECRET_KIND.search(out):
            out = _redact_secret_yaml(out)
        with self._lock:
            known = sorted(self._known, key=len, reverse=True)
        for value in known:
            out = out.replace(value, MASK)
        return out

    def lines(self, lines: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.text(line) for line in lines)


def redact(text: str | None) -> str | None:
    """Pattern-only redaction, for outputs of a lesson as written (show, lint) where nothing was learnt at run time."""
    return Redactor()(text)


def _redact_secret_yaml(text: str) -> str:
    """Mask the values under `data:` / `stringData:` of a Secret manifest, keeping keys."""
    lines = text.split("\n")
    inside = None
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(data|stringData):\s*$", line)
        if m:
            inside = len(m.group(1))
            continue
        if inside is not None:
            indent = len(line) - len(line.lstrip())
            if line.strip() and indent <= inside:
                inside = None
            elif line.strip():
                lines[i] = re.sub(r"^(\s*[\w.-]+:\s*).+$", _mask_value, line)
    return "\n".join(lines)


def _mask_value(m: re.Match[str]) -> str:
    """`key: value` -> `key: ***`."""
    return m.group(1) + MASK
