"""Serving the web board with uvicorn on a thread of its own, beside the terminal board and the grading worker."""

from __future__ import annotations

import ipaddress
import threading
import time

from runner.core.redact import Redactor
from runner.grade.live import LiveBoard
from runner.web.app import create_app


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebBoard:
    def __init__(self, live: LiveBoard, redact: Redactor, host: str = "127.0.0.1", port: int = 8080) -> None:
        import uvicorn

        # bound to loopback, only loopback names are accepted (a page elsewhere cannot reach it through DNS rebinding)
        hosts = ["127.0.0.1", "localhost", "::1", host] if _loopback(host) else None
        app = create_app(live, redact, hosts)
        self.config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2, lifespan="off"
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="web-board")
        self.host, self.port = host, port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self, timeout: float = 15) -> None:
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
