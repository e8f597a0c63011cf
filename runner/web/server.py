"""Serving the web board with uvicorn on a thread of its own, beside the terminal board and the grading worker.

Bound to loopback the board is the instructor's own and needs no key (unless
one is given with `--key-file`, e.g. behind a reverse proxy); on any other
address it always has keys (`runner.web.access`), and the instructor's URL
carries one.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass

from runner.core.redact import Redactor
from runner.grade.live import LiveBoard
from runner.web.access import BoardKeys
from runner.web.app import create_app
from runner.web.links import BoardLinks
from runner.web.tls import TLSFiles


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeOptions:
    """What `--serve` and its companions asked for, checked; the web board is built from it."""

    address: tuple[str, int] | None
    keys: BoardKeys | None  # from --key-file; a non-loopback board without one makes a random key
    tls_mode: str | None  # "self-signed"
    tls_cert: str | None
    tls_key: str | None
    base_url: str | None
    links_file: str | None

    def tls(self, names: list[str]) -> TLSFiles | None:
        from runner.web import tls

        if self.tls_cert and self.tls_key:
            return tls.from_files(self.tls_cert, self.tls_key)
        if self.tls_mode == "self-signed":
            return tls.self_signed(names)
        return None


def outward_host(host: str) -> str:
    """The address to print for a board bound to `host`: itself, or for a wildcard bind this machine's outward address."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: a UDP "connect" sends nothing, it only picks the outward interface
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def needs_keys(host: str) -> bool:
    return not _loopback(host)


class WebBoard:
    def __init__(
        self,
        live: LiveBoard,
        redact: Redactor,
        host: str = "127.0.0.1",
        port: int = 8080,
        keys: BoardKeys | None = None,
        tls: TLSFiles | None = None,
        base_url: str | None = None,
        want_keys: bool = False,
    ) -> None:
        import uvicorn

        # keys on any address but loopback, and on loopback when links or a public URL were asked for (a reverse proxy)
        self.keys = keys if keys is not None or not (needs_keys(host) or want_keys) else BoardKeys.generate()
        # a loopback board without keys accepts only loopback names (a page elsewhere cannot reach it through DNS
        # rebinding); with keys the key decides, and a proxy may forward its own Host
        hosts = ["127.0.0.1", "localhost", "::1", host] if _loopback(host) and self.keys is None else None
        app = create_app(live, redact, hosts, keys=self.keys, secure=tls is not None)
        self.config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,  # an access log would hold every key given in an address
            timeout_graceful_shutdown=2,
            lifespan="off",
            ssl_certfile=tls.cert if tls else None,
            ssl_keyfile=tls.key if tls else None,
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="web-board")
        self.host, self.port, self.tls = host, port, tls
        self.links = BoardLinks(base_url_of(host, port, tls is not None, base_url), self.keys)

    @property
    def url(self) -> str:
        """The instructor's URL: the one place the instructor's key is printed."""
        return self.links.instructor

    def start(self, timeout: float = 15) -> None:
        try:
            self._start(timeout)
        except BaseException:
            if self.tls:
                self.tls.discard()  # a self-signed key made for a board that never served is not left behind
            raise

    def _start(self, timeout: float) -> None:
        from runner.core.errors import UsageError

        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise UsageError(
                    f"--serve {self.host}:{self.port}: could not listen there (in use, or not an address of this machine)"
                )
            if time.monotonic() > deadline:
                raise UsageError(f"--serve {self.host}:{self.port}: the web board did not start within {timeout:.0f} s")
            time.sleep(0.05)  # polling a flag uvicorn sets, at start-up only

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.tls:
            self.tls.discard()


def base_url_of(host: str, port: int, tls: bool, given: str | None = None) -> str:
    """Where participants reach the board: `--url` as given (ending in /), or the scheme, outward host and port."""
    if given:
        return given if given.endswith("/") else given + "/"
    h = outward_host(host)
    h = f"[{h}]" if ":" in h else h
    return f"{'https' if tls else 'http'}://{h}:{port}/"
