"""Preflight against a live namespace: admission by server-side dry-run, rights by access reviews, capacity by quotas.

Nothing is created: every manifest is sent with `dryRun=All` (Pod Security,
LimitRange, ResourceQuota, webhooks and validation answer as for a real
create), rights are asked with SelfSubjectAccessReviews, and quotas, limit
ranges, storage classes and nodes are only read. Admission and rights are
asked as the participant (`--as`, or their kubeconfig) when given, else as
the caller.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.effects import Effects
from runner.effects.environment import quantity
from runner.kube import storage_class
from runner.kube.client import Cluster
from runner.kube.errors import ClusterError, Conflict, Forbidden, NotFound, translate
from runner.kube.labels import run_labels
from runner.kube.objects import resource, validate
from runner.lesson.model import Lesson
from runner.plan.build import build_plan
from runner.plan.operation import Operation
from runner.plan.profile import Profile
from runner.preflight.items import FAIL, OK, UNKNOWN, Item, Preflight
from runner.preflight.rights import Right, for_grading, needed
from runner.preflight.usage import ContainerDefaults, Peak, peaks
from runner.run.facts import gather_facts
from runner.run.workspace import Workspace


@dataclass(frozen=True)
class Subject:
    """Whose rights and admission are asked: the participant (impersonated, or their own kubeconfig) or the caller."""

    cluster: Cluster
    name: str


def _admission(lesson: Lesson, effects: Effects, subject: Subject, profile: Profile | None) -> list[Item]:
    items: list[Item] = []
    seen: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="tutorial-preflight-") as tmp:
        workspace = Workspace(Path(tmp), run_labels(lesson.meta.id, "preflight", "preflight"), "preflight", profile)
        for e in effects.events:
            if not e.creates or e.manifest is None or id(e.manifest.obj) in seen:
                continue
            seen.add(id(e.manifest.obj))
            obj = e.manifest.obj
            what = f"{obj.kind.lower()}/{obj.display_name}"
            try:
                warnings = validate(subject.cluster, workspace.prepared(obj.body))
            except Conflict as exc:
                items.append(Item("admission", UNKNOWN, what, f"exists already, so it was not tried: {exc}", obj.line))
            except ClusterError as exc:
                if exc.exit_code == 3 and not isinstance(exc, Forbidden):
                    raise
                items.append(Item("admission", FAIL, what, str(exc), obj.line))
            else:
                rejected = [w for w in warnings if "would violate PodSecurity" in w]
                if rejected:  # a workload is admitted, and its pods would not be: that line fails in a class
                    items.append(Item("admission", FAIL, what, f"its pods would be rejected: {rejected[0]}", obj.line))
                else:
                    extra = f" (warning: {warnings[0]})" if warnings else ""
                    items.append(Item("admission", OK, what, f"the API server would create it (dry run){extra}", obj.line))
        made_by_commands = [
            e for e in effects.events if e.creates and e.manifest is None and e.kind and not e.generated and e.call is not None
        ]
        for e in made_by_commands:
            items.append(
                Item(
                    "admission",
                    UNKNOWN,
                    f"{(e.kind or '').lower()}/{e.name}",
                    f"made by a command ({e.via}): not dry-run",
                    e.line,
                )
            )
    return items


LEVELS = ("restricted", "baseline", "privileged")  # strictest first
ENFORCE = "pod-security.kubernetes.io/enforce"


def _pod_security(cluster: Cluster, lesson: Lesson) -> list[Item]:
    """The namespace's enforced Pod Security level against the one the lesson says its pods pass (front matter)."""
    try:
        labels = cluster.core.read_namespace(cluster.namespace).metadata.labels or {}
    except Exception as exc:
        err = translate(exc, f"reading namespace {cluster.namespace}")
        if err.exit_code == 3 and not isinstance(err, Forbidden):
            raise err from exc
        return [Item("admission", UNKNOWN, "Pod Security", f"you may not read namespace {cluster.namespace}'s labels")]
    level = labels.get(ENFORCE) or "privileged"
    needs = lesson.meta.pod_security
    said = f"namespace {cluster.namespace} enforces {level}" + ("" if ENFORCE in labels else " (no label: nothing enforced)")
    if needs is None:
        return [Item("admission", OK, "Pod Security", f"{said}; the lesson does not say its level: the dry runs tell")]
    if level in LEVELS and LEVELS.index(level) < LEVELS.index(needs):
        return [Item("admission", FAIL, "Pod Security", f"{said}; the lesson's pods need {needs} (its front matter)")]
    return [Item("admission", OK, "Pod Security", f"{said}; the lesson's pods pass {needs} (its front matter)")]


def _resource_of(cluster: Cluster, kind: str) -> tuple[str, str] | None:
    """(group, plural) of a kind as this API server serves it, or None when it does not."""
    try:
        res = resource(cluster, kind)
    except ClusterError:
        return None
    return res.group or "", res.name


def _rights(subject: Subject, effects: Effects, rights: list[Right] | None = None, area: str = "rights") -> list[Item]:
    from kubernetes import client

    api = client.AuthorizationV1Api(subject.cluster.api)
    items = []
    for right in needed(effects) if rights is None else rights:
        sub = right.subresource
        if sub is not None:
            group, plural, subresource = "", sub[0], sub[1]
        else:
            found = _resource_of(subject.cluster, right.kind)
            if found is None:
                continue  # a kind this server does not serve: the environment's item says so
            (group, plural), subresource = found, ""
        attrs = client.V1ResourceAttributes(
            namespace=subject.cluster.namespace, verb=right.verb, group=group, resource=plural, subresource=subresource or None
        )
        body = client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=attrs))
        name = f"{right.verb} {plural}{'/' + subresource if subresource else ''}" + (f".{group}" if group else "")
        try:
            status = api.create_self_subject_access_review(body).status
        except Exception as exc:
            err = translate(exc, f"asking whether {subject.name} may {name}")
            if err.exit_code == 3 and not isinstance(err, Forbidden):
                raise err from exc
            items.append(Item(area, UNKNOWN, name, str(err), right.line))
            continue
        if status.allowed:
            items.append(Item(area, OK, name, right.why, right.line))
        else:
            reason = f": {status.reason}" if status.reason else ""
            items.append(Item(area, FAIL, name, f"not allowed{reason}; needed: {right.why}", right.line))
    return items


def _list(call: Callable[[], Any]) -> list[dict[str, Any]] | None:
    """Items of a list call as plain dicts; None when the caller may not list them."""
    try:
        return [i.to_dict() if hasattr(i, "to_dict") else i for i in call().items]
    except Exception as exc:
        err = translate(exc)
        if isinstance(err, (Forbidden, NotFound)):
            return None
        raise err from exc


def _fmt(resource_name: str, amount: float) -> str:
    if "memory" in resource_name or "storage" in resource_name:
        return f"{amount / 2**30:.3g} Gi" if amount >= 2**30 else f"{amount / 2**20:.3g} Mi"
    if resource_name.endswith("cpu"):
        return f"{amount:.3g} CPU"
    return f"{amount:g}"


def _capacity(
    cluster: Cluster, effects: Effects, n: int, simulated_gpu: bool = False
) -> tuple[list[Item], int | None, str | None]:
    ns = cluster.namespace
    ranges = _list(lambda: cluster.core.list_namespaced_limit_range(ns)) or []
    defaults = ContainerDefaults.from_limit_ranges(_camel(r) for r in ranges)
    peak = peaks(effects, defaults)
    items: list[Item] = []
    at_most: int | None = None
    limit: str | None = None
    quotas = _list(lambda: cluster.core.list_namespaced_resource_quota(ns))
    if quotas is None:
        items.append(Item("capacity", UNKNOWN, "resource quotas", f"you may not list ResourceQuotas in {ns}"))
        quotas = []
    for q in quotas:
        qname = q["metadata"]["name"]
        hard = (q.get("status") or {}).get("hard") or (q.get("spec") or {}).get("hard") or {}
        used = (q.get("status") or {}).get("used") or {}
        for res_name, hard_value in sorted(hard.items()):
            p: Peak | None = peak.get(res_name)
            if p is None:
                continue
            room = quantity(hard_value) - quantity(used.get(res_name, 0))
            fits = max(0, math.floor(room / p.amount + 1e-9))
            need = f"{n} participants need {_fmt(res_name, p.amount * n)} {res_name} at the peak (line {p.line})"
            allows = f"quota {qname} allows {_fmt(res_name, room)} more (hard {hard_value}, used {used.get(res_name, 0)})"
            if fits < n:
                text = f"{need}; {allows}: at most {fits} participants at once"
                items.append(Item("capacity", FAIL, res_name, text, p.line))
            else:
                items.append(Item("capacity", OK, res_name, f"{need}; {allows}", p.line))
            if at_most is None or fits < at_most:
                at_most, limit = fits, f"{res_name}: quota {qname} (line {p.line})"
    nodes = _list(lambda: cluster.core.list_node())
    for res_name, key in (("requests.cpu", "cpu"), ("requests.memory", "memory"), ("requests.nvidia.com/gpu", "nvidia.com/gpu")):
        p = peak.get(res_name)
        if p is None or (key == "nvidia.com/gpu" and simulated_gpu):
            continue  # a profile that simulates GPUs takes the lesson's GPU requests away
        if nodes is None:
            items.append(Item("capacity", UNKNOWN, f"nodes' {key}", "you may not list nodes", p.line))
            continue
        total = sum(quantity(((node.get("status") or {}).get("allocatable") or {}).get(key)) for node in nodes)
        fits = max(0, math.floor(total / p.amount + 1e-9))
        text = (
            f"{n} participants request {_fmt(res_name, p.amount * n)} at the peak (line {p.line}); the nodes can give "
            f"{_fmt(res_name, total)} in all (before what already runs there): at most {fits} at once"
        )
        items.append(Item("capacity", FAIL if fits < n else OK, f"nodes' {key}", text, p.line))
        if at_most is None or fits < at_most:
            at_most, limit = fits, f"the nodes' allocatable {key} (line {p.line})"
    if not quotas:
        items.append(Item("capacity", OK, "resource quotas", f"namespace {ns} has no ResourceQuota"))
    return items, at_most, limit


def _camel(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A client object's to_dict() has snake_case keys: the LimitRange fields read here, as the API names them."""
    spec = obj.get("spec") or {}
    limits = []
    for item in spec.get("limits") or []:
        limits.append(
            {
                "type": item.get("type"),
                "default": item.get("default") or {},
                "defaultRequest": item.get("default_request") or item.get("defaultRequest") or {},
            }
        )
    return {"spec": {"limits": limits}}


def _storage(cluster: Cluster, effects: Effects) -> tuple[list[Item], dict[str, tuple[str, int, tuple[str, ...]]]]:
    """Each storage class the lesson's claims name: there, and how it binds; (items, class -> (binding mode, line,
    access modes the lesson's claims ask of it))."""
    classes: dict[str, int] = {}
    modes: dict[str, list[str]] = {}
    for e in effects.events:
        body = e.manifest.obj.body if e.creates and e.manifest is not None else None
        if not body:
            continue
        specs = []
        if e.kind == "PersistentVolumeClaim":
            specs.append(body.get("spec") or {})
        for t in (body.get("spec") or {}).get("volumeClaimTemplates") or []:
            specs.append(t.get("spec") or {})
        for spec in specs:
            cls = spec.get("storageClassName")
            key = cls if cls is not None else ""
            classes.setdefault(key, e.line)
            modes.setdefault(key, []).extend(m for m in spec.get("accessModes") or [] if m not in modes.get(key, []))
    if not classes:
        return [], {}
    listed = _list(lambda: cluster.storage.list_storage_class())
    items = []
    found: dict[str, tuple[str, int, tuple[str, ...]]] = {}
    by_name = {c["metadata"]["name"]: c for c in listed or []}
    default = next(
        (name for name, c in by_name.items() if storage_class.is_default(c["metadata"].get("annotations"))),
        None,
    )
    for cls, line in classes.items():
        name = cls or default
        label = f"StorageClass {cls}" if cls else "the default StorageClass"
        if listed is None:
            items.append(Item("storage", UNKNOWN, label, "you may not list storage classes", line))
        elif name is None:
            items.append(Item("storage", FAIL, label, "the claim names no class and the cluster has no default one", line))
        elif name not in by_name:
            items.append(Item("storage", FAIL, label, f"the cluster has no StorageClass {name}", line))
        else:
            mode = by_name[name].get("volume_binding_mode") or "Immediate"
            how = "binds when a pod uses the claim" if mode == "WaitForFirstConsumer" else "binds at once"
            items.append(Item("storage", OK, f"StorageClass {name}", f"{mode}: {how}", line))
            found[name] = (mode, line, tuple(modes.get(cls, ())) or ("ReadWriteOnce",))
    return items, found


def _environment(lesson: Lesson, cluster: Cluster, profile: Profile | None, effects: Effects) -> list[Item]:
    """What the plan would skip for this cluster's sake (an image not served, a kind, a GPU, a host), as the runner sees it."""
    plan = build_plan(lesson, gather_facts(cluster, profile, lesson))
    out = []
    for a in plan.actions:
        if a.do is Operation.SKIP and a.requirement_skip and a.reason:
            out.append(Item("environment", FAIL, f"{a.step.type.value} at line {a.step.line}", a.reason, a.step.line))
    return out


def preflight(
    lesson: Lesson,
    path: str,
    cluster: Cluster,
    subject: Subject,
    participants: int,
    profile: Profile | None = None,
    probe: bool = False,
) -> Preflight:
    """Every item for `participants` at once in `cluster.namespace`, creating nothing (with `probe`: a pod per image and
    a claim per storage class, deleted before the answer)."""
    t0 = time.monotonic()
    effects = Effects(lesson)
    items = _pod_security(cluster, lesson) + _admission(lesson, effects, subject, profile)
    items += _rights(subject, effects)
    if subject.cluster is not cluster:  # the participant's rights were asked: the instructor's, for grading, apart
        items += _rights(Subject(cluster, "you"), effects, for_grading(effects), area="grading")
    capacity, at_most, limit = _capacity(cluster, effects, participants, bool(profile and profile.gpu_simulated))
    items += capacity
    storage, classes = _storage(cluster, effects)
    items += storage
    items += _environment(lesson, cluster, profile, effects)
    if probe:
        from runner.preflight.probe import probe as try_out

        labels = run_labels(lesson.meta.id, "preflight", "probe")
        items += try_out(cluster, effects, profile, classes, labels)
    else:
        items.append(Item("images", UNKNOWN, "images and claims", "not tried (--probe pulls each image and binds a claim)"))
    return Preflight(
        lesson.meta.id,
        path,
        cluster.namespace,
        participants,
        subject.name,
        tuple(items),
        at_most,
        limit,
        time.monotonic() - t0,
        probed=probe,
    )


__all__ = ["Right", "Subject", "preflight"]
