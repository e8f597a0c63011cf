"""The declared schema of what lesson authors write themselves: our front matter keys and step annotations.

One JSON Schema (validated with `jsonschema`) says what each key holds, with
the words an author reads when it does not: `x-message` on a property is the
message for any error under it (`{name}` is the entry's name). A new key is a
new property here, not a new branch of code. `tutorial lint`, `show`, `run`
and `grade` all read lessons through it, so an error is the same everywhere,
at the key's line.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jsonschema

from runner.lesson.placeholders import near_miss

MAX_POINTS = 1_000_000  # points of one check: so that totals stay finite numbers
_ID = "^[a-z0-9][a-z0-9_-]*$"
_PLACEHOLDER_NAME = "^[A-Za-z][A-Za-z0-9_.-]*$"
_SCALAR = {"type": ["string", "number", "boolean", "null"]}

FRONT_MATTER: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "tutorial-runner front matter",
    "type": "object",
    "properties": {
        "id": {
            "type": "string",
            "pattern": _ID,
            "description": "the lesson's id (`tutorial run ID`); default: the file name",
            "x-message": "must be lower-case letters, digits, - or _",
        },
        "title": {"type": "string", "description": "the lesson's title", "x-message": "must be text"},
        "description": {"description": "one paragraph about the lesson (text)"},
        "placeholders": {
            "type": ["object", "null"],
            "description": "values the lesson asks for: NAME: default, or NAME: {default, required, description}",
            "propertyNames": {"pattern": _PLACEHOLDER_NAME},
            "additionalProperties": {
                "anyOf": [
                    _SCALAR,
                    {
                        "type": "object",
                        "properties": {"default": _SCALAR, "required": {"type": "boolean"}, "description": {"type": "string"}},
                        "additionalProperties": False,
                    },
                ]
            },
            "x-message": "must map a name to its default or to {default, required, description}",
            "x-messages": {
                "propertyNames": "bad placeholder name {name!r}",
                "additionalProperties": "unknown key(s) {extra} for '{name}' (known: default, description, required)",
            },
        },
        "requires": {
            "type": ["array", "null"],
            "items": {"type": "string"},
            "description": "what the cluster must offer: gpu, network, storage-class:NAME, object:KIND/NAME",
            "x-message": "must be a list of requirement names",
        },
        "rubric": {
            "type": ["object", "null"],
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": MAX_POINTS},
            "description": "points of a check (by check name or step id); 1 when not named",
            "x-message": "must map a check name to its points",
            "x-messages": {"entry": f"points for '{{name}}' must be a number from 0 to {MAX_POINTS:,}"},
        },
        "shared_namespace": {
            "type": "boolean",
            "description": "participants share one namespace (names must carry <username>); default true",
            "x-message": "must be true or false",
        },
        "quota": {
            "type": "boolean",
            "description": "the namespace has a ResourceQuota: every container needs requests and limits",
            "x-message": "must be true or false",
        },
        "pod_security": {
            "enum": ["restricted", "baseline", "privileged"],
            "description": "the strictest Pod Security level the lesson's pods pass (`tutorial preflight` holds it against "
            "the namespace's); not said: preflight's dry runs tell",
            "x-message": "must be restricted, baseline or privileged",
        },
    },
}
FRONT_MATTER_KEYS = frozenset(FRONT_MATTER["properties"])


@cache
def _validator() -> Any:
    return jsonschema.Draft202012Validator(FRONT_MATTER)


def _first_error(validator: Any, data: Mapping[str, Any]) -> Any:
    """The schema error an author reads first: of the key written first, and the shallowest there; None when valid."""
    order = {k: i for i, k in enumerate(data)}
    errors = validator.iter_errors(dict(data))
    return min(
        errors,
        key=lambda e: (order.get(str(e.absolute_path[0]), 99) if e.absolute_path else 99, len(e.absolute_path)),
        default=None,
    )


def front_matter_problem(data: Mapping[str, Any]) -> tuple[tuple[str, ...], str] | None:
    """The first problem of our front matter keys, as (the path of the key or entry, message), in the order the keys
    are written; None when valid."""
    error = _first_error(_validator(), data)
    if error is None:
        return None
    if not error.absolute_path:
        return (), "must be a mapping of keys"
    key = str(error.absolute_path[0])
    prop = FRONT_MATTER["properties"].get(key, {})
    messages = prop.get("x-messages", {})
    name = str(error.absolute_path[1]) if len(error.absolute_path) > 1 else ""
    if "propertyNames" in error.schema_path and "propertyNames" in messages:
        return (key,), messages["propertyNames"].format(name=error.instance)
    if key == "placeholders" and name and isinstance(data[key].get(name), dict):
        extra = ", ".join(sorted(str(k) for k in data[key][name] if k not in ("default", "required", "description")))
        if extra:
            return (key, name), messages["additionalProperties"].format(name=name, extra=extra)
    if "entry" in messages and name:
        return (key, name), messages["entry"].format(name=name)
    return ((key, name) if name else (key,)), prop.get("x-message", error.message)


# ---- step annotations: `<!-- step: key=value ... -->` and fence attributes ```` ```yaml {key=value} ```` ----------

WAIT_VALUES = ("ready", "running", "succeeded", "complete", "bound", "deleted", "none", "exists")
FORCEABLE_TYPES = ("manifest", "fragment", "command", "in-pod", "interactive", "file", "other")
_DURATION = r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"
_TRUE_FALSE = ["true", "false"]

STEP_ANNOTATION: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "a step annotation",
    "type": "object",
    "properties": {
        "id": {
            "type": "string",
            "pattern": _ID,
            "description": "a stable id for the step (pytest item name, rubric key)",
            "x-message": "id '{value}' must be lower-case letters, digits, - or _",
        },
        "file": {
            "type": "string",
            "minLength": 1,
            "description": "the file name the block is saved under in the run's working directory",
            "x-message": "file needs a name",
        },
        "apply": {
            "enum": _TRUE_FALSE,
            "description": "true/false: whether the runner applies this manifest itself",
            "x-message": "apply must be true or false, not '{value}'",
        },
        "skip": {"type": "string", "description": "never run this step; the value is the reason"},
        "wait": {
            "enum": list(WAIT_VALUES),
            "description": "what to wait for after the step: " + ", ".join(WAIT_VALUES),
            "x-message": "unknown wait condition '{value}' (one of: " + ", ".join(sorted(WAIT_VALUES)) + ")",
        },
        "timeout": {
            "type": "string",
            "pattern": _DURATION,
            "description": "how long the wait may take (e.g. 90s, 2m)",
            "x-message": "cannot read duration '{value}' (use e.g. 90s, 2m)",
        },
        "pod": {
            "type": "string",
            "minLength": 1,
            "description": "run the block's commands inside this pod (or a pod of this Job)",
            "x-message": "pod needs a name",
        },
        "container": {
            "type": "string",
            "minLength": 1,
            "description": "the container for in-pod commands",
            "x-message": "container needs a name",
        },
        "expect": {
            "enum": ["fail", "failure", "success"],
            "description": "fail: the command must fail; success (default)",
            "x-message": "expect must be 'fail' or 'success', not '{value}'",
        },
        "requires": {
            "type": "string",
            "description": "comma-separated requirements (gpu, network, storage-class:NAME, object:KIND/NAME)",
        },
        "instead": {
            "type": "string",
            "minLength": 1,
            "description": "for an interactive step: the command to run instead",
            "x-message": "instead needs a command",
        },
        "noqa": {"type": "string", "description": "comma-separated lint rules silenced on this step"},
        "type": {
            "enum": list(FORCEABLE_TYPES),
            "description": "force the step type: " + ", ".join(FORCEABLE_TYPES),
            "x-message": "unknown step type '{value}' (one of: " + ", ".join(sorted(FORCEABLE_TYPES)) + ")",
        },
    },
    "additionalProperties": False,
}
STEP_KEYS: dict[str, str] = {k: v["description"] for k, v in STEP_ANNOTATION["properties"].items()}


@cache
def _step_validator() -> Any:
    return jsonschema.Draft202012Validator(STEP_ANNOTATION)


def step_annotation_problem(values: Mapping[str, str]) -> str | None:
    """The first problem of a step annotation's keys and values (in the order written), or None."""
    error = _first_error(_step_validator(), values)
    if error is None:
        return None
    unknown = [k for k in values if k not in STEP_KEYS]
    if unknown:
        close = near_miss(unknown[0], sorted(STEP_KEYS))
        hint = f"did you mean '{close}'? " if close else ""
        return f"unknown annotation key '{unknown[0]}' ({hint}known: {', '.join(sorted(STEP_KEYS))})"
    key = str(error.absolute_path[0]) if error.absolute_path else ""
    prop = STEP_ANNOTATION["properties"].get(key, {})
    value = str(values.get(key, ""))
    return str(prop.get("x-message", f"{key}: {error.message}")).format(value=value if len(value) <= 40 else value[:40] + "...")
