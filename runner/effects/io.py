"""What one step needs from earlier steps and what it makes for later ones: the provenance of every input.

A tutorial's steps hand each other files (`curl -O x.gz` → `gunzip x.gz`),
shell variables (`export NFS_IP=$(…)` → `server: $NFS_IP`), objects (a claim
→ the pod that mounts it), namespaces and API kinds (a CRD → its custom
objects). When a producer does not run (skipped for a reason, or failed),
its consumers cannot pass either: the planner and the runner skip them and
name the producer's line. When nothing in the tutorial makes an input, the
planner judges it as a careful reader would (a prerequisite, or a defect of
the tutorial). `Effects.io(step)` gives a step's `StepIO`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runner.syntax.k8s import containers, mapping, mappings, pod_spec, scalar, strings

FILE, VAR, OBJECT, NAMESPACE, API, NODE = "file", "var", "object", "namespace", "api", "node"
PORT, CWD, COMMAND = "port", "cwd", "command"  # a local port listened on; the folder a shell is in; an alias or function
RESOURCE = "resource"  # a resource type kubectl names that is not built in (`mpijob`, `workflows.argoproj.io`)
LABELS = "labels"  # objects chosen by labels (`kubectl get pod -l app=web`): `k=v,k2=v2`, what made objects carry


@dataclass(frozen=True)
class Need:
    """An input of a step, with the line that names it."""

    kind: str  # file | var | object | namespace | api | node | port | cwd
    name: str  # a file as the run's working directory sees it (`dir/` a folder), a variable, an object's name …
    line: int
    of: str | None = None  # object: its kind (None: a pod named by `kubectl logs`, or one of a Job's pods)
    judged: bool = False  # file: a manifest given to kubectl (`-f`, `-k`), a script run, a folder entered: judged when missing
    optional: bool = False  # object: missing is fine (`--ignore-not-found`, an optional ConfigMap)
    via: str = ""  # how the step uses it, for messages: `kubectl apply`, `cd`, `python3`

    def __str__(self) -> str:
        if self.kind == VAR:
            return f"${self.name}"
        if self.kind == OBJECT:
            return f"{(self.of or 'pod').lower()}/{self.name}"
        if self.kind in (NAMESPACE, NODE):
            return f"{self.kind} {self.name}"
        if self.kind == PORT:
            return f"localhost:{self.name}"
        if self.kind == CWD:
            return f"the folder {self.name}"
        if self.kind in (API, RESOURCE):
            return f"kind {self.name}"
        if self.kind == LABELS:
            return f"{(self.of or 'object').lower()}s labelled {self.name}"
        return self.name


@dataclass(frozen=True)
class Made:
    """An output of a step: what later steps may need."""

    kind: str  # file | var | object | namespace | api | port | cwd | command
    name: str  # file: `dir/` a folder (everything in it), `dir/*` unknown files unpacked into dir, `*` into the working dir;
    # object, port: `*` for ones nobody can name here (a file the text does not show applied, a random port)
    of: str | None = None  # object: its kind
    edits: bool = False  # file: changed in place (an editor, `sed -i`, `>>`): what the text means is this version

    def provides(self, need: Need) -> bool:
        """Does this output satisfy `need`?"""
        if self.kind != need.kind:
            return False
        if self.kind == FILE:
            return provides_file(self.name, need.name)
        if self.kind == OBJECT:
            return self.name in ("*", need.name) and (need.of is None or self.of is None or self.of == need.of)
        if self.kind == PORT:
            return self.name in ("*", need.name)
        if self.kind == LABELS:  # an object labelled `app=web,tier=db` is chosen by `-l app=web` (of its kind)
            fits = need.of is None or self.of is None or self.of == need.of
            return fits and set(need.name.split(",")) <= set(self.name.split(","))
        return self.name == need.name


def provides_file(made: str, needed: str) -> bool:
    """`repo/` provides `repo/k8s/x.yaml`; `*` (unpacked here) provides any file here; `dir/*` any file in dir."""
    needed_plain = needed.rstrip("/")
    if made == needed or made.rstrip("/") == needed_plain:
        return True
    if made.endswith("/*") or made == "*":
        folder = made[:-1]
        return needed.startswith(folder) and "://" not in needed and not needed.startswith(("/", "~", "$"))
    if made.endswith("/"):
        return needed.startswith(made)
    return False


@dataclass(frozen=True)
class StepIO:
    """A step's inputs and outputs, in the order it uses and makes them."""

    needs: tuple[Need, ...] = ()
    makes: tuple[Made, ...] = ()
    cwd: str = ""  # the working directory the step runs in (relative to the run's)
    fetches: bool = False  # it brings files the text does not show (a clone, a download, an archive, a remote copy)
    lists: tuple[str, ...] = ()  # `printenv | grep POST`: name patterns of the variables it shows


def references(body: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """(kind, name, optional) of the objects a workload's pods need to start: claims, ConfigMaps, Secrets they mount or
    read; and the PersistentVolume a claim names (`volumeName: pv-nfs`: it binds to that one only)."""
    volume = scalar(mapping(body.get("spec")).get("volumeName")) if body.get("kind") == "PersistentVolumeClaim" else None
    if volume:
        return [("PersistentVolume", volume, False)]
    spec = pod_spec(body)
    if not spec:
        return []
    out: list[tuple[str, str, bool]] = []

    def add(kind: str, ref: Mapping[str, Any], key: str) -> None:
        name = scalar(ref.get(key))
        if name:
            out.append((kind, name, ref.get("optional") is True))

    account = scalar(spec.get("serviceAccountName")) or scalar(spec.get("serviceAccount"))
    if account and account != "default":  # (every namespace has `default`) the pod is refused without its account
        out.append(("ServiceAccount", account, False))
    for vol in mappings(spec.get("volumes")):
        add("PersistentVolumeClaim", mapping(vol.get("persistentVolumeClaim")), "claimName")
        add("ConfigMap", mapping(vol.get("configMap")), "name")
        add("Secret", mapping(vol.get("secret")), "secretName")
    for c in containers(spec, init=None):
        for source in mappings(c.get("envFrom")):
            add("ConfigMap", mapping(source.get("configMapRef")), "name")
            add("Secret", mapping(source.get("secretRef")), "name")
        for env in mappings(c.get("env")):
            value_from = mapping(env.get("valueFrom"))
            add("ConfigMap", mapping(value_from.get("configMapKeyRef")), "name")
            add("Secret", mapping(value_from.get("secretKeyRef")), "name")
    return list(dict.fromkeys(out))


def api_kind(api_version: str, kind: str) -> str:
    """`batch/v1` + `Job` -> `batch/v1/Job`; `v1` + `Pod` -> `v1/Pod`: how the API server serves a kind."""
    return f"{api_version}/{kind}"


def crd_resources(body: Mapping[str, Any]) -> list[str]:
    """The names kubectl takes for a CRD's kind: plural, singular, short names, the kind, `plural.group`."""
    spec = mapping(body.get("spec"))
    names = mapping(spec.get("names"))
    out = [scalar(names.get(k)) for k in ("plural", "singular", "kind")] + strings(names.get("shortNames"))
    group = scalar(spec.get("group"))
    if group and scalar(names.get("plural")):
        out.append(f"{names['plural']}.{group}")
    return [n.lower() for n in out if n]


def crd_kinds(body: Mapping[str, Any]) -> list[str]:
    """The kinds a CustomResourceDefinition makes the API server serve (`group/version/Kind` for each served version)."""
    spec = mapping(body.get("spec"))
    group, kind = scalar(spec.get("group")), scalar(mapping(spec.get("names")).get("kind"))
    if not group or not kind:
        return []
    versions = [v for v in (scalar(v.get("name")) for v in mappings(spec.get("versions"))) if v]
    if scalar(spec.get("version")):
        versions.append(str(spec["version"]))
    return [f"{group}/{v}/{kind}" for v in versions]
