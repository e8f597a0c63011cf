"""The shape of Kubernetes objects, known in one place: kinds, API versions, where the pod spec is.

A tutorial's object is a `K8sObject`: its kind and name, the line of its YAML
document and of its name, the text as written, the body as the API server
reads it and the line of every field (`positions`). Lint, the planner, the
runner and the graders all find a workload's pod spec through `pod_spec_path`
/ `pod_spec` and its containers through `pod_containers` (a `Container` each),
so a new workload kind is added here once.

A field set to null is a field not set: the API server decodes JSON null into
a map, a list or a pointer as nil, and into any other field as its zero
value, which it does not store. `labels:` with nothing after it, or `env:`
left empty, means the same as leaving the field out, and tutorials do both.
A body is therefore read without its nulls (`without_nulls`, once, when the
YAML is read), and fields are read through `mapping`, `mappings` and
`Container`, which see a value of the wrong type as absent: such a manifest
is the API server's to refuse, with its own message, not ours to crash on.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

API_VERSIONS: dict[str, str] = {
    "Pod": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "PersistentVolumeClaim": "v1",
    "Service": "v1",
    "ServiceAccount": "v1",
    "Event": "v1",
    "Namespace": "v1",
    "Node": "v1",
    "PersistentVolume": "v1",
    "ResourceQuota": "v1",
    "LimitRange": "v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "Ingress": "networking.k8s.io/v1",
    "StorageClass": "storage.k8s.io/v1",
    "PodDisruptionBudget": "policy/v1",
    "Lease": "coordination.k8s.io/v1",
}
CLUSTER_SCOPED = frozenset(
    {
        "Node",
        "PersistentVolume",
        "StorageClass",
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
    }
)
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Job": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# kinds whose pods are named NAME-<hash> (a Job's pods, a Deployment's...)
HASHED_POD_OWNERS = frozenset({"Job", "CronJob", "Deployment", "ReplicaSet", "DaemonSet"})
WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS)

# `metadata.namespace: default` in a tutorial's manifest is where its author worked: the reader's own namespace. A run
# puts such objects in its own namespace, as the reader's kubectl would with a context of theirs.
READERS_NAMESPACE = "default"


@dataclass(frozen=True)
class K8sObject:
    """One Kubernetes object of a manifest, with the line of its YAML document and of each field."""

    kind: str
    api_version: str
    name: str | None
    generate_name: str | None
    namespace: str | None
    line: int  # first line of the YAML document
    name_line: int  # line of metadata.name (or generateName), for name errors
    text: str  # the document's YAML text, as written
    body: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)  # as the API server reads it: no nulls
    positions: Any = field(default=None, hash=False, compare=False, repr=False)  # syntax.yaml.Positions

    @property
    def display_name(self) -> str:
        return self.name if self.name else f"{self.generate_name}*"

    def ref(self) -> str:
        """kubectl-style reference, e.g. `pod/s1-bob`."""
        return f"{self.kind.lower()}/{self.display_name}"

    @property
    def pod_spec(self) -> Mapping[str, Any] | None:
        return pod_spec(self.body)

    def containers(self, init: bool | None = False) -> list[Container]:
        """The containers of its pod spec (none for a kind without pods); `init` as in `pod_containers`."""
        return pod_containers(self.body, init)


def without_nulls(data: Any) -> Any:
    """`data` with every field set to null left out, at any depth: what the API server makes of it.

    Items of a list are kept as they are: a null item is a zero value to Go
    (an empty container, an empty string), which the API server judges. One
    difference is accepted: a null value in a map of strings (`app:` under
    `labels:`) is the empty string to Go, and left out here.
    """
    if isinstance(data, Mapping):
        return {k: without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [without_nulls(v) for v in data]
    return data


def mapping(value: Any) -> Mapping[str, Any]:
    """A field that holds a mapping (metadata, labels, spec, resources...): {} when it is absent, null or not a mapping."""
    return value if isinstance(value, Mapping) else {}


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list field (containers, env, volumes, ports...): none when it is not a list, non-mappings skipped."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def entries(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """`mappings` with the index of each in the list (a field's path, for its line)."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)] if isinstance(value, list) else []


def words(value: Any) -> list[str]:
    """The strings of a command or args field (a lone string counts as one; anything else is skipped)."""
    items = value if isinstance(value, list) else [value]
    return [w for w in items if isinstance(w, str)]


@dataclass(frozen=True)
class Container:
    """One container of a pod spec, with its path in the object (for lines); every field read as the API server does."""

    body: Mapping[str, Any]
    path: tuple[Any, ...]
    init: bool = False

    @property
    def name(self) -> str:
        name = self.body.get("name")
        return name if isinstance(name, str) else ""

    @property
    def image(self) -> str | None:
        image = self.body.get("image")
        return image if isinstance(image, str) and image else None

    @property
    def env(self) -> list[Mapping[str, Any]]:
        return mappings(self.body.get("env"))

    @property
    def volume_mounts(self) -> list[Mapping[str, Any]]:
        return mappings(self.body.get("volumeMounts"))

    @property
    def mount_paths(self) -> list[str]:
        return [m["mountPath"] for m in self.volume_mounts if isinstance(m.get("mountPath"), str) and m["mountPath"]]

    @property
    def resources(self) -> Mapping[str, Any]:
        return mapping(self.body.get("resources"))

    @property
    def limits(self) -> Mapping[str, Any]:
        return mapping(self.resources.get("limits"))

    @property
    def requests(self) -> Mapping[str, Any]:
        return mapping(self.resources.get("requests"))

    @property
    def command(self) -> list[str]:
        return words(self.body.get("command"))

    @property
    def args(self) -> list[str]:
        return words(self.body.get("args"))


def get_path(data: Any, path: tuple[Any, ...]) -> Any:
    """The value at `path` (keys and list indexes) in nested data, or None."""
    for key in path:
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def pod_spec_path(kind: str) -> tuple[str, ...] | None:
    """Where the pod spec of an object of `kind` is, or None for kinds without pods."""
    return POD_SPEC_PATHS.get(kind)


def pod_spec(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec of a Pod or of a workload's template (None when the kind has none or it is missing)."""
    path = pod_spec_path(str(body.get("kind", "")))
    if path is None:
        return None
    spec = get_path(body, path)
    return spec if isinstance(spec, Mapping) else None


def claim_specs(kind: str, body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The specs of the claims an object makes: a PersistentVolumeClaim's own, a StatefulSet's claim templates' (one
    claim per replica each)."""
    if kind == "PersistentVolumeClaim":
        return [mapping(body.get("spec"))]
    if kind == "StatefulSet":
        return [mapping(t.get("spec")) for t in mappings(get_path(body, ("spec", "volumeClaimTemplates")))]
    return []


def pod_template(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template (metadata and spec) of a workload, None for a Pod or a kind without pods."""
    path = pod_spec_path(str(body.get("kind", "")))
    if path is None or len(path) < 2:
        return None
    template = get_path(body, path[:-1])
    return template if isinstance(template, Mapping) else None


def _container_keys(init: bool | None) -> tuple[str, ...]:
    return ("initContainers", "containers") if init is None else ("initContainers",) if init else ("containers",)


def containers(spec: Mapping[str, Any] | None, init: bool | None = False) -> list[Mapping[str, Any]]:
    """Containers of a pod spec: regular ones, init ones (`init=True`), or both (`init=None`, init first)."""
    if not isinstance(spec, Mapping):
        return []
    return [c for key in _container_keys(init) for c in mappings(spec.get(key))]


def pod_containers(body: Mapping[str, Any], init: bool | None = None) -> list[Container]:
    """The containers of an object's pod spec with their paths: both kinds (`init=None`, init first), or one."""
    path = pod_spec_path(str(body.get("kind", "")))
    spec = pod_spec(body)
    if path is None or spec is None:
        return []
    return [
        Container(c, (*path, key, i), key == "initContainers") for key in _container_keys(init) for i, c in entries(spec.get(key))
    ]


def add_labels(body: MutableMapping[str, Any], labels: Mapping[str, str]) -> None:
    """Put `labels` on an object and on its pod template (a workload's pods carry them too), in place.

    A metadata or labels field that is absent or null is made; one that holds
    something else is left as written, for the API server to refuse. A
    workload without a pod template gets none: it is refused all the same.
    """
    places: list[MutableMapping[str, Any]] = [body]
    path = pod_spec_path(str(body.get("kind", "")))
    if path is not None and len(path) > 1:
        template = get_path(body, path[:-1])
        if isinstance(template, MutableMapping):
            places.append(template)
    for place in places:
        meta = _made(place, "metadata")
        own = _made(meta, "labels") if meta is not None else None
        if own is not None:
            own.update(labels)


def _made(parent: MutableMapping[str, Any], key: str) -> MutableMapping[str, Any] | None:
    """The mapping at `key`, made when absent or null; None when the field holds something else."""
    if parent.get(key) is None:
        parent[key] = {}
    value = parent[key]
    return value if isinstance(value, MutableMapping) else None


def strings(value: Any) -> list[str]:
    """The words of a list field (`command`, `args`, `accessModes`) as text; [] when the field is not a list."""
    return [str(item) for item in value if isinstance(item, (str, int, float))] if isinstance(value, list) else []


def scalar(value: Any) -> str | None:
    """A scalar field (`storageClassName`, `claimName`) as text; None when it is absent or not a scalar."""
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "" else None


# The kinds of each built-in API group of Kubernetes 1.34 (all versions), from the OpenAPI schemas that
# kubernetes-validate ships; tests/unit/test_parser_published.py checks this table against them.
BUILTIN_KINDS: dict[str, frozenset[str]] = {
    "": frozenset(
        {
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
            "Binding",
        }
    ),
    "admissionregistration.k8s.io": frozenset(
        {
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingWebhookConfiguration",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        }
    ),
    "apiextensions.k8s.io": frozenset({"CustomResourceDefinition"}),
    "apiregistration.k8s.io": frozenset({"APIService"}),
    "apps": frozenset({"ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"}),
    "autoscaling": frozenset({"HorizontalPodAutoscaler"}),
    "batch": frozenset({"CronJob", "Job"}),
    "certificates.k8s.io": frozenset({"CertificateSigningRequest", "ClusterTrustBundle", "PodCertificateRequest"}),
    "coordination.k8s.io": frozenset({"Lease", "LeaseCandidate"}),
    "discovery.k8s.io": frozenset({"EndpointSlice"}),
    "events.k8s.io": frozenset({"Event"}),
    "flowcontrol.apiserver.k8s.io": frozenset({"FlowSchema", "PriorityLevelConfiguration"}),
    "internal.apiserver.k8s.io": frozenset({"StorageVersion"}),
    "networking.k8s.io": frozenset({"IPAddress", "Ingress", "IngressClass", "NetworkPolicy", "ServiceCIDR"}),
    "node.k8s.io": frozenset({"RuntimeClass"}),
    "policy": frozenset({"PodDisruptionBudget", "PodSecurityPolicy"}),
    "rbac.authorization.k8s.io": frozenset({"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}),
    "resource.k8s.io": frozenset({"DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice", "DeviceTaintRule"}),
    "scheduling.k8s.io": frozenset({"PriorityClass"}),
    "storage.k8s.io": frozenset(
        {"CSIDriver", "CSINode", "CSIStorageCapacity", "StorageClass", "VolumeAttachment", "VolumeAttributesClass"}
    ),
    "storagemigration.k8s.io": frozenset({"StorageVersionMigration"}),
    # groups removed from Kubernetes whose kinds old tutorials still use (their versions are lint's business)
    "extensions": frozenset({"Deployment", "DaemonSet", "ReplicaSet", "Ingress", "NetworkPolicy", "PodSecurityPolicy"}),
}


def unknown_kind(api_version: str, kind: str) -> str | None:
    """Why `kind` cannot be an object of the built-in group of `api_version`, or None (known, or a custom resource)."""
    import difflib

    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    kinds = BUILTIN_KINDS.get(group)
    if kinds is None or kind in kinds:
        return None
    near = difflib.get_close_matches(kind, sorted(kinds), n=1, cutoff=0.6)
    hint = f": did you mean {near[0]}?" if near else f" (it has {', '.join(sorted(kinds))})"
    return f"unknown kind '{kind}' in apiVersion {api_version}{hint}"


def timestamp(value: Any) -> datetime | None:
    """A Kubernetes timestamp (`2026-12-07T09:30:00Z`, or the client's datetime) as an aware datetime, else None.

    The one reader of `creationTimestamp`, `renewTime`, `lastTimestamp` …: a
    time without a zone is UTC (the API server's), never the machine's local time.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def epoch(value: Any) -> float | None:
    """`timestamp(value)` in seconds since the epoch, else None."""
    t = timestamp(value)
    return t.timestamp() if t is not None else None
