"""secrets: tokens and passwords written in plain text in a tutorial.

What is a secret is answered in one place, `runner.core.redact` (the
Redactor's patterns): lint reports exactly the values the Redactor would mask
in the tutorial's commands and manifests, so the two never disagree (a table
of shapes in tests/unit/test_secret_vocabulary.py holds both to it). Findings
name the place (`--from-literal=token=…`, `password: …`, the credentials of a
URL to a host) and never the value. `$VAR`, `$(VAR)`, `${VAR}` and
placeholders are references to a value kept elsewhere: not findings.
"""

from __future__ import annotations

import base64
import binascii
import re

from runner.core.redact import SecretPlace, looks_random, secret_places, token_kind
from runner.lesson.model import StepType
from runner.lint.base import rule

HINTS = {
    "a `--from-literal` value": 'let each participant supply it: `--from-literal=KEY="$VALUE"` or `--from-file`',
    "a password or token flag": 'read it from a variable: `--password="$VALUE"`',
    "the credentials of a URL": "use `$VAR` references or a credential helper instead of literal credentials",
    "an HTTP credential header": 'read it from a variable: `-H "Authorization: Bearer $TOKEN"`',
    "a variable or setting with a secret's name": "let each participant set it themselves",
    "a key with a secret's name": "put it in a Secret and use `valueFrom: secretKeyRef`",
    "the data of a Secret": "create the Secret from each participant's own value "
    '(`kubectl create secret generic ... --from-literal=KEY="$VALUE"`)',
    "a value shaped like a credential": "never publish a real credential: revoke it, and let each participant use their own",
}
_URL_HOST = re.compile(r"@([^/\s'\"]+)")


@rule("secrets", summary="tokens and passwords in plain text (the finding never shows the value)")
def secrets(*, lesson, facts, emit, **_) -> None:
    for step in lesson.steps:
        if step.type in (StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE) and step.command:
            _report(step, step.command, step.line, emit, "command")
        elif step.type is StepType.MANIFEST:
            _report(step, step.text, step.content_line or step.line + 1, emit, "manifest")


def _report(step, text: str, first: int, emit, where: str) -> None:
    """One finding per line that holds secret values: where they are, what they are, never what they say."""
    by_line: dict[int, list[SecretPlace]] = {}
    for place in secret_places(text):
        by_line.setdefault(text.count("\n", 0, place.start), []).append(place)
    for index, places in sorted(by_line.items()):
        labels, kinds, real = [], [], False
        for p in places:
            value = text[p.start : p.end]
            plain = _decoded(value) if p.place == "the data of a Secret" else value
            kind = token_kind(value) or token_kind(plain)
            real = real or bool(kind) or looks_random(plain)
            label = _label(text, p)
            if label not in labels:
                labels.append(label)
            if kind and kind not in kinds:
                kinds.append(kind)
        what = " and ".join(kinds) if kinds else "a secret" if len(labels) == 1 else "secrets"
        verb = "writes" if len(labels) == 1 else "write"
        emit(
            step,
            first + index,
            "error" if real else "warning",
            f"{', '.join(labels)} {verb} {what} in plain text in the tutorial's {where}",
            hint=HINTS.get(places[0].place),
        )


def _label(text: str, p: SecretPlace) -> str:
    """`--from-literal=token=…`, `password: …`, `https://…:…@github.com`: the place, without the value."""
    line_start = text.rfind("\n", 0, p.start) + 1
    before = text[line_start : p.start]
    if p.place == "the credentials of a URL":
        scheme = re.search(r"([A-Za-z][A-Za-z0-9+.-]*)://[^\s]*$", before)
        host = _URL_HOST.match(text, p.end) or _URL_HOST.search(text, p.end, p.end + 300)
        return f"`{scheme.group(1) if scheme else 'the'}://…@{host.group(1) if host else '…'}`"
    if p.place == "a value shaped like a credential" and not before.strip():
        return "a line"
    words = before.split()
    if not words:
        return "a value"
    key = words[-1].strip("'\"")
    return f"`{key} …`" if before.endswith((" ", "\t")) else f"`{key}…`"


def _decoded(value: str) -> str:
    try:
        return base64.b64decode(value.strip().strip("'\""), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return value
