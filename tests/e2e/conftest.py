"""Fixtures for end-to-end probes on the real local cluster (``tutorial cluster up``).

The session fixture brings the cluster up through the Python API. Without root it skips
with the exact reason; with ``TUTORIAL_REQUIRE_CLUSTER=1`` (CI) any failure to come up
FAILS the run instead, so a broken cluster can never turn into a green, skipped suite.
"""

from __future__ import annotations

import os
import platform
import signal
import uuid

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: needs the real local cluster (root, Linux)")
    # Tests interrupt `tutorial` with SIGINT, as Ctrl-C does. A shell that starts this suite in the
    # background (`cmd &` in a script) ignores SIGINT, and an ignored signal is inherited across exec:
    # every child would then ignore the test's Ctrl-C. A handled signal is reset to the default on
    # exec, so handling it here gives each child Python its usual KeyboardInterrupt.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _require() -> bool:
    return os.environ.get("TUTORIAL_REQUIRE_CLUSTER") == "1"


def _unavailable(reason: str):
    if _require():
        pytest.fail(f"TUTORIAL_REQUIRE_CLUSTER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kube_api():
    if platform.system() != "Linux":
        _unavailable(f"the local cluster needs Linux, this is {platform.system()}")
    if os.geteuid() != 0:
        _unavailable("the local cluster needs root (it runs containerd and the kubelet)")
    try:
        import runner.cluster as rc
        from runner.cluster import kube

        rc.up(quiet=True)
        return kube.api()
    except Exception as e:
        _unavailable(f"cluster did not come up: {e}")


@pytest.fixture(scope="session")
def namespace(kube_api):
    from kubernetes import client

    from runner.cluster import kube

    name = f"e2e-{uuid.uuid4().hex[:6]}"
    core = client.CoreV1Api(kube_api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    kube.wait_default_sa(kube_api, 60, namespace=name)
    yield name
    core.delete_namespace(name, propagation_policy="Background")


class PointWatch:
    """The moment a run reaches a point: the nth creation of one named object, seen by a watch.

    The watch starts from a listing made before the run, so no creation is missed however fast
    the run is; a test then interrupts or kills the run exactly there.
    """

    def __init__(self, api, namespace: str, kind: str, name: str, nth: int = 1) -> None:
        from kubernetes import client

        core, batch, coordination = client.CoreV1Api(api), client.BatchV1Api(api), client.CoordinationV1Api(api)
        self.list = {
            "Pod": core.list_namespaced_pod,
            "PersistentVolumeClaim": core.list_namespaced_persistent_volume_claim,
            "ConfigMap": core.list_namespaced_config_map,
            "Job": batch.list_namespaced_job,
            "Lease": coordination.list_namespaced_lease,
        }[kind]
        self.namespace, self.kind, self.name, self.nth = namespace, kind, name, nth
        self.uids: set[str] = set()  # the distinct objects of that name seen so far (created since we looked)
        self.before = set()
        self.version = self._read(initial=True)

    def _read(self, initial: bool = False) -> str:
        listing = self.list(self.namespace, field_selector=f"metadata.name={self.name}")
        for item in listing.items:
            (self.before if initial else self.uids).add(item.metadata.uid)
        self.uids -= self.before
        return listing.metadata.resource_version

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name} created{f' for the {self.nth}. time' if self.nth > 1 else ''}"

    def wait(self, timeout: float = 240) -> None:
        import time

        from kubernetes import watch
        from kubernetes.client.exceptions import ApiException

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            w = watch.Watch()
            try:
                for event in w.stream(
                    self.list,
                    self.namespace,
                    field_selector=f"metadata.name={self.name}",
                    resource_version=self.version,
                    timeout_seconds=max(1, int(deadline - time.monotonic())),
                ):
                    self.version = event["object"].metadata.resource_version
                    if event["type"] == "ADDED" and event["object"].metadata.uid not in self.before:
                        self.uids.add(event["object"].metadata.uid)
                    if len(self.uids) >= self.nth:
                        w.stop()
                        return
            except ApiException as exc:
                if exc.status != 410:
                    raise
                self.version = self._read()  # our place in the history is gone (a busy cluster): read again
                if len(self.uids) >= self.nth:
                    return
        raise AssertionError(f"the run never reached: {self} (within {timeout:.0f}s)")


@pytest.fixture
def point(kube_api, namespace):
    """`point(kind, name, nth=1)`: a PointWatch in the test's namespace, started now."""
    return lambda kind, name, nth=1: PointWatch(kube_api, namespace, kind, name, nth)
