"""secrets: tokens and passwords written in plain text in a tutorial.

Findings name the place (`--from-literal=token=…`, Secret `x` stringData `password`,
the credentials of a URL) and never the value. `$VAR`, `$(VAR)`, `${VAR}` and
placeholders are references to a value kept elsewhere: not findings.
"""

from __future__ import annotations

import base64
import binascii
import re

from runner.lesson.model import StepType
from runner.lint.base import rule
from runner.syntax.k8s import entries, mapping

SECRET_KEY = re.compile(r"(?i)(token|passw|passwd|pwd|secret|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth)")
TOKEN_PATTERNS = [
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"), "a GitHub token"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{32,}"), "an API key"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
]
LITERAL = re.compile(r"--from-literal[= ](['\"]?)([^=\s'\"]+)=(['\"]?)([^\s'\"]*)")
VALUE_FLAG = re.compile(r"(--(?:docker-password|password|token))[= ](['\"]?)([^\s'\"]+)")
URL_CRED = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^/\s:@]+):([^@\s/]+)@([^/\s'\"]+)", re.I)
ASSIGN = re.compile(r"(?:^|[\s;])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(['\"]?)([^\s'\";]+)")


def is_reference(value: str) -> bool:
    """`$VAR`, `$(VAR)`, `${VAR}`, `<placeholder>`, `***`: not a value written in the tutorial."""
    v = value.strip("'\"")
    return (
        not v
        or v.startswith("$")
        or "$(" in v
        or "${" in v
        or bool(re.fullmatch(r"<[^>]+>", v))
        or set(v) <= set("*.x")
        or v.lower() in ("changeme", "...", "xxx", "redacted")
    )


def token_kind(value: str) -> str | None:
    for pattern, what in TOKEN_PATTERNS:
        if pattern.search(value):
            return what
    return None


def looks_random(value: str) -> bool:
    """A long mixed string of letters and digits: probably a real credential."""
    return len(value) >= 20 and bool(re.search(r"[A-Za-z]", value)) and bool(re.search(r"\d", value)) and " " not in value


def _severity(value: str) -> str:
    return "error" if token_kind(value) or looks_random(value) else "warning"


@rule("secrets", summary="tokens and passwords in plain text (the finding never shows the value)")
def secrets(*, lesson, facts, emit, **_) -> None:
    for step in lesson.steps:
        if step.type in (StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE) and step.command:
            _command(step, emit)
        elif step.type is StepType.MANIFEST:
            _text_scan(step, step.text, step.content_line or step.line + 1, emit)
    for m in facts.manifests:
        _manifest(m, emit)


def _command(step, emit) -> None:
    text = step.command
    reported: list[tuple[int, int]] = []

    def at(index: int) -> int:
        return step.line + text.count("\n", 0, index)

    for m in LITERAL.finditer(text):
        key, value = m.group(2), m.group(4)
        if is_reference(value):
            continue
        what = token_kind(value)
        if what or SECRET_KEY.search(key) or looks_random(value):
            emit(
                step,
                at(m.start()),
                "error" if (what or looks_random(value)) else "warning",
                f"`--from-literal={key}=…` writes {what or 'a ' + _noun(key)} in plain text in the tutorial",
                hint=f'let each participant supply it: `--from-literal={key}="${_var(key)}"` or `--from-file`',
            )
            reported.append(m.span())
    for m in VALUE_FLAG.finditer(text):
        if is_reference(m.group(3)):
            continue
        emit(
            step,
            at(m.start()),
            _severity(m.group(3)),
            f"`{m.group(1)}` is given in plain text in the tutorial",
            hint=f'read it from a variable: `{m.group(1)}="$VALUE"`',
        )
        reported.append(m.span())
    for m in URL_CRED.finditer(text):
        if is_reference(m.group(3)):
            continue
        emit(
            step,
            at(m.start()),
            _severity(m.group(3)),
            f"the URL to {m.group(4)} carries a password in plain text (`{m.group(1)}://…:…@{m.group(4)}`)",
            hint="use `$VAR` references or a credential helper instead of literal credentials",
        )
        reported.append(m.span())
    for m in ASSIGN.finditer(text):
        name, value = m.group(1), m.group(3)
        if SECRET_KEY.search(name) and not is_reference(value) and not _inside(m.start(), reported):
            emit(
                step,
                at(m.start()),
                _severity(value),
                f"`{name}` is set to a value written in plain text in the tutorial",
                hint=f"let each participant set `{name}` themselves",
            )
            reported.append(m.span())
    for pattern, what in TOKEN_PATTERNS:
        for m in pattern.finditer(text):
            if not _inside(m.start(), reported):
                emit(step, at(m.start()), "error", f"the command holds {what} in plain text")


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < end for start, end in spans)


def _text_scan(step, text: str, first: int, emit) -> None:
    """Known token shapes and URL credentials anywhere in a manifest (env values, args)."""
    for i, line in enumerate(text.split("\n")):
        for m in URL_CRED.finditer(line):
            if is_reference(m.group(3)):
                continue
            emit(
                step,
                first + i,
                _severity(m.group(3)),
                f"the URL to {m.group(4)} carries a password in plain text (`{m.group(1)}://…:…@{m.group(4)}`)",
                hint="put the credentials in a Secret and refer to them as `$(VAR)`",
            )
        for pattern, what in TOKEN_PATTERNS:
            if pattern.search(line) and not URL_CRED.search(line):
                emit(step, first + i, "error", f"the manifest holds {what} in plain text")


def _manifest(m, emit) -> None:
    obj = m.obj
    if obj.kind == "Secret":
        for field in ("stringData", "data"):
            for key, value in mapping(obj.body.get(field)).items():
                if not isinstance(value, str) or is_reference(value) or token_kind(value):
                    continue  # token shapes are reported by the text scan
                plain = value
                if field == "data":
                    try:
                        plain = base64.b64decode(value, validate=True).decode("utf-8", "replace")
                    except (binascii.Error, ValueError):
                        plain = value
                    if is_reference(plain):
                        continue
                how = "is only base64-encoded, which is plain text to anyone reading" if field == "data" else "is in plain text"
                emit(
                    m.step,
                    m.pos.line((field, key)),
                    _severity(plain),
                    f"Secret `{m.name}` {field} `{key}` {how} in the tutorial",
                    hint='create the Secret from each participant\'s own value (`kubectl create secret generic ... --from-literal=KEY="$VALUE"`)',
                )
    # env values with secret-like names
    for c in obj.containers(init=None):
        for j, env in entries(c.body.get("env")):
            name, value = str(env.get("name", "")), env.get("value")
            if isinstance(value, str) and SECRET_KEY.search(name) and not is_reference(value) and not token_kind(value):
                emit(
                    m.step,
                    m.pos.line(c.path + ("env", j, "value")),
                    _severity(value),
                    f"env `{name}` of container `{c.name}` is set in plain text in the tutorial",
                    hint="use `valueFrom: secretKeyRef` instead",
                )


def _var(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", key).upper().strip("_") or "VALUE"


def _noun(key: str) -> str:
    k = key.lower()
    if "token" in k:
        return "token"
    if "pass" in k or "pwd" in k:
        return "password"
    if "key" in k:
        return "key"
    return "secret"
