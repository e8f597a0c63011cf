"""Fixtures for end-to-end probes on the real local cluster (``tutorial cluster up``).

The session fixture brings the cluster up through the Python API. Without root it skips
with the exact reason; with ``TUTORIAL_REQUIRE_CLUSTER=1`` (CI) any failure to come up
FAILS the run instead, so a broken cluster can never turn into a green, skipped suite.
"""

from __future__ import annotations

import os
import platform
import uuid

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: needs the real local cluster (root, Linux)")


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
