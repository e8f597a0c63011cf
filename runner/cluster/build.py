"""Build Kubernetes and etcd from Go modules, cached outside the repo by version.

Why a wrapper module: ``go install k8s.io/kubernetes/cmd/...@v1.34.4`` cannot work,
because k8s.io/kubernetes requires its staging modules (k8s.io/api, client-go, ...) at
v0.0.0 and replaces them with ``./staging/...`` paths that only exist in its own tree.
We therefore generate a tiny module that requires ``k8s.io/kubernetes`` and replaces
every staging module with its *published* ``v0.34.x`` tag. The replace list is derived
from upstream's go.mod (the ``=> ./staging/`` lines), never hand-copied, and upstream's
``godebug`` line is carried over so runtime behaviour matches the official build.

Why one binary: linking is the expensive part. ``gobuild/main.go`` dispatches on
argv[0] (hyperkube style) so everything links once; each component name is a symlink.

Everything the Go toolchain caches (GOCACHE, GOMODCACHE) lives under the cache root too,
so a warm machine rebuilds nothing and a finished build is detected by a stamp file.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from runner.cluster import paths

GOBUILD_SRC = Path(__file__).with_name("gobuild") / "main.go"
WRAPPER_MODULE = "tutorial-runner.local/kube"

Log = Callable[[str], None]


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOCACHE=str(paths.go_cache()),
        GOMODCACHE=str(paths.go_modcache()),
        GOFLAGS="-buildvcs=false -p=2",
        CGO_ENABLED="0",
        GOTOOLCHAIN="local",
    )
    return env


def _go() -> str:
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if not go:
        raise RuntimeError("Go toolchain not found (need `go` on PATH or /usr/local/go/bin/go)")
    return go


HEARTBEAT_S = 60.0
GO_TIMEOUT = 3 * 3600.0  # seconds for one go command: a cold Kubernetes build on two cores, not a hang


def _run(
    cmd: list[str], cwd: Path, log_file: Path, env: dict[str, str], log: Log | None = None, timeout: float = GO_TIMEOUT
) -> None:
    """Run a Go command, output to ``log_file``; say "still running" every minute; stop it after ``timeout``.

    The heartbeat keeps CI logs (no TTY, no spinner) from looking hung during the
    five-minute compile/link.
    """
    t0 = time.monotonic()
    with open(log_file, "a") as lf:
        lf.write(f"\n$ {' '.join(cmd)}\n")
        lf.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=lf, stderr=subprocess.STDOUT)
        while True:
            try:
                proc.wait(timeout=HEARTBEAT_S)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - t0 > timeout:
                    proc.kill()
                    proc.wait(timeout=30)
                    raise RuntimeError(
                        f"{' '.join(cmd[:3])} still running after {timeout:.0f}s; stopped it (log {log_file})"
                    ) from None
                if log:
                    log(f"still running `go {cmd[1]}` ({time.monotonic() - t0:.0f}s)")
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError(f"{' '.join(cmd[:3])} failed (exit {proc.returncode}); log {log_file}:\n" + "\n".join(tail))


def upstream_gomod(version: str = paths.K8S_VERSION) -> str:
    """Return the text of k8s.io/kubernetes' go.mod at ``version`` (via the module proxy)."""
    out = subprocess.run(
        [_go(), "mod", "download", "-json", f"k8s.io/kubernetes@{version}"],
        env=_go_env(),
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
        timeout=1800,
    ).stdout
    info = json.loads(out)
    return Path(info["GoMod"]).read_text()


def wrapper_gomod(upstream: str, k8s_version: str = paths.K8S_VERSION, staging_version: str = paths.STAGING_VERSION) -> str:
    """Generate the wrapper go.mod from upstream's go.mod text."""
    staging = re.findall(r"^\s*(\S+)\s+=>\s+\./staging/\S+\s*$", upstream, re.M)
    if not staging:
        raise RuntimeError("no `=> ./staging/` replace lines found in upstream go.mod")
    go_line = re.search(r"^go\s+(\S+)\s*$", upstream, re.M)
    godebug = re.findall(r"^godebug\s+.*$", upstream, re.M)
    lines = [f"module {WRAPPER_MODULE}", "", f"go {go_line.group(1) if go_line else '1.24.0'}", ""]
    lines += godebug + ([""] if godebug else [])
    lines += [f"require k8s.io/kubernetes {k8s_version}", "", "replace ("]
    lines += [f"\t{m} => {m} {staging_version}" for m in staging]
    lines += [")", ""]
    return "\n".join(lines)


def version_ldflags(version: str = paths.K8S_VERSION) -> str:
    m = re.match(r"v(\d+)\.(\d+)\.(\d+)", version)
    if m is None:
        raise RuntimeError(f"not a Kubernetes version: {version!r} (want vMAJOR.MINOR.PATCH)")
    major, minor = m.group(1), m.group(2)
    build_date = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        for key, val in (
            ("gitVersion", version),
            ("gitMajor", major),
            ("gitMinor", minor),
            ("gitCommit", "0000000000000000000000000000000000000000"),
            ("gitTreeState", "clean"),
            ("buildDate", build_date),
        ):
            flags.append(f"-X {pkg}.{key}={val}")
    return " ".join(flags)


def k8s_is_built(version: str = paths.K8S_VERSION) -> bool:
    return (paths.k8s_build_dir(version) / "BUILT").exists() and (paths.k8s_bin_dir(version) / "kube").exists()


def etcd_is_built(version: str = paths.ETCD_VERSION) -> bool:
    return paths.etcd_bin(version).exists()


def build_k8s(version: str = paths.K8S_VERSION, log: Log = print) -> Path:
    """Build the multi-call binary and symlinks into ``k8s_bin_dir``; idempotent."""
    bdir = paths.k8s_build_dir(version)
    bin_dir = paths.k8s_bin_dir(version)
    if k8s_is_built(version):
        return bin_dir
    src = bdir / "src"
    src.mkdir(parents=True, exist_ok=True)
    bin_dir.mkdir(parents=True, exist_ok=True)
    log_file = bdir / "build.log"
    env = _go_env()
    t0 = time.monotonic()
    log(f"generating wrapper module for k8s.io/kubernetes {version}")
    gomod = wrapper_gomod(upstream_gomod(version), version, "v0." + version.split(".", 1)[1])
    (src / "go.mod").write_text(gomod)
    shutil.copy(GOBUILD_SRC, src / "main.go")
    log("resolving modules (go mod tidy)")
    _run([_go(), "mod", "tidy"], src, log_file, env, log)
    t1 = time.monotonic()
    log("compiling and linking kube (multi-call binary); cold build takes a while")
    tmp_out = bin_dir / f"kube.tmp.{os.getpid()}"  # never another build's half-written file
    _run([_go(), "build", "-trimpath", "-ldflags", version_ldflags(version), "-o", str(tmp_out), "."], src, log_file, env, log)
    os.replace(tmp_out, bin_dir / "kube")
    for name in paths.K8S_COMPONENTS:
        link = bin_dir / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to("kube")
    t2 = time.monotonic()
    stamp = {
        "version": version,
        "tidy_s": round(t1 - t0, 1),
        "build_s": round(t2 - t1, 1),
        "finished": _dt.datetime.now(_dt.UTC).isoformat(),
    }
    (bdir / "BUILT").write_text(json.dumps(stamp) + "\n")
    log(f"kube built in {t2 - t0:.0f}s")
    return bin_dir


def _build_module_main(name: str, module: str, version: str, bdir: Path, out: Path, log: Log) -> Path:
    """Build ``module@version`` (a package main at the module root) into ``out``.

    A wrapper module again, because ``go install pkg@version`` refuses modules with
    replace directives (etcd's server module has them) and we want GOFLAGS/caches ours.
    """
    if out.exists():
        return out
    src = bdir / "src"
    src.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    log_file = bdir / "build.log"
    env = _go_env()
    t0 = time.monotonic()
    log(f"building {name} {version}")
    (src / "go.mod").write_text(f"module tutorial-runner.local/{name}\n\ngo 1.24.0\n\nrequire {module} {version}\n")
    (src / "tools.go").write_text(f'//go:build tools\n\npackage tools\n\nimport _ "{module}"\n')
    _run([_go(), "mod", "tidy"], src, log_file, env, log)
    tmp = out.with_name(f"{out.name}.tmp.{os.getpid()}")  # never another build's half-written file
    _run([_go(), "build", "-trimpath", "-ldflags", "-s -w", "-o", str(tmp), module], src, log_file, env, log)
    os.replace(tmp, out)
    (bdir / "BUILT").write_text(json.dumps({"version": version, "build_s": round(time.monotonic() - t0, 1)}) + "\n")
    log(f"{name} built in {time.monotonic() - t0:.0f}s")
    return out


def build_etcd(version: str = paths.ETCD_VERSION, log: Log = print) -> Path:
    """etcd: go.etcd.io/etcd/server/v3 is package main at its module root."""
    return _build_module_main(
        "etcd", "go.etcd.io/etcd/server/v3", version, paths.etcd_build_dir(version), paths.etcd_bin(version), log
    )


def coredns_is_built(version: str = paths.COREDNS_VERSION) -> bool:
    return paths.coredns_bin(version).exists()


def build_coredns(version: str = paths.COREDNS_VERSION, log: Log = print) -> Path:
    """CoreDNS (cluster DNS on the host): github.com/coredns/coredns, main at the root."""
    return _build_module_main(
        "coredns", "github.com/coredns/coredns", version, paths.coredns_build_dir(version), paths.coredns_bin(version), log
    )


if __name__ == "__main__":  # background build: python -m runner.cluster.build
    import sys

    what = sys.argv[1:] or ["etcd", "k8s", "coredns"]
    for w in what:
        t = time.monotonic()
        {"etcd": build_etcd, "k8s": build_k8s, "coredns": build_coredns}[w](
            log=lambda s: print(time.strftime("%H:%M:%S"), s, flush=True)
        )
        print(w, "done", round(time.monotonic() - t, 1), flush=True)
