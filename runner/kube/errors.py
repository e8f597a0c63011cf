"""API errors as our own types with one readable sentence (after kopf's errors module).

403/404/409/422/429, quota exceeded, expired credentials and an unreachable
server each become a class carrying the parsed Kubernetes Status, chained
with `from`, with the message cut to a readable length.
"""

from __future__ import annotations

import json
import re
from typing import Any

from runner.core.errors import TutorialError


class ClusterError(TutorialError):
    """The cluster said no, or could not be reached."""

    exit_code = 1

    def __init__(self, message: str, status: dict[str, Any] | None = None, path: str | None = None, line: int | None = None):
        super().__init__(message, path, line)
        self.status = status or {}


class Unreachable(ClusterError):
    exit_code = 3


class Unauthorized(ClusterError):
    exit_code = 3


class Forbidden(ClusterError):
    exit_code = 3


# 403s that refuse the object as written, whoever sends it (the ServiceAccount admission plugin: the Pod names an
# account that does not exist); every other 403 (RBAC, quota, LimitRange, PodSecurity, a terminating namespace) says
# something of the caller or the namespace
_OBJECT_REFUSED = re.compile(r"error looking up service account")


class NotFound(ClusterError):
    pass


class NamespaceMissing(NotFound):
    """The namespace a run or grade targets does not exist: the target is wrong, like Forbidden."""

    exit_code = 3


class Conflict(ClusterError):
    """409: already exists, or changed under us."""


class Invalid(ClusterError):
    """422: the object was rejected by validation or admission."""


class QuotaExceeded(ClusterError):
    pass


class TooManyRequests(ClusterError):
    pass


class Timeout(ClusterError):
    """A wait reached its deadline."""


class Gone(ClusterError):
    """The object changed under us: a pod deleted or terminating, a container not (or no longer) running, replaced.

    What a participant does in a live session (deleting their pod, as the
    lesson says) while a check looks at it: "not yet" for that check, never a
    reason to stop grading.
    """


class ExecLost(ClusterError):
    """An exec whose exit status never arrived (the stream closed without one): neither a pass nor a failure."""


# what kubectl prints when it could not reach the API server at all (so it did nothing): a restart of the control plane
KUBECTL_UNREACHABLE = re.compile(
    r"The connection to the server \S+ was refused"
    r"|Unable to connect to the server"
    r"|dial tcp \S+: connect: connection refused"
    r"|the server is currently unable to handle the request"
)


def kubectl_unreachable(stderr: str) -> bool:
    """kubectl's own words for "the API server is not there": the command did nothing and may be run again."""
    return bool(KUBECTL_UNREACHABLE.search(stderr or ""))


def _status(exc: Any) -> dict[str, Any]:
    body = getattr(exc, "body", None)
    if isinstance(body, (bytes, str)) and body:
        try:
            data = json.loads(body)
            return data if isinstance(data, dict) else {}
        except ValueError:
            return {}
    return {}


def _cut(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def translate(exc: BaseException, doing: str = "") -> ClusterError:
    """An exception of the client or of urllib3 as one of ours; `doing` says what we tried."""
    import urllib3.exceptions
    from kubernetes.client.exceptions import ApiException  # local: offline commands never import this
    from kubernetes.config.config_exception import ConfigException

    prefix = f"{doing}: " if doing else ""
    if isinstance(exc, ClusterError):
        return exc
    if isinstance(exc, ConfigException):
        return Unreachable(f"{prefix}no usable cluster configuration ({_cut(str(exc))})")
    if isinstance(
        exc,
        (
            urllib3.exceptions.MaxRetryError,
            urllib3.exceptions.NewConnectionError,
            ConnectionError,
            urllib3.exceptions.ProtocolError,
            TimeoutError,
        ),
    ):
        reason = str(getattr(exc, "reason", exc))
        reason = reason.split(">: ", 1)[-1]  # drop urllib3's object repr, keep "Failed to establish ... refused"
        return Unreachable(f"{prefix}cluster unreachable ({_cut(reason, 160)})")
    if isinstance(exc, ApiException):
        status = _status(exc)
        message = _cut(status.get("message") or exc.reason or str(exc))
        code = exc.status
        if code == 401:
            return Unauthorized(f"{prefix}credentials rejected or expired (401): {message}", status)
        if code == 403:
            if "exceeded quota" in message:
                return QuotaExceeded(f"{prefix}quota exceeded: {message}", status)
            if _OBJECT_REFUSED.search(status.get("message") or exc.reason or str(exc)):
                # an admission plugin's refusal of this object ("error looking up service account default/pod-reader"),
                # not the authorizer's of the caller: the object's fault, as a 422 is
                return Invalid(f"{prefix}refused by admission (403): {message}", status)
            return Forbidden(f"{prefix}forbidden (403): {message}", status)
        if code == 404:
            return NotFound(f"{prefix}not found: {message}", status)
        if code == 409:
            return Conflict(f"{prefix}{message}", status)
        if code == 422:
            return Invalid(f"{prefix}rejected: {message}", status)
        if code == 429:
            return TooManyRequests(f"{prefix}too many requests: {message}", status)
        if code in (0, None):
            return Unreachable(f"{prefix}cluster unreachable: {message}", status)
        return ClusterError(f"{prefix}API error {code}: {message}", status)
    return ClusterError(f"{prefix}{type(exc).__name__}: {_cut(str(exc))}")
