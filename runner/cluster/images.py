"""Container images for lessons, made here from Debian packages, served by a local registry.

No public registry is reachable, so every image a lesson names is built locally:

* one ``debootstrap --variant=minbase`` bookworm rootfs (bash, coreutils, git, python3,
  curl, tar, ca-certificates; docs and apt lists trimmed) is the single base layer;
* a GPU stand-in adds one tiny layer with ``/usr/bin/nvidia-smi``;
* the pod sandbox ("pause") image is a ``gcc -static`` binary.

Why a registry and not ``ctr images import``: images tagged ``:latest`` (or untagged)
default to ``imagePullPolicy: Always``; the kubelet then *must* pull, which fails with
no registry even when the image is present. Debian's ``docker-registry`` (the CNCF
distribution registry) runs on 127.0.0.1:5000 and containerd's ``hosts.toml`` makes it
the *only* host for docker.io, so every published name (``busybox:latest``,
``python:3.11``...) resolves and pulls in well under a second, with no code change in lessons.

Images are pushed with the plain registry HTTP API from Python (no podman/skopeo):
blobs are uploaded once and cross-mounted into each repository, so "tagging" a name costs
one manifest PUT. Everything lives in the cache dir and survives ``down --reset``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from runner.cluster import paths
from runner.cluster.host import run_tool

ASSETS = Path(__file__).with_name("assets")
REGISTRY_ADDR = "127.0.0.1:5000"
BASE_PACKAGES = [
    "bash",
    "coreutils",
    "git",
    "python3",
    "python-is-python3",
    "curl",
    "tar",
    "ca-certificates",
    "procps",
    "iproute2",
]
DEBIAN_MIRROR = os.environ.get("TUTORIAL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
IMAGES_REVISION = "1"  # bump to force a rebuild of every image

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

PAUSE_IMAGE = "docker.io/tutorial-runner/pause:3.10"

Log = Callable[[str], None]


@dataclass(frozen=True)
class ImageSpec:
    """A published image name and what it is made of locally."""

    name: str  # fully qualified, e.g. docker.io/library/busybox:latest
    flavor: str = "base"  # base | gpu | pause
    entrypoint: list[str] | None = None
    cmd: list[str] = field(default_factory=lambda: ["/bin/bash"])
    env: tuple[str, ...] = ()


# lesson image name -> how it is made. Keys are what lessons write; values are built here.
IMAGES: list[ImageSpec] = [
    ImageSpec("docker.io/library/rockylinux:8"),
    ImageSpec("docker.io/library/rockylinux:9"),
    ImageSpec("docker.io/library/busybox:latest", cmd=["sh"]),
    ImageSpec("docker.io/library/ubuntu:22.04"),
    ImageSpec("docker.io/library/ubuntu:latest"),
    ImageSpec("docker.io/library/debian:bookworm"),
    ImageSpec("docker.io/library/debian:latest"),
    ImageSpec("docker.io/library/alpine:latest", cmd=["/bin/sh"]),
    ImageSpec("docker.io/library/python:3.11", cmd=["python3"]),
    ImageSpec("docker.io/library/python:3.11-slim", cmd=["python3"]),
    ImageSpec("docker.io/library/python:latest", cmd=["python3"]),
    ImageSpec("docker.io/alpine/git:latest", entrypoint=["git"], cmd=["--help"]),
    ImageSpec("docker.io/cicirello/pyaction:latest", cmd=["python3"]),
    ImageSpec("docker.io/tensorflow/tensorflow:2.13.0", cmd=["/bin/bash"]),
    ImageSpec("docker.io/tensorflow/tensorflow:latest", cmd=["/bin/bash"]),
    ImageSpec(
        "docker.io/nvidia/cuda:12.2.0-base-ubuntu22.04", flavor="gpu", env=("NVIDIA_VISIBLE_DEVICES=all", "CUDA_VERSION=12.2.0")
    ),
    ImageSpec(
        "docker.io/nvidia/cuda:11.8.0-base-ubuntu22.04", flavor="gpu", env=("NVIDIA_VISIBLE_DEVICES=all", "CUDA_VERSION=11.8.0")
    ),
    ImageSpec(PAUSE_IMAGE, flavor="pause", entrypoint=["/pause"], cmd=[]),
]


def image_map() -> dict[str, str]:
    """Short names as lessons write them -> the fully qualified local name."""
    out: dict[str, str] = {}
    for spec in IMAGES:
        if spec.flavor == "pause":
            continue
        full = spec.name
        short = full.removeprefix("docker.io/").removeprefix("library/")
        out[short] = full
        if short.endswith(":latest"):
            out[short[: -len(":latest")]] = full
    return out


def split_name(name: str) -> tuple[str, str]:
    """``docker.io/library/busybox:latest`` -> (``library/busybox``, ``latest``)."""
    repo, tag = name.rsplit(":", 1)
    return repo.split("/", 1)[1], tag


# ---------------------------------------------------------------------------- layers


def _sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def _apt_get_install(pkgs: list[str], log: Log) -> None:
    missing = [p for p in pkgs if run_tool(["dpkg", "-s", p], 60, capture_output=True).returncode != 0]
    if missing:
        from runner.cluster.host import apt_install

        apt_install(missing, log)


DEBOOTSTRAP_TIMEOUT = 3600.0  # seconds: a whole Debian rootfs from a slow mirror, not a hang


def build_rootfs(log: Log = print) -> Path:
    """debootstrap the base rootfs once (cached)."""
    root = paths.images_dir() / f"rootfs-{paths.DEBIAN_SUITE}-r{IMAGES_REVISION}"
    if (root / ".complete").exists():
        return root
    _apt_get_install(["debootstrap"], log)
    tmp = root.with_name(f"{root.name}.tmp.{os.getpid()}")  # never another process's half-built tree
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log(f"debootstrap {paths.DEBIAN_SUITE} minbase rootfs")
    logf = paths.images_dir() / "debootstrap.log"
    with open(logf, "w") as lf:
        rc = run_tool(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=" + ",".join(BASE_PACKAGES),
                paths.DEBIAN_SUITE,
                str(tmp),
                DEBIAN_MIRROR,
            ],
            DEBOOTSTRAP_TIMEOUT,
            stdout=lf,
            stderr=subprocess.STDOUT,
        ).returncode
    if rc != 0:
        tail = "\n".join(logf.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"debootstrap failed (exit {rc}):\n{tail}")
    for sub in (
        "usr/share/doc",
        "usr/share/man",
        "usr/share/info",
        "var/lib/apt/lists",
        "var/cache/apt",
        "var/log",
        "usr/share/locale",
    ):
        p = tmp / sub
        if p.exists():
            shutil.rmtree(p)
            p.mkdir(parents=True)
    # Keep /dev empty (the runtime mounts its own) and give the image a sane resolv.conf path.
    for d in (tmp / "dev",):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
    (tmp / ".complete").write_text(time.strftime("%FT%T\n"))
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return root


def _tar_layer(src: Path, out_dir: Path, name: str, exclude: tuple[str, ...] = ()) -> dict:
    """Tar ``src`` into a gzip layer blob; return {digest, diff_id, size, path}."""
    meta_f = out_dir / f"{name}.json"
    if meta_f.exists():
        meta = json.loads(meta_f.read_text())
        if Path(meta["path"]).exists():
            return meta
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / f"{name}.tar"
    cmd = ["tar", "--numeric-owner", "--xattrs", "-C", str(src), "-cf", str(raw)]
    cmd += [f"--exclude=./{e}" for e in exclude] + ["."]
    run_tool(cmd, 1800, check=True)
    diff_id = _sha256_file(raw)
    gz = out_dir / f"{name}.tar.gz"
    with open(raw, "rb") as fi, gzip.GzipFile(filename="", mode="wb", fileobj=open(gz, "wb"), compresslevel=1, mtime=0) as fo:
        shutil.copyfileobj(fi, fo, 1 << 20)
    raw.unlink()
    meta = {"digest": _sha256_file(gz), "diff_id": diff_id, "size": gz.stat().st_size, "path": str(gz)}
    meta_f.write_text(json.dumps(meta))
    return meta


def build_layers(log: Log = print) -> dict[str, list[dict]]:
    """Return flavor -> ordered list of layer metadata."""
    ldir = paths.images_dir() / f"layers-r{IMAGES_REVISION}"
    rootfs = build_rootfs(log)
    if not (ldir / "base.json").exists():
        log("packing base layer")
    base = _tar_layer(rootfs, ldir, "base", exclude=(".complete",))
    # GPU stand-in layer: just nvidia-smi.
    gdir = ldir / "gpu-root"
    (gdir / "usr/bin").mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSETS / "nvidia-smi", gdir / "usr/bin/nvidia-smi")
    os.chmod(gdir / "usr/bin/nvidia-smi", 0o755)
    gpu = _tar_layer(gdir, ldir, "gpu")
    # pause: a static binary.
    pdir = ldir / "pause-root"
    if not (pdir / "pause").exists():
        pdir.mkdir(parents=True, exist_ok=True)
        if not shutil.which("gcc"):
            _apt_get_install(["gcc", "libc6-dev"], log)
        run_tool(["gcc", "-static", "-Os", "-s", "-o", str(pdir / "pause"), str(ASSETS / "pause.c")], 300, check=True)
    pause = _tar_layer(pdir, ldir, "pause")
    return {"base": [base], "gpu": [base, gpu], "pause": [pause]}


def _config_blob(spec: ImageSpec, layers: list[dict]) -> bytes:
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", *spec.env]
    cfg = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": {
            "Env": env,
            "Cmd": spec.cmd or None,
            "Entrypoint": spec.entrypoint,
            "WorkingDir": "/",
            "Labels": {"org.tutorial-runner.local": "true", "org.tutorial-runner.stands-in-for": spec.name},
        },
        "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
        "history": [{"created_by": f"tutorial-runner local image ({spec.flavor})"}],
    }
    return json.dumps(cfg, sort_keys=True).encode()


# ---------------------------------------------------------------------------- registry


def _req(method: str, url: str, data=None, headers=None, timeout=300):
    r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    return urllib.request.urlopen(r, timeout=timeout)


def registry_up(addr: str = REGISTRY_ADDR) -> bool:
    try:
        with _req("GET", f"http://{addr}/v2/", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _blob_exists(addr: str, repo: str, digest: str) -> bool:
    try:
        with _req("HEAD", f"http://{addr}/v2/{repo}/blobs/{digest}", timeout=30):
            return True
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def _push_blob(
    addr: str, repo: str, digest: str, data_path: Path | None = None, data: bytes | None = None, mount_from: str | None = None
) -> None:
    if _blob_exists(addr, repo, digest):
        return
    if mount_from:
        try:
            with _req("POST", f"http://{addr}/v2/{repo}/blobs/uploads/?mount={digest}&from={mount_from}", data=b"") as r:
                if r.status == 201:
                    return
                loc = r.headers["Location"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"blob mount failed: {e}") from e
    else:
        with _req("POST", f"http://{addr}/v2/{repo}/blobs/uploads/", data=b"") as r:
            loc = r.headers["Location"]
    if loc.startswith("/"):
        loc = f"http://{addr}{loc}"
    sep = "&" if "?" in loc else "?"
    if data_path is not None:
        size = data_path.stat().st_size
        with (
            open(data_path, "rb") as f,
            _req(
                "PUT",
                f"{loc}{sep}digest={digest}",
                data=f,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            ) as r,
        ):
            assert r.status in (201, 202), r.status
    else:
        with _req("PUT", f"{loc}{sep}digest={digest}", data=data, headers={"Content-Type": "application/octet-stream"}) as r:
            assert r.status in (201, 202), r.status


def push_all(addr: str = REGISTRY_ADDR, log: Log = print) -> list[str]:
    """Make sure every image in IMAGES is in the registry; return the names."""
    layers = build_layers(log)
    first_repo_for_blob: dict[str, str] = {}
    stamp = paths.images_dir() / f"pushed-r{IMAGES_REVISION}.json"
    want = {}
    for spec in IMAGES:
        ls = layers[spec.flavor]
        cfg = _config_blob(spec, ls)
        cfg_digest = "sha256:" + hashlib.sha256(cfg).hexdigest()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MT_MANIFEST,
                "config": {"mediaType": MT_CONFIG, "size": len(cfg), "digest": cfg_digest},
                "layers": [{"mediaType": MT_LAYER, "size": l["size"], "digest": l["digest"]} for l in ls],
            },
            sort_keys=True,
        ).encode()
        want[spec.name] = (spec, cfg, cfg_digest, ls, manifest)
    want_key = hashlib.sha256(b"".join(v[4] for v in want.values())).hexdigest()
    if stamp.exists() and json.loads(stamp.read_text()).get("key") == want_key and _all_present(addr, want):
        return list(want)
    log(f"pushing {len(want)} image names to the local registry")
    for name, (_spec, cfg, cfg_digest, ls, manifest) in want.items():
        repo, tag = split_name(name)
        for l in ls:
            _push_blob(addr, repo, l["digest"], data_path=Path(l["path"]), mount_from=first_repo_for_blob.get(l["digest"]))
            first_repo_for_blob.setdefault(l["digest"], repo)
        _push_blob(addr, repo, cfg_digest, data=cfg)
        with _req("PUT", f"http://{addr}/v2/{repo}/manifests/{tag}", data=manifest, headers={"Content-Type": MT_MANIFEST}) as r:
            assert r.status == 201, r.status
    stamp.write_text(json.dumps({"key": want_key, "names": list(want)}))
    return list(want)


def _all_present(addr: str, want: dict) -> bool:
    for name in want:
        repo, tag = split_name(name)
        try:
            with _req("HEAD", f"http://{addr}/v2/{repo}/manifests/{tag}", headers={"Accept": MT_MANIFEST}, timeout=10):
                pass
        except (urllib.error.URLError, OSError):
            return False
    return True


def registry_config() -> str:
    root = paths.images_dir() / "registry"
    return f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: {REGISTRY_ADDR}
"""
