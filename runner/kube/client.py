"""Choosing a cluster the way kubectl does: --kubeconfig, --context, -n, $KUBECONFIG, in-cluster.

`Cluster` bundles an ApiClient with the namespace and the kubeconfig a
tutorial's own kubectl commands must use, so that the runner and the
tutorial's commands always talk to the same cluster and namespace.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runner.core.files import write_atomically
from runner.kube.errors import Forbidden, NamespaceMissing, NotFound, Unreachable, translate
from runner.kube.outage import DEFAULT_TIMEOUT, Outage
from runner.plan.profile import Profile, load_profile
from runner.syntax.yaml import dump


@dataclass
class Cluster:
    api: Any  # kubernetes.client.ApiClient
    namespace: str
    kubeconfig: str | None  # file for kubectl (None in-cluster)
    context: str | None
    _dynamic: Any = field(default=None, repr=False)
    _leases: Any = field(default=None, repr=False)  # ApiClient for leases (see `coordination`)
    requests: list[int] = field(default_factory=lambda: [0], repr=False)  # API requests made (a box: shared with wrappers)
    outage: Outage = field(default_factory=lambda: Outage(0.0), repr=False)  # every request rides out an outage through it
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def core(self):
        from kubernetes import client

        return client.CoreV1Api(self.api)

    @property
    def batch(self):
        from kubernetes import client

        return client.BatchV1Api(self.api)

    @property
    def storage(self):
        from kubernetes import client

        return client.StorageV1Api(self.api)

    @property
    def node(self):
        """RuntimeClasses (`node.k8s.io`)."""
        from kubernetes import client

        return client.NodeV1Api(self.api)

    @property
    def coordination(self):
        """Leases, on an ApiClient of their own: a run's renewals are never held back by its --qps limit."""
        from kubernetes import client

        with self._lock:
            if self._leases is None:
                self._leases = client.ApiClient(self.api.configuration)
            return client.CoordinationV1Api(self._leases)

    @property
    def dynamic(self):
        with self._lock:
            if self._dynamic is None:
                from kubernetes.dynamic import DynamicClient

                try:
                    self._dynamic = DynamicClient(self.api, discoverer=_discoverer())
                except Exception as exc:  # discovery is the first request: map unreachable etc.
                    raise translate(exc, "reading the cluster's API resources") from exc
            return self._dynamic

    def kubectl_env(self) -> dict[str, str]:
        """Environment for the tutorial's own kubectl commands."""
        env = {}
        if self.kubeconfig:
            env["KUBECONFIG"] = self.kubeconfig
        return env


def _discoverer() -> type:
    """The dynamic client's LazyDiscoverer, with its cache file written atomically.

    The library keeps discovery in one file per API server URL in the temporary
    folder, shared by every process on the machine, and rewrites it in place
    (kubernetes-client/python#2037). Two runs at once (two participants, or a
    run beside a board) then read each other's half-written file: the library
    logs "load cache error" on stderr and discovers again. Written whole, a
    reader sees the old cache or the new one.
    """
    import json

    from kubernetes.dynamic.discovery import CacheEncoder, LazyDiscoverer

    class AtomicCacheDiscoverer(LazyDiscoverer):
        def _write_cache(self) -> None:
            try:
                write_atomically(self._Discoverer__cache_file, json.dumps(self._cache, cls=CacheEncoder), ".osrcp-")
            except OSError:
                pass  # as the library does: a cache that cannot be written is only slower

    return AtomicCacheDiscoverer


@dataclass(frozen=True)
class ClusterTarget:
    """Which cluster and namespace, chosen like kubectl: --kubeconfig, --context, -n, $KUBECONFIG; a profile underneath."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    profile: str | None = None  # a profile's name or path (its kubeconfig and namespace are defaults)
    qps: float | None = None  # client-side rate limit
    outage_timeout: float = DEFAULT_TIMEOUT  # seconds an unreachable API server is waited for (runner.kube.outage)

    def load_profile(self) -> Profile | None:
        return load_profile(self.profile) if self.profile else None


def connect_target(target: ClusterTarget, workdir: Path | None = None, profile: Profile | None = None) -> Cluster:
    """Connect to `target`, with the profile's kubeconfig and namespace as defaults under kubectl's own rules."""
    profile = profile if profile is not None else target.load_profile()
    kubeconfig = target.kubeconfig
    if profile and not kubeconfig and profile.kubeconfig and not os.environ.get("KUBECONFIG"):
        kubeconfig = profile.kubeconfig
    return connect(
        kubeconfig,
        target.context,
        target.namespace,
        qps=target.qps,
        outage_timeout=target.outage_timeout,
        workdir=workdir,
        default_namespace=(profile.namespace if profile and profile.namespace else "default"),
    )


def connect(
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    qps: float | None = None,
    workdir: Path | None = None,
    default_namespace: str = "default",
    outage_timeout: float = DEFAULT_TIMEOUT,
) -> Cluster:
    """Load configuration like kubectl; write a run kubeconfig pinned to the context and namespace.

    The namespace is -n, else the context's, else `default_namespace` (a profile's), as kubectl does.
    """
    from kubernetes import client, config

    path = kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or str(Path.home() / ".kube" / "config")
    cfg = client.Configuration()
    try:
        if Path(path).is_file():
            config.load_kube_config(config_file=path, context=context, client_configuration=cfg, persist_config=False)
            contexts, current = config.list_kube_config_contexts(config_file=path)
            ctx = next((c for c in contexts if c["name"] == (context or current["name"])), current)
            ns = namespace or ctx.get("context", {}).get("namespace") or default_namespace
            ctx_name = ctx["name"]
            kubeconfig_file: str | None = path
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            config.load_incluster_config(client_configuration=cfg)
            sa_ns = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
            ns = namespace or (sa_ns.read_text().strip() if sa_ns.exists() else default_namespace)
            kubeconfig_file, ctx_name = None, None
        else:
            raise Unreachable(
                f"no kubeconfig at {path} and not running in a cluster (use --kubeconfig, KUBECONFIG or `tutorial cluster up`)"
            )
    except Unreachable:
        raise
    except Exception as exc:
        raise translate(exc, f"loading {path}") from exc
    cfg.retries = 2
    api = client.ApiClient(cfg)
    counter = [0]
    outage = Outage(outage_timeout)
    _count_and_limit(api, counter, qps, outage)
    run_config = _pinned_kubeconfig(kubeconfig_file, ctx_name, ns, workdir) if kubeconfig_file and workdir else kubeconfig_file
    return Cluster(api=api, namespace=ns, kubeconfig=run_config, context=ctx_name, requests=counter, outage=outage)


def _pinned_kubeconfig(path: str, context: str | None, namespace: str, workdir: Path) -> str:
    """A copy of the kubeconfig whose current context is ours, with our namespace."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    current = context or data.get("current-context")
    for ctx in data.get("contexts") or []:
        if ctx.get("name") == current:
            ctx.setdefault("context", {})["namespace"] = namespace
    data["current-context"] = current
    out = workdir / ".kubeconfig"
    out.write_text(dump(data))  # names such as a context `1e5` stay strings for kubectl
    out.chmod(0o600)
    return str(out)


def _count_and_limit(api: Any, counter: list[int], qps: float | None, outage: Outage | None = None) -> None:
    """Count every request, and with `qps` space them (a client-side token bucket) so a shared API server is not hammered;
    with `outage`, a request that finds the server away is tried again while the outage is young enough."""
    lock = threading.Lock()
    interval = 1.0 / qps if qps else 0.0
    state = {"next": time.monotonic()}
    original = api.call_api

    def limited(*args, **kwargs):
        with lock:
            counter[0] += 1
            now = time.monotonic()
            wait = state["next"] - now if interval else 0.0
            state["next"] = max(now, state["next"]) + interval
        if wait > 0:
            time.sleep(wait)  # rate limiting, not waiting for a condition
        return original(*args, **kwargs)

    def counted(*args, **kwargs):
        if outage is None:
            return limited(*args, **kwargs)
        method = args[1] if len(args) > 1 else kwargs.get("method", "GET")
        return outage.call(limited, str(method), *args, **kwargs)

    api.call_api = counted


def check_access(cluster: Cluster) -> None:
    """Fail early (exit 3) when the namespace cannot be read: unreachable, expired, forbidden or missing.

    Listing pods in a namespace that does not exist answers an empty list, so an
    empty answer asks for the namespace itself. A participant who may not read
    namespaces (403) is not refused: they may still use theirs.
    """
    try:
        pods = cluster.core.list_namespaced_pod(cluster.namespace, limit=1, _request_timeout=15)
    except Exception as exc:
        raise translate(exc, f"reading pods in namespace {cluster.namespace}") from exc
    if pods.items:
        return
    try:
        cluster.core.read_namespace(cluster.namespace, _request_timeout=15)
    except Exception as exc:
        err = translate(exc, f"reading namespace {cluster.namespace}")
        if isinstance(err, NotFound):
            raise NamespaceMissing(
                f"namespace {cluster.namespace} does not exist: create it "
                f"(kubectl create namespace {cluster.namespace}) or choose another with -n"
            ) from exc
        if not isinstance(err, Forbidden):
            raise err from exc
