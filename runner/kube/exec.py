"""Running a command inside a pod through the exec API, stdout and stderr kept apart, real exit code.

The exit code is read from the stream's status channel. A stream that closed
without a status (the pod was deleted mid-command, the connection dropped) is
`ExecLost`, never exit 0. A websocket handshake that got an HTTP answer
(404 pod gone, 409/400 container not running, the kubelet's 500 "container
not found") proves the API server is reachable: it is `Gone` (the pod changed
under us), not "cluster unreachable".
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from runner.kube.client import Cluster
from runner.kube.errors import (
    ClusterError,
    ExecLost,
    Forbidden,
    Gone,
    Timeout,
    Unauthorized,
    _cut,
    translate,
)

ERROR_CHANNEL = 3
_HANDSHAKE = re.compile(r"Handshake status (\d{3})")
# what the API server or the kubelet says when the pod or its container is not (or no longer) there to exec into
_CHANGED = re.compile(
    r'container not found|pods? "[^"]*" not found|no such container|does not exist|not running|is terminated|'
    r"stopped state|does not have a host assigned|is not valid for pod|ContainerCreating|PodInitializing|completed pod",
    re.I,
)


@dataclass(frozen=True)
class ExecResult:
    command: str
    stdout: str
    stderr: str
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"


def _default_container(cluster: Cluster, pod: str) -> str | None:
    """The container `kubectl exec POD` opens when none is named: the pod's default-container annotation, else its
    first container (the API server itself asks for a name when there are several)."""
    obj = cluster.core.read_namespaced_pod(pod, cluster.namespace)
    names = [c.name for c in (obj.spec.containers or [])]
    if len(names) < 2:
        return None
    chosen = (obj.metadata.annotations or {}).get(DEFAULT_CONTAINER)
    return chosen if chosen in names else names[0]


def exec_in_pod(cluster: Cluster, pod: str, command: str, container: str | None = None, timeout: float = 120) -> ExecResult:
    """`sh -c COMMAND` in the pod; a command that outlives `timeout` is a Timeout."""
    from kubernetes import client
    from kubernetes.stream import stream

    argv = ["sh", "-c", command]
    # `stream` swaps the request method of the ApiClient it is given while it runs: an ApiClient of
    # its own keeps concurrent requests of other threads (grading, watches) off the websocket path.
    own = client.CoreV1Api(client.ApiClient(cluster.api.configuration))
    cluster.requests[0] += 1
    doing = f"exec in pod/{pod}"
    try:
        kwargs = {"command": argv, "stderr": True, "stdin": False, "stdout": True, "tty": False, "_preload_content": False}
        container = container or _default_container(cluster, pod)
        if container:
            kwargs["container"] = container
        resp = stream(own.connect_get_namespaced_pod_exec, pod, cluster.namespace, **kwargs)
    except Exception as exc:
        raise handshake_error(exc, doing) from exc
    out: list[str] = []
    err: list[str] = []
    deadline = time.monotonic() + timeout
    try:
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
            status = resp.read_channel(ERROR_CHANNEL)
        except ClusterError:
            raise
        except Exception as exc:  # the stream broke (pod deleted, connection reset): no status came
            raise ExecLost(
                f"{doing}: the stream broke before the command's exit status ({type(exc).__name__}: {_cut(str(exc), 160)})"
            ) from exc
    finally:
        resp.close()
    return ExecResult(command, "".join(out), "".join(err), exit_code_of(status, doing))


def exit_code_of(status: str | None, doing: str = "exec") -> int:
    """The exit code in the exec stream's status channel; no status, or a status without one, raises.

    Success is 0; `NonZeroExitCode` carries the code in its causes; any other
    Failure (container not found, not running) means the command never ran.
    """
    if not status or not status.strip():
        raise ExecLost(f"{doing}: the stream closed without the command's exit status (was the pod deleted?)")
    try:
        data = json.loads(status)
    except ValueError:
        raise ExecLost(f"{doing}: unreadable exit status {_cut(status, 120)!r}") from None
    if not isinstance(data, dict):
        raise ExecLost(f"{doing}: unreadable exit status {_cut(status, 120)!r}")
    if data.get("status") == "Success":
        return 0
    causes = (data.get("details") or {}).get("causes") or []
    for cause in causes:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message"))
            except (TypeError, ValueError):
                break
    message = _cut(data.get("message") or data.get("reason") or status, 200)
    if _CHANGED.search(message):
        raise Gone(f"{doing}: {message}", data)
    raise ClusterError(f"{doing}: {message}", data)


def handshake_error(exc: BaseException, doing: str) -> ClusterError:
    """The exception of a failed exec handshake as ours: an HTTP answer is not an unreachable cluster."""
    from kubernetes.client.exceptions import ApiException

    if not isinstance(exc, ApiException) or exc.status not in (0, None):
        return translate(exc, doing)
    reason = str(exc.reason or exc)
    m = _HANDSHAKE.search(reason)
    if not m:
        return translate(exc, doing)  # no HTTP answer at all: the server really is out of reach
    code = int(m.group(1))
    message = _body_message(reason) or reason.split("-+-+-")[0].strip()
    text = f"{doing}: {code} {_cut(message, 200)}"
    if code == 401:
        return Unauthorized(f"{doing}: credentials rejected or expired (401): {_cut(message, 200)}")
    if code == 403:
        return Forbidden(f"{doing}: forbidden (403): {_cut(message, 200)}")
    if code in (400, 404, 409) or _CHANGED.search(message):
        return Gone(text)
    return ClusterError(text)


def _body_message(reason: str) -> str:
    """The message in the body websocket-client puts at the end of a handshake error (a Status, or plain text)."""
    if "-+-+-" not in reason:
        return ""
    body = reason.rsplit("-+-+-", 1)[-1].strip()
    if body.startswith(("b'", 'b"')):
        body = body[2:-1]
    try:
        data: Any = json.loads(body.encode().decode("unicode_escape"))
    except (ValueError, UnicodeDecodeError):
        m = re.search(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"', body)
        return m.group(1).replace('\\"', '"') if m else body
    return str(data.get("message") or body) if isinstance(data, dict) else body
