"""A tiny smart-HTTP git server for pods: ``git http-backend`` behind Python's http.server.

Lessons clone a public and a private repository from inside pods. Pods reach the host
through the bridge gateway (10.244.0.1), so the server listens on all addresses at port
8418. The private repository requires HTTP basic auth (username + token from the
profile); a clone without credentials gets 401, exactly like a private GitHub repo.

Run detached by the cluster: ``python -m runner.cluster.gitserver --root DIR ...``.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import os
import shutil
import subprocess
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PORT = 8418
PUBLIC_REPO = "PEARC23-code-public"
PRIVATE_REPO = "PEARC23-code-private"
DEFAULT_USER = "tutorial"
DEFAULT_TOKEN = "tut-local-3f9a1c7e5b2d4086"

PI_PY = '''"""Compute pi with the midpoint rule; PI_STEPS (default 1000) sets the number of steps."""
import os

steps = int(os.environ.get("PI_STEPS", "1000"))
h = 1.0 / steps
total = sum(4.0 / (1.0 + ((i + 0.5) * h) ** 2) for i in range(steps))
print(total * h)
'''

README = "# {name}\n\nExample code for the tutorial. Run `python3 pi.py` (set PI_STEPS to change the step count).\n"


GIT_TIMEOUT = 60  # seconds for one local git command (init, commit, push into a bare repository)
BACKEND_TIMEOUT = 120  # seconds for one request to git http-backend (a clone of a small repository)


def _git(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(["git", *argv], check=True, env=env, timeout=GIT_TIMEOUT)


def ensure_repos(root: Path) -> None:
    """Create the two bare repositories with one deterministic commit each (idempotent)."""
    root.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Tutorial",
        GIT_AUTHOR_EMAIL="tutorial@example.org",
        GIT_COMMITTER_NAME="Tutorial",
        GIT_COMMITTER_EMAIL="tutorial@example.org",
        GIT_AUTHOR_DATE="2023-07-23T12:00:00Z",
        GIT_COMMITTER_DATE="2023-07-23T12:00:00Z",
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_CONFIG_NOSYSTEM="1",
    )
    for name in (PUBLIC_REPO, PRIVATE_REPO):
        bare = root / f"{name}.git"
        if (bare / "refs" / "heads" / "main").exists():
            continue
        shutil.rmtree(bare, ignore_errors=True)
        _git(["init", "-q", "--bare", "-b", "main", str(bare)], env)
        with tempfile.TemporaryDirectory() as wt:
            w = Path(wt)
            _git(["init", "-q", "-b", "main", wt], env)
            (w / "pi.py").write_text(PI_PY)
            (w / "README.md").write_text(README.format(name=name))
            _git(["-C", wt, "add", "."], env)
            _git(["-C", wt, "commit", "-q", "-m", "Add pi.py"], env)
            _git(["-C", wt, "push", "-q", str(bare), "main"], env)
        _git(["--git-dir", str(bare), "config", "http.receivepack", "false"], env)
        (bare / "git-daemon-export-ok").touch()


class Handler(BaseHTTPRequestHandler):
    root: Path
    user: str
    token: str
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # to our log file, terse
        print(f"{self.address_string()} {fmt % args}", flush=True)

    def _authorized(self) -> str | None:
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return None
        if hmac.compare_digest(user, self.user) and hmac.compare_digest(pw, self.token):
            return user
        return None

    def _deny(self, code: int, msg: str, auth: bool = False) -> None:
        body = (msg + "\n").encode()
        self.send_response(code)
        if auth:
            self.send_header("WWW-Authenticate", 'Basic realm="tutorial git"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        parts = path.lstrip("/").split("/", 1)
        repo = parts[0].removesuffix(".git")
        if repo == "" or repo == "healthz":
            return self._deny(
                200, "tutorial git server: " + ", ".join(sorted(p.name.removesuffix(".git") for p in self.root.glob("*.git")))
            )
        if not (self.root / f"{repo}.git").is_dir():
            return self._deny(404, "repository not found")
        remote_user = self._authorized()
        if repo == PRIVATE_REPO and remote_user is None:
            return self._deny(401, "authentication required", auth=True)
        body = self._body() if self.command == "POST" else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{repo}.git/" + (parts[1] if len(parts) > 1 else ""),
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.root),
        }
        if remote_user:
            env["REMOTE_USER"] = remote_user
        for h, e in (("Git-Protocol", "GIT_PROTOCOL"), ("Content-Encoding", "HTTP_CONTENT_ENCODING")):
            if self.headers.get(h):
                env[e] = self.headers[h]
        try:
            p = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=BACKEND_TIMEOUT)
        except subprocess.TimeoutExpired:
            return self._deny(504, f"git http-backend did not answer within {BACKEND_TIMEOUT}s")
        head, _, payload = p.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = p.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode(errors="replace").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.strip().split()[0])
            elif k:
                headers.append((k.strip(), v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _handle
    do_POST = _handle


def serve(root: Path, port: int, user: str, token: str, host: str = "0.0.0.0") -> None:
    ensure_repos(root)
    Handler.root, Handler.user, Handler.token = root, user, token
    srv = ThreadingHTTPServer((host, port), Handler)
    srv.daemon_threads = True
    print(f"git server on {host}:{port}, repos in {root}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True, type=Path)
    ap.add_argument("--port", type=int, default=PORT)
    ap.add_argument("--user", default=DEFAULT_USER)
    ap.add_argument("--token-file", type=Path)
    a = ap.parse_args()
    tok = a.token_file.read_text().strip() if a.token_file else DEFAULT_TOKEN
    serve(a.root, a.port, a.user, tok)
