"""Riding out an API server that is away: what is tried again, for how long, and what is said (runner.kube.outage).

The errors are the client's and urllib3's own exception types, as a refused
or cut connection raises them; kubectl's words are its real output against a
closed port (kubectl 1.34). The outage's e2e test kills a real API server.
"""

from __future__ import annotations

import pytest
import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from runner.kube.errors import kubectl_unreachable
from runner.kube.outage import Outage, transient


class HTTPSConnection:
    def __repr__(self) -> str:
        return "<urllib3.connection.HTTPSConnection object at 0x7f6f9ad1c390>"


def refused() -> urllib3.exceptions.MaxRetryError:
    conn = urllib3.exceptions.NewConnectionError(
        HTTPSConnection(), "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    return urllib3.exceptions.MaxRetryError(None, "/api/v1/namespaces/ws/pods", conn)


def cut() -> urllib3.exceptions.ProtocolError:
    return urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))


def api(status: int) -> ApiException:
    return ApiException(status=status, reason="x")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Server:
    """Fails with `errors` in turn, then answers."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def outage(timeout: float = 120.0) -> tuple[Outage, Clock, list[str]]:
    clock, heard = Clock(), []
    o = Outage(timeout, listeners=[heard.append], sleep=clock.sleep, clock=clock)
    o.reached = True  # the server answered once (check_access)
    return o, clock, heard


def test_what_counts_as_the_server_being_away():
    assert transient(refused()) and transient(refused(), "POST")  # refused: nothing was sent, a change may be sent again
    assert transient(cut()) and not transient(cut(), "POST")  # cut mid-way: a change may have been done
    assert transient(api(503), "POST") and transient(api(504)) and not transient(api(504), "DELETE")
    for status in (400, 401, 403, 404, 409, 422, 429, 500):
        assert not transient(api(status)), status  # answers, not outages


def test_a_read_waits_for_the_server_and_says_so_once():
    o, clock, heard = outage()
    server = Server(refused(), refused(), cut(), refused())
    assert o.call(server, "GET") == "ok" and server.calls == 5
    assert clock.slept == [0.5, 1.0, 2.0, 4.0] and o.waited == pytest.approx(7.5) and o.outages == 1
    assert len(heard) == 2 and heard[0].startswith("cluster unreachable since ") and "waiting up to 120 s" in heard[0]
    assert "(Failed to establish a new connection: [Errno 111] Connection refused)" in heard[0] and "0x" not in heard[0]
    assert heard[1] == "cluster reachable again after 7.5 s" and not o.ongoing


def test_a_change_cut_mid_way_is_reported_not_repeated():
    o, _clock, heard = outage()
    server = Server(cut())
    with pytest.raises(urllib3.exceptions.ProtocolError):
        o.call(server, "POST")
    assert server.calls == 1 and heard == []
    assert o.call(Server(refused()), "POST") == "ok"  # refused: it never reached the server


def test_answers_pass_through_and_a_never_reached_server_is_not_waited_for():
    o, clock, _ = outage()
    with pytest.raises(ApiException):
        o.call(Server(api(403)), "GET")
    assert clock.slept == []
    fresh = Outage(120.0, sleep=clock.sleep, clock=clock)
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        fresh.call(Server(refused()), "GET")  # no cluster at all: said at once (exit 3), not after two minutes
    assert clock.slept == [] and not fresh.reached
    with pytest.raises(ApiException):
        fresh.call(Server(api(404)), "GET")
    assert fresh.reached  # an answer, even a 404, is the server being there


def test_after_the_timeout_nothing_waits_until_the_server_answers_again():
    o, clock, heard = outage(timeout=10)
    server = Server(*[refused()] * 50)
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        o.call(server, "GET")
    assert sum(clock.slept) == pytest.approx(10) and o.expired and len(heard) == 1
    before = server.calls
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        o.call(server, "DELETE")  # the last cleanup attempt: tried once, at once
    assert server.calls == before + 1 and sum(clock.slept) == pytest.approx(10)
    assert o.call(Server(), "GET") == "ok" and not o.expired and heard[-1].startswith("cluster reachable again")


def test_zero_gives_up_at_once():
    o, clock, heard = outage(timeout=0)
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        o.call(Server(refused()), "GET")
    assert clock.slept == [] and heard == []


def test_kubectl_says_it_found_no_server():
    # kubectl 1.34 against a closed port: `get`, and `apply -f` (which fails fetching the OpenAPI document first)
    get = "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
    apply = (
        'error: error validating "/tmp/cm.yaml": error validating data: failed to download openapi: Get '
        '"https://127.0.0.1:1/openapi/v2?timeout=32s": dial tcp 127.0.0.1:1: connect: connection refused; '
        "if you choose to ignore these errors, turn validation off with --validate=false"
    )
    assert kubectl_unreachable(get) and kubectl_unreachable(apply)
    assert kubectl_unreachable("Error from server (ServiceUnavailable): the server is currently unable to handle the request")
    for answer in (
        'Error from server (NotFound): pods "x" not found',
        'Error from server (Forbidden): pods is forbidden: User "u" cannot list resource "pods"',
        "error: no objects passed to apply",
        "",
    ):
        assert not kubectl_unreachable(answer)
