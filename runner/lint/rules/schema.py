"""schema: manifests the API server rejects, found offline.

* OpenAPI validation against the schemas of the `kubernetes-validate` package
  (strict: unknown fields are errors, as with kubectl's default field
  validation), for the Kubernetes version of `--kube-version`. Placeholders are
  rendered with dummy values first. The package and jsonschema are imported
  on first use, and each schema is built once per process.
* names that are not valid Kubernetes names once rendered;
* resource quantities that do not parse, requests above limits, extended
  resources (GPUs) whose request differs from their limit;
* with `quota: true` in the front matter, containers that set no cpu/memory.
"""

from __future__ import annotations

import importlib.util
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from runner.core.errors import UsageError
from runner.lesson import placeholders as ph
from runner.lesson.render import name_problem, value_of
from runner.lint.base import rule
from runner.lint.facts import get
from runner.syntax.k8s import pod_containers, pod_spec, pod_spec_path

DUMMY_USER = "user1"
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$")
_SUFFIX: dict[str | None, Decimal | int] = {
    None: 1,
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}
STANDARD_RESOURCES = {"cpu", "memory", "ephemeral-storage", "storage"}


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity (`100m`, `4Gi`, `0.5`, `1e3`) as a number; None when it does not parse."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value.strip())
    if not m:
        return None
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        return None
    if m.group(2):
        return number * (Decimal(10) ** int(m.group(2)[1:]))
    return number * Decimal(_SUFFIX[m.group(3)])


# ---- schemas ------------------------------------------------------------------------------------


def _schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("the schema rule needs the kubernetes-validate package (pip install kubernetes-validate)")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


def schema_dir(version: str) -> Path:
    """The strict schema folder for a Kubernetes version (`1.34`): the newest one not newer than it."""
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", version.strip())
    if not m:
        raise UsageError(f"--kube-version '{version}' is not a Kubernetes version such as 1.34")
    wanted = (int(m.group(1)), int(m.group(2)))
    found = []
    for d in _schema_root().iterdir():
        dm = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", d.name)
        if dm:
            found.append(((int(dm.group(1)), int(dm.group(2))), d))
    found.sort()
    usable = [d for v, d in found if v <= wanted]
    if not usable or wanted > found[-1][0]:
        have = ", ".join(f"{v[0]}.{v[1]}" for v, _ in found)
        raise UsageError(f"--kube-version {version}: no OpenAPI schemas for it in kubernetes-validate (it has {have})")
    return usable[-1]


class Schemas:
    """The OpenAPI schemas of one Kubernetes version, loaded on first use and kept for one lint run.

    Loading a schema and building its validator is the slow part of this rule;
    `lint_paths` makes one store for all the files it lints.
    """

    def __init__(self, version: str) -> None:
        self.folder = schema_dir(version)
        self._registry: Any = None
        self._validators: dict[tuple[str, str], Any] = {}
        self._served: dict[str, tuple[str, ...]] = {}

    def _refs(self) -> Any:
        if self._registry is None:
            from referencing import Registry, Resource

            defs = json.loads((self.folder / "_definitions.json").read_text())
            self._registry = Resource.from_contents(defs) @ Registry()
        return self._registry

    def validator(self, kind: str, api_version: str) -> Any:
        """A jsonschema validator for kind/apiVersion, or None when the version has no such schema."""
        key = (kind, api_version)
        if key not in self._validators:
            group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            path = self.folder / f"{kind.lower()}-{group}.json"
            if not path.is_file():
                self._validators[key] = None
            else:
                import jsonschema

                schema = json.loads(path.read_text())
                self._validators[key] = jsonschema.Draft202012Validator(schema, registry=self._refs())
        return self._validators[key]

    def served_versions(self, kind: str) -> tuple[str, ...]:
        """The apiVersions a kind is served in (for `apiVersion: batch/v1beta1`-style mistakes)."""
        if kind not in self._served:
            out = []
            for p in self.folder.glob(f"{kind.lower()}-*.json"):
                rest = p.stem[len(kind) + 1 :]
                out.append(rest.replace("-", "/", 1) if "-" in rest else rest)
            self._served[kind] = tuple(sorted(out))
        return self._served[kind]


# ---- rendering ----------------------------------------------------------------------------------


def dummy_values(lesson) -> dict[str, str]:
    values = {"username": DUMMY_USER}
    for p in lesson.meta.placeholders:
        if p.name != "username" and not p.found:  # found in the text only: left as written, as before
            values[p.name] = p.default if p.default is not None else re.sub(r"[^a-z0-9-]", "-", p.name.lower()).strip("-") or "x"
    return values


def render_data(data: Any, values: dict[str, str]) -> Any:
    if isinstance(data, dict):
        return {render_data(k, values): render_data(v, values) for k, v in data.items()}
    if isinstance(data, list):
        return [render_data(v, values) for v in data]
    if isinstance(data, str) and "<" in data:
        whole = ph.PLACEHOLDER.fullmatch(data)
        # a spelling of the user name (`<yourUsername>`) takes the dummy user, as `<username>` does
        out = ph.PLACEHOLDER.sub(lambda m: v if (v := value_of(m.group(1), values, ())) is not None else m.group(0), data)
        if whole and whole.group(1) in values and re.fullmatch(r"-?\d+(\.\d+)?|true|false", out):
            import yaml

            return yaml.safe_load(out)
        return out
    return data


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- the rule -----------------------------------------------------------------------------------


@rule("schema", summary="manifests the API server rejects: OpenAPI schema, names, quantities, requests/limits, quota")
def schema(*, lesson, facts, emit, options, schemas: Schemas | None = None, **_) -> None:
    store = (
        schemas if schemas is not None and schemas.folder == schema_dir(options.kube_version) else Schemas(options.kube_version)
    )
    values = dummy_values(lesson)
    for m in facts.manifests:
        obj = m.obj
        body = render_data(obj.body, values)
        _names(m, body, emit)
        v = store.validator(obj.kind, obj.api_version)
        if v is None:
            served = store.served_versions(obj.kind)
            if served:
                emit(
                    m.step,
                    m.pos.value_line(("apiVersion",)),
                    "error",
                    f"Kubernetes {options.kube_version} serves {obj.kind} as {', '.join(served)}, not {obj.api_version}",
                    hint=f"`apiVersion: {served[-1]}`",
                )
            else:
                emit(
                    m.step,
                    m.pos.value_line(("kind",)),
                    "info",
                    f"no schema for {obj.kind} ({obj.api_version}) in Kubernetes {options.kube_version}: a custom resource? not validated",
                )
        else:
            _validate(m, v, body, emit)
        _resources(m, body, lesson.meta.quota, emit)
        _enums(m, body, emit)


def _names(m, body, emit) -> None:
    meta = body.get("metadata") if isinstance(body, dict) else None
    if not isinstance(meta, dict):
        return
    kind = m.obj.kind
    for field in ("name", "generateName"):
        value = meta.get(field)
        if not isinstance(value, str) or ph.PLACEHOLDER.search(value):
            continue  # an undeclared placeholder is the placeholders rule's
        check = value + "x" if field == "generateName" else value
        why = name_problem(kind, check)
        if why is not None:
            shown = m.obj.name or m.obj.generate_name or value
            emit(
                m.step,
                m.pos.value_line(("metadata", field)),
                "error",
                f"{kind} name `{shown}` is not a valid Kubernetes name ({why})",
            )


def _validate(m, v, body, emit) -> None:
    from jsonschema.exceptions import best_match

    seen: set[tuple[int, str]] = set()
    for err in v.iter_errors(body):
        if err.validator in ("oneOf", "anyOf") and err.context:
            err = best_match(err.context)
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set((err.schema.get("properties") or {}).keys())
            for key in err.instance:
                if key in allowed:
                    continue
                near = next((a for a in sorted(allowed) if ph.distance(str(key).lower(), a.lower()) <= 2), None)
                where = _dotted(path + (key,))
                line = m.pos.line(path + (key,))
                msg = f"{m.obj.kind} `{m.name}`: `{where}` is not a field of the {m.obj.kind} schema" + (
                    f": did you mean `{near}`?" if near else ""
                )
                if (line, msg) not in seen:
                    seen.add((line, msg))
                    emit(m.step, line, "error", msg, hint=f"`{near}`" if near else None)
            continue
        if err.validator == "required":
            line = m.pos.line(path) if path else m.pos.start
            msg = f"{m.obj.kind} `{m.name}`: {err.message.replace(' is a required property', '')} is required" + (
                f" in `{_dotted(path)}`" if path else ""
            )
        else:
            line = m.pos.value_line(path)
            detail = err.message if m.obj.kind != "Secret" else f"invalid value ({err.validator})"
            msg = f"{m.obj.kind} `{m.name}`: `{_dotted(path)}`: {_short(detail)}"
        if (line, msg) not in seen:
            seen.add((line, msg))
            emit(m.step, line, "error", msg)


# values the API server validates but the OpenAPI schema only describes in prose
CONTAINER_ENUMS = {"imagePullPolicy": ("Always", "IfNotPresent", "Never")}
POD_ENUMS = {"restartPolicy": ("Always", "OnFailure", "Never")}
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")


def _enum(m, emit, path: tuple, value: Any, allowed: tuple[str, ...], what: str) -> None:
    if isinstance(value, str) and value not in allowed and not ph.PLACEHOLDER.search(value):
        emit(
            m.step,
            m.pos.value_line(path),
            "error",
            f"{m.obj.kind} `{m.name}`: {what} `{value}` is not one of {', '.join(allowed)}",
        )


def _enums(m, body, emit) -> None:
    kind = m.obj.kind
    spec_path, spec = pod_spec_path(kind), pod_spec(body)
    if spec_path is not None and spec is not None:
        policy = spec.get("restartPolicy")
        if kind in ("Job", "CronJob"):
            if policy is None:
                emit(
                    m.step,
                    m.pos.line(spec_path),
                    "error",
                    f"{kind} `{m.name}` sets no restartPolicy: a Job's pods need `restartPolicy: Never` or `OnFailure`",
                    hint="add `restartPolicy: Never` to the pod template's spec",
                )
            else:
                _enum(m, emit, spec_path + ("restartPolicy",), policy, ("OnFailure", "Never"), "restartPolicy")
        else:
            _enum(m, emit, spec_path + ("restartPolicy",), policy, POD_ENUMS["restartPolicy"], "restartPolicy")
        for c in pod_containers(body):
            for field, allowed in CONTAINER_ENUMS.items():
                _enum(m, emit, c.path + (field,), c.body.get(field), allowed, field)
    if kind == "PersistentVolumeClaim":
        modes = get(body, ("spec", "accessModes"))
        for i, mode in enumerate(modes if isinstance(modes, list) else []):
            _enum(m, emit, ("spec", "accessModes", i), mode, ACCESS_MODES, "access mode")


def _resources(m, body, quota: bool, emit) -> None:
    for c in pod_containers(body):
        cpath, name, limits, requests = c.path, c.name, c.limits, c.requests
        parsed: dict[tuple[str, str], Decimal | None] = {}
        for section, values in (("limits", limits), ("requests", requests)):
            for rname, raw in values.items():
                q = parse_quantity(raw)
                parsed[(section, rname)] = q
                if q is None and not (isinstance(raw, str) and ph.PLACEHOLDER.search(raw)):
                    emit(
                        m.step,
                        m.pos.value_line(cpath + ("resources", section, rname)),
                        "error",
                        f"container `{name}`: {section}.{rname} `{raw}` is not a Kubernetes quantity (e.g. 100m, 512Mi, 2Gi)",
                    )
        for rname in requests:
            req, lim = parsed.get(("requests", rname)), parsed.get(("limits", rname))
            if req is None or lim is None or rname not in limits:
                continue
            line = m.pos.value_line(cpath + ("resources", "requests", rname))
            if req > lim:
                emit(
                    m.step,
                    line,
                    "error",
                    f"container `{name}` requests more {rname} ({requests[rname]}) than its limit ({limits[rname]})",
                    hint=f"raise limits.{rname} to at least {requests[rname]}, or lower the request",
                )
            elif rname not in STANDARD_RESOURCES and req != lim:
                emit(
                    m.step,
                    line,
                    "error",
                    f"container `{name}`: the request for {rname} must equal its limit (extended resources are not overcommitted)",
                    hint=f"set both to {limits[rname]}",
                )
        if quota:
            missing = [r for r in ("cpu", "memory") if r not in limits and r not in requests]
            if missing:
                line = m.pos.line(cpath + ("resources",)) if c.resources else m.pos.line(cpath)
                emit(
                    m.step,
                    line,
                    "error",
                    f"container `{name}` sets no {' or '.join(missing)} resources, but the lesson declares a quota: "
                    f"the ResourceQuota rejects its pod",
                    hint="set requests and limits for cpu and memory",
                )
