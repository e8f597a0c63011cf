"""The secrets a lesson holds, so that its `Redactor` masks them in any output; and the lesson with them masked.

Patterns (runner/core/redact.py) see a secret where it is written; a run's
output shows it where no pattern can (a command's stdout, an event, a log,
base64 in `kubectl get secret -o yaml`). So every output of a lesson goes
through a Redactor that has first learnt the lesson: what the patterns find
in each step, every value of its Secret manifests (as written and decoded),
env values whose names look secret, the content of the files it turns into
Secrets (`--from-env-file`, `--from-file`), its check arguments, and the
values of placeholders whose names look secret (`--set git_token=...`, a
profile's token, a default).

`show` prints `redacted(rendered, redactor)`: the same lesson with those
values masked, so its renderers print what they get.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields, replace
from typing import Any

from runner.core.redact import MASK, Redactor, is_reference, looks_secret
from runner.lesson.model import Lesson, Step, StepType
from runner.lesson.render import Rendered
from runner.syntax import kubectl
from runner.syntax.k8s import without_nulls
from runner.syntax.shell import heredoc, segments
from runner.syntax.yaml import read_yaml

_ENV_LINE = re.compile(r"(?m)^([ \t]*(?:export[ \t]+)?[A-Za-z_][\w.-]*[ \t]*=)(.*)$")
_HEREDOC_TARGET = re.compile(r">>?\s*([\w./-]+)")


def redactor_for(lesson: Lesson, values: Mapping[str, str] | None = None, known: Iterable[str] = ()) -> Redactor:
    """A Redactor that knows every secret of `lesson` (rendered or not), the secret-looking `values` and `known` ones."""
    r = Redactor(known)
    for name, value in (values or {}).items():
        if looks_secret(name):
            r.remember(value)
    for p in lesson.meta.placeholders:
        if p.default and looks_secret(p.name):
            r.remember(p.default)
    env_files, whole_files = secret_files(lesson)
    for step in lesson.steps:
        for text in (step.text, step.command, step.instead, step.skip, step.reason):
            r.learn(text)
        for key, value in step.check_args:
            if looks_secret(key):
                r.remember(value)
            r.learn(f"{key}={value}")
        for obj in step.objects:
            _learn_data(r, obj.body)
        for data in _heredoc_documents(step):
            _learn_data(r, data)
        for content in _file_contents(step, env_files | whole_files):
            if _file_of(step) in whole_files:
                _remember_lines(r, content)
            for _, value in _env_pairs(content):
                _remember_lines(r, value)
    return r


def redacted(rendered: Rendered, r: Redactor) -> Rendered:
    """`rendered` with every secret masked: step texts, commands, check arguments, reasons, errors, values."""
    env_files, whole_files = secret_files(rendered.lesson)

    def step_text(step: Step, text: str | None) -> str | None:
        if not text:
            return text
        name = _file_of(step)
        if step.type is StepType.FILE and name in whole_files:
            return MASK
        if name in env_files:
            text = _mask_env_lines(text, 0)
        elif step.command and (target := _heredoc_file(step.command)) in env_files | whole_files:
            text = MASK if target in whole_files else _mask_env_lines(text, 1)
        return r.text(text)

    def shown(step: Step) -> Step:
        # every text of the step through the Redactor (a field added later is covered too), then the ones with a rule
        changes: dict[str, Any] = {
            f.name: r(v) for f in fields(step) if type(v := getattr(step, f.name)) is str and f.name != "path"
        }
        changes.update(
            text=step_text(step, step.text) or "",
            command=step_text(step, step.command),
            check_args=tuple((k, _check_value(r, k, v)) for k, v in step.check_args),
        )
        return replace(step, **changes)

    steps = tuple(shown(step) for step in rendered.lesson.steps)
    meta = replace(
        rendered.lesson.meta, title=r.text(rendered.lesson.meta.title), description=r.text(rendered.lesson.meta.description)
    )
    values = {k: MASK if looks_secret(k) and v and not is_reference(v) else r.text(v) for k, v in rendered.values.items()}
    return replace(rendered, lesson=replace(rendered.lesson, meta=meta, steps=steps), values=values)


def secret_files(lesson: Lesson) -> tuple[set[str], set[str]]:
    """(env files, whole files) the lesson turns into Secrets: `--from-env-file=F`, `--from-file=[key=]F`."""
    env: set[str] = set()
    whole: set[str] = set()
    for step in lesson.steps:
        if not step.command:
            continue
        for seg in segments(step.command):
            call = kubectl.parse(seg)
            if call is None or call.verb != "create" or not call.args or call.args[0] != "secret":
                continue
            for flag, value in call.flags:
                if flag == "--from-env-file" and value:
                    env.add(_norm(value))
                elif flag == "--from-file" and value:
                    whole.add(_norm(value.split("=", 1)[-1]))
    return env, whole


def _norm(name: str) -> str:
    return name[2:] if name.startswith("./") else name


def _file_of(step: Step) -> str | None:
    return _norm(step.file) if step.file else None


def _heredoc_file(command: str) -> str | None:
    """The file a `cat > F <<EOF` command writes its here-document to."""
    first = command.split("\n", 1)[0]
    if "<<" not in first:
        return None
    m = _HEREDOC_TARGET.search(first)
    return _norm(m.group(1)) if m else None


def _file_contents(step: Step, names: set[str]) -> Iterator[str]:
    """The content a step gives one of `names`: a file block, or a here-document written to it."""
    if not names:
        return
    if step.type is StepType.FILE and _file_of(step) in names and step.text:
        yield step.text
    if step.command and _heredoc_file(step.command) in names:
        doc = heredoc(step.command)
        if doc is not None:
            yield doc.text


def _env_pairs(content: str) -> Iterator[tuple[str, str]]:
    for m in _ENV_LINE.finditer(content):
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        yield m.group(1), value


def _mask_env_lines(text: str, skip_lines: int) -> str:
    """Every `KEY=value` line of an env file (after the first `skip_lines` lines) as `KEY=***`."""
    head, body = ("", text) if skip_lines == 0 else (text.split("\n", 1) + [""])[:2]
    masked = _ENV_LINE.sub(
        lambda m: m.group(1) + (MASK if m.group(2).strip() and not is_reference(m.group(2)) else m.group(2)), body
    )
    return masked if skip_lines == 0 else f"{head}\n{masked}"


def _check_value(r: Redactor, key: str, value: str) -> str:
    if looks_secret(key) and value and not is_reference(value):
        return MASK
    return r.text(value)


def _heredoc_documents(step: Step) -> Iterator[Any]:
    """The YAML documents of a command's here-document (`kubectl apply -f - <<EOF`), without their null fields.

    A field left empty holds no value (a Secret's `password:` with nothing
    after it), not the word "None" to mask in every output.
    """
    if step.type is StepType.MANIFEST or not step.command or "<<" not in step.command:
        return
    doc = heredoc(step.command)
    if doc is not None:
        yield from map(without_nulls, read_yaml(doc.given, step.line + doc.first_line).documents)


def _remember_lines(r: Redactor, value: str) -> None:
    """A value, and each line of it (evidence is redacted line by line)."""
    r.remember(value)
    for line in value.splitlines():
        r.remember(line)


def _learn_data(r: Redactor, data: Any) -> None:
    """Secret data (as written and decoded), env values whose names look secret, values of secret-looking keys."""
    stack = [data]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if node.get("kind") == "Secret":
            for value in (node.get("stringData") or {}).values() if isinstance(node.get("stringData"), dict) else ():
                _remember_lines(r, str(value))
            for value in (node.get("data") or {}).values() if isinstance(node.get("data"), dict) else ():
                _remember_lines(r, str(value))
                for decoded in _decoded(str(value)):
                    _remember_lines(r, decoded)
        name, value = node.get("name"), node.get("value")
        if isinstance(name, str) and isinstance(value, str) and looks_secret(name):
            _remember_lines(r, value)
        for key, child in node.items():
            if isinstance(child, str) and isinstance(key, str) and looks_secret(key):
                _remember_lines(r, child)
            elif isinstance(child, (dict, list)):
                stack.append(child)


def _decoded(value: str) -> tuple[str, ...]:
    """A Secret's `data` value as text: UTF-8, and as a command's output shows bytes that are no UTF-8 (`\\xe9`)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return ()
    shown = raw.decode("utf-8", "backslashreplace")
    try:
        return (raw.decode("utf-8"),)
    except UnicodeDecodeError:
        return (shown, raw.decode("latin-1"))
