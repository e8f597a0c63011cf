"""The service and OS stand-ins do what their names promise, on the real local cluster.

One pod per stand-in, with each image's own command (no `command:` override where the
official image has a server as its CMD). The servers are asked from this host through
the pod IP, as another pod would ask them: nginx and httpd answer HTTP 200 on port 80,
redis answers PING with PONG, postgres lets a client pod in with POSTGRES_PASSWORD (and
not with another password). python:3.12-slim runs Python; centos:7 runs a shell command.
"""

from __future__ import annotations

import socket
import time
import urllib.request
import uuid

import pytest
from kubernetes import client, watch

from runner.plan.profile import load_profile

pytestmark = pytest.mark.e2e

DEADLINE = 45.0  # seconds for every pod to be ready or done (pulls from the local registry included)


def _container(image: str, command: list[str] | None = None, env: dict[str, str] | None = None, probe=None):
    return client.V1Container(
        name="main",
        image=image,
        command=command,
        env=[client.V1EnvVar(name=k, value=v) for k, v in (env or {}).items()] or None,
        readiness_probe=probe,
    )


def _tcp(port: int) -> client.V1Probe:
    return client.V1Probe(tcp_socket=client.V1TCPSocketAction(port=port), period_seconds=1)


def _pod(name: str, run: str, container: client.V1Container, restart: str = "Always") -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"test-images": run}),
        spec=client.V1PodSpec(restart_policy=restart, termination_grace_period_seconds=0, containers=[container]),
    )


def _ready(pod: client.V1Pod) -> bool:
    """A command (restartPolicy Never) is ready when it ended; a server when its readiness probe passed."""
    if pod.spec.restart_policy == "Never" or pod.status.phase in ("Succeeded", "Failed"):
        return pod.status.phase in ("Succeeded", "Failed")
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def _wait_all(core: client.CoreV1Api, namespace: str, run: str, names: set[str], timeout: float) -> dict[str, client.V1Pod]:
    """Watch the run's pods until each is Ready (a server) or done (a command); the pods by name."""
    seen: dict[str, client.V1Pod] = {}
    deadline = time.monotonic() + timeout
    w = watch.Watch()
    for event in w.stream(
        core.list_namespaced_pod, namespace, label_selector=f"test-images={run}", timeout_seconds=int(timeout) + 1
    ):
        pod = event["object"]
        seen[pod.metadata.name] = pod
        if all(n in seen and _ready(seen[n]) for n in names) or time.monotonic() > deadline:
            w.stop()
    missing = {n: (seen[n].status.phase if n in seen else "unseen") for n in names if n not in seen or not _ready(seen[n])}
    assert not missing, f"not ready within {timeout:.0f}s: {missing}"
    return seen


def _logs(core: client.CoreV1Api, namespace: str, name: str) -> str:
    return core.read_namespaced_pod_log(name, namespace)


def test_stand_ins_do_what_their_names_promise(kube_api, namespace):
    core = client.CoreV1Api(kube_api)
    run = uuid.uuid4().hex[:6]
    password = f"pw-{uuid.uuid4().hex[:10]}"
    # httpd by a tag nobody listed: the profile's pattern maps it, as a run maps a tutorial's manifest
    httpd_image = load_profile("local").image_for("httpd:2.4.62-bookworm")
    assert httpd_image == "docker.io/library/httpd:latest"
    pods = {
        f"nginx-{run}": _pod(f"nginx-{run}", run, _container("nginx:1.14.2", probe=_tcp(80))),
        f"httpd-{run}": _pod(f"httpd-{run}", run, _container(httpd_image, probe=_tcp(80))),
        f"redis-{run}": _pod(f"redis-{run}", run, _container("redis", probe=_tcp(6379))),
        f"postgres-{run}": _pod(
            f"postgres-{run}",
            run,
            _container(
                "postgres",
                env={"POSTGRES_PASSWORD": password, "POSTGRES_USER": "tutor", "POSTGRES_DB": "lessons"},
                probe=_tcp(5432),
            ),
        ),
        f"python-{run}": _pod(
            f"python-{run}", run, _container("python:3.12-slim", ["python", "-c", "print(1)"]), restart="Never"
        ),
        f"centos-{run}": _pod(f"centos-{run}", run, _container("centos:7", ["cat", "/etc/os-release"]), restart="Never"),
    }
    try:
        for pod in pods.values():
            core.create_namespaced_pod(namespace, pod)
        seen = _wait_all(core, namespace, run, set(pods), DEADLINE)
        ip = {name: pod.status.pod_ip for name, pod in seen.items()}

        for server, page in ((f"nginx-{run}", b"Welcome to nginx!"), (f"httpd-{run}", b"It works!")):
            with urllib.request.urlopen(f"http://{ip[server]}:80/", timeout=10) as r:
                assert r.status == 200 and page in r.read(), server

        with socket.create_connection((ip[f"redis-{run}"], 6379), timeout=10) as s:
            s.sendall(b"PING\r\n")
            assert s.recv(64) == b"+PONG\r\n"  # from outside the pod: all addresses, protected mode off

        for name in (f"python-{run}", f"centos-{run}"):
            assert seen[name].status.phase == "Succeeded", (name, _logs(core, namespace, name))
        assert _logs(core, namespace, f"python-{run}").strip() == "1"
        assert "NAME=" in _logs(core, namespace, f"centos-{run}")

        pg = ip[f"postgres-{run}"]
        script = (
            f"pg_isready -h {pg} -p 5432 -t 20 && "
            f"PGPASSWORD=\"$GOOD\" psql -h {pg} -U tutor -d lessons -tAc 'select current_user, current_database()' && "
            f"if PGPASSWORD=wrong psql -h {pg} -U tutor -d lessons -tAc 'select 1'; then echo WRONG-PASSWORD-LET-IN; fi"
        )
        client_pod = _pod(
            f"psql-{run}", run, _container("postgres", ["bash", "-c", script], env={"GOOD": password}), restart="Never"
        )
        core.create_namespaced_pod(namespace, client_pod)
        done = _wait_all(core, namespace, run, {f"psql-{run}"}, DEADLINE)[f"psql-{run}"]
        out = _logs(core, namespace, f"psql-{run}")
        assert done.status.phase == "Succeeded", out
        assert "tutor|lessons" in out and "password authentication failed" in out, out
        assert "WRONG-PASSWORD-LET-IN" not in out, out
    finally:
        core.delete_collection_namespaced_pod(namespace, label_selector=f"test-images={run}", grace_period_seconds=0)
