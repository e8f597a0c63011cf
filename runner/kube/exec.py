"""Running a command inside a pod through the exec API, stdout and stderr kept apart, real exit code."""

from __future__ import annotations

import time
from dataclasses import dataclass

from runner.kube.client import Cluster
from runner.kube.errors import Timeout, translate


@dataclass(frozen=True)
class ExecResult:
    command: str
    stdout: str
    stderr: str
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def exec_in_pod(cluster: Cluster, pod: str, command: str, container: str | None = None, timeout: float = 120) -> ExecResult:
    """`sh -c COMMAND` in the pod; a command that outlives `timeout` is a Timeout."""
    from kubernetes import client
    from kubernetes.stream import stream

    argv = ["sh", "-c", command]
    # `stream` swaps the request method of the ApiClient it is given while it runs: an ApiClient of
    # its own keeps concurrent requests of other threads (grading, watches) off the websocket path.
    own = client.CoreV1Api(client.ApiClient(cluster.api.configuration))
    cluster.requests[0] += 1
    try:
        kwargs = {"command": argv, "stderr": True, "stdin": False, "stdout": True, "tty": False, "_preload_content": False}
        if container:
            kwargs["container"] = container
        resp = stream(own.connect_get_namespaced_pod_exec, pod, cluster.namespace, **kwargs)
    except Exception as exc:
        raise translate(exc, f"exec in pod/{pod}") from exc
    out: list[str] = []
    err: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while resp.is_open():
            resp.update(timeout=1)
            if resp.peek_stdout():
                out.append(resp.read_stdout())
            if resp.peek_stderr():
                err.append(resp.read_stderr())
            if time.monotonic() > deadline:
                raise Timeout(f"`{command}` in pod/{pod} still running after {timeout:.0f}s")
        if resp.peek_stdout():
            out.append(resp.read_stdout())
        if resp.peek_stderr():
            err.append(resp.read_stderr())
        code = resp.returncode
    finally:
        resp.close()
    return ExecResult(command, "".join(out), "".join(err), int(code if code is not None else 0))
