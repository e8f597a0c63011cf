"""The shape of Kubernetes objects, known in one place: kinds, API versions, where the pod spec is.

A tutorial's object is a `K8sObject`: its kind and name, the line of its YAML
document and of its name, the text as written, the parsed body and the line
of every field (`positions`). Lint, the planner, the runner and the graders
all find a workload's pod spec through `pod_spec_path` / `pod_spec`, so a new
workload kind is added here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
    body: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    positions: Any = field(default=None, hash=False, compare=False, repr=False)  # syntax.yaml.Positions

    @property
    def display_name(self) -> str:
        return self.name if self.name else f"{self.generate_name}*"

    def ref(self) -> str:
        """kubectl-style reference, e.g. `pod/s1-bob`."""
        return f"{self.kind.lower()}/{self.display_name}"


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


def pod_template(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template (metadata and spec) of a workload, None for a Pod or a kind without pods."""
    path = pod_spec_path(str(body.get("kind", "")))
    if path is None or len(path) < 2:
        return None
    template = get_path(body, path[:-1])
    return template if isinstance(template, Mapping) else None


def containers(spec: Mapping[str, Any] | None, init: bool | None = False) -> list[Mapping[str, Any]]:
    """Containers of a pod spec: regular ones, init ones (`init=True`), or both (`init=None`, init first)."""
    if not spec:
        return []
    keys = ("initContainers", "containers") if init is None else ("initContainers",) if init else ("containers",)
    return [c for key in keys for c in mappings(spec.get(key))]


# A tutorial's YAML may give any field any shape (`resources: |` followed by text, `volumes: 5`), and a
# manifest is read before anything validates it: a field of the wrong shape is read as absent.


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a mapping, else an empty one (`mapping(c.get("resources")).get("limits")`)."""
    return value if isinstance(value, Mapping) else {}


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list field (`volumes`, `env`, `volumeMounts`); [] when the field is not a list."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


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
