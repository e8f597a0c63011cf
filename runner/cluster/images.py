"""Container images for lessons, made here from Debian packages, served by a local registry.

No public registry is reachable, so every image a lesson names is built locally:

* one ``debootstrap --variant=minbase`` bookworm rootfs (bash, coreutils, git, python3,
  curl, tar, ca-certificates; docs and apt lists trimmed) is the single base layer;
* service stand-ins (nginx, httpd, redis, postgres) add one layer each: what ``apt-get
  install`` of Debian's package adds to the base, set up as the official image runs it
  (``standins.py``);
* a GPU stand-in adds one tiny layer with ``/usr/bin/nvidia-smi``;
* the pod sandbox ("pause") image is a ``gcc -static`` binary.

Why a registry and not ``ctr images import``: images tagged ``:latest`` (or untagged)
default to ``imagePullPolicy: Always``; the kubelet then *must* pull, which fails with
no registry even when the image is present. Debian's ``docker-registry`` (the CNCF
distribution registry) runs on 127.0.0.1:5000 and containerd's ``hosts.toml`` makes it
the *only* host for docker.io, so every published name (``busybox:latest``,
``python:3.11``...) resolves and pulls in well under a second, with no code change in lessons.

Which names resolve: the registry serves the tags listed in ``IMAGES`` (those tutorials
write most, for names nothing rewrites: ``kubectl run --image=nginx``, a participant's own
manifest); any other tag of a repository whose stand-in runs any tag (``nginx:1.25.3``)
resolves through the profile's image map, where ``image_map`` writes one pattern per such
repository (``nginx:*`` -> its default tag) that the planner and the runner's image
rewriting use. A registry cannot serve a pattern, so the pattern lives only there.

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
from typing import Any

from runner.cluster import paths, standins
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
    # what a busybox or alpine image has and tutorials call inside it: `ping`, `wget -qO-`, `nslookup`, `nc`
    "iputils-ping",
    "wget",
    "bind9-dnsutils",
    "netcat-openbsd",
    "psmisc",  # `killall`, `pstree`, `fuser`: busybox applets too
]
DEBIAN_MIRROR = os.environ.get("TUTORIAL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
IMAGES_REVISION = "3"  # bump to force a rebuild of every image (2: ping, wget, nslookup, nc; 3: killall in the base)

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

PAUSE_IMAGE = "docker.io/tutorial-runner/pause:3.10"

Log = Callable[[str], None]


@dataclass(frozen=True)
class ImageSpec:
    """A published image name and what it is made of locally (its config as the official image's, where it matters)."""

    name: str  # fully qualified, e.g. docker.io/library/busybox:latest
    flavor: str = "base"  # base | gpu | pause | a service stand-in (standins.RECIPES)
    entrypoint: list[str] | None = None
    cmd: list[str] = field(default_factory=lambda: ["/bin/bash"])
    env: tuple[str, ...] = ()  # KEY=value; a key of the defaults (PATH, LANG) replaces it
    workdir: str = "/"
    ports: tuple[str, ...] = ()  # ExposedPorts, e.g. "80/tcp"
    stop_signal: str | None = None  # the official image's STOPSIGNAL (nginx: SIGQUIT, postgres: SIGINT)
    any_tag: bool = False  # every other tag of the repository runs on this stand-in (the profile map's `REPO:*`)


def tags(repo: str, names: tuple[str, ...], **config: Any) -> list[ImageSpec]:
    """One ImageSpec per tag of ``repo`` (``library/nginx``), all made the same way."""
    return [ImageSpec(f"docker.io/{repo}:{tag}", **config) for tag in names]


PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PYTHON = {"cmd": ["python3"], "any_tag": True}
NGINX = {
    "any_tag": True,
    "flavor": "nginx",
    "cmd": ["nginx", "-g", "daemon off;"],
    "ports": ("80/tcp",),
    "stop_signal": "SIGQUIT",
}
HTTPD = {
    "any_tag": True,
    "flavor": "httpd",
    "cmd": ["httpd-foreground"],
    "env": (f"PATH=/usr/local/apache2/bin:{PATH}", "HTTPD_PREFIX=/usr/local/apache2"),
    "workdir": "/usr/local/apache2",
    "ports": ("80/tcp",),
    "stop_signal": "SIGWINCH",
}
REDIS = {
    "any_tag": True,
    "flavor": "redis",
    "entrypoint": ["docker-entrypoint.sh"],
    "cmd": ["redis-server"],
    "workdir": "/data",
    "ports": ("6379/tcp",),
}
POSTGRES = {
    "any_tag": True,
    "flavor": "postgres",
    "entrypoint": ["docker-entrypoint.sh"],
    "cmd": ["postgres"],
    "env": (
        f"PATH={PATH}:/usr/lib/postgresql/{standins.PG_MAJOR}/bin",
        f"PG_MAJOR={standins.PG_MAJOR}",
        "PGDATA=/var/lib/postgresql/data",
    ),
    "ports": ("5432/tcp",),
    "stop_signal": "SIGINT",
}

# Lesson image names -> how each is made. The tags are what tutorials write most (the corpus and the
# Kubernetes docs' examples); a repository's `latest` (else its first tag) is where its other tags resolve
# when its stand-in runs any tag (`any_tag`: the services, python, centos). Not the CUDA images: a CUDA
# tag names libraries and compilers the nvidia-smi stand-in does not have. Not yet the older OS and tool
# images: the steps their other tags would newly run in the published tutorials fail for reasons that are
# not the image's (docs/local-cluster.md, "Which names resolve").
IMAGES: list[ImageSpec] = [
    ImageSpec("docker.io/library/rockylinux:8"),
    ImageSpec("docker.io/library/rockylinux:9"),
    *tags("library/centos", ("latest", "7", "8"), any_tag=True),
    ImageSpec("docker.io/library/busybox:latest", cmd=["sh"]),
    ImageSpec("docker.io/library/busybox:1.28", cmd=["sh"]),
    ImageSpec("docker.io/library/ubuntu:22.04"),
    ImageSpec("docker.io/library/ubuntu:latest"),
    ImageSpec("docker.io/library/debian:bookworm"),
    ImageSpec("docker.io/library/debian:latest"),
    ImageSpec("docker.io/library/alpine:latest", cmd=["/bin/sh"]),
    *tags(
        "library/python",
        ("latest", "3.11", "3.11-slim", "3.12", "3.12-slim", "3.10", "3.10-slim", "3.9", "3.9-slim", "3", "3-slim", "slim"),
        **PYTHON,
    ),
    *tags("library/nginx", ("latest", "1.14.2", "1.16.1", "1.7.9", "alpine", "stable"), **NGINX),
    *tags("library/httpd", ("latest", "2.4", "alpine"), **HTTPD),
    *tags("library/redis", ("latest", "7", "6", "5.0.4", "alpine"), **REDIS),
    *tags("library/postgres", ("latest", "15", "16", "14", "13", "alpine"), **POSTGRES),
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


def short_name(name: str) -> str:
    """``docker.io/library/nginx:latest`` -> ``nginx:latest``, as lessons write it."""
    return name.removeprefix("docker.io/").removeprefix("library/")


def image_map() -> dict[str, str]:
    """The profile's image map: names as lessons write them -> the fully qualified local name.

    Every served tag maps to itself; a repository's untagged name to its ``latest``; and, for a
    stand-in that runs any tag, one pattern per repository (``nginx:*``) sends every other tag to
    the repository's default (``latest`` when served, else its first tag), so a tag nobody
    listed still runs here.
    """
    out: dict[str, str] = {}
    default: dict[str, str] = {}
    any_tag: set[str] = set()
    for spec in IMAGES:
        if spec.flavor == "pause":
            continue
        short = short_name(spec.name)
        repo, tag = short.rsplit(":", 1)
        out[short] = spec.name
        if tag == "latest":
            out[repo] = spec.name
            default[repo] = spec.name
        else:
            default.setdefault(repo, spec.name)
        if spec.any_tag:
            any_tag.add(repo)
    out.update({f"{repo}:*": default[repo] for repo in any_tag})
    return dict(sorted(out.items()))


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


def _cached_layer(out_dir: Path, name: str) -> dict | None:
    meta_f = out_dir / f"{name}.json"
    if meta_f.exists():
        meta = json.loads(meta_f.read_text())
        if Path(meta["path"]).exists():
            return meta
    return None


def _tar_layer(src: Path, out_dir: Path, name: str, exclude: tuple[str, ...] = ()) -> dict:
    """Tar ``src`` into a gzip layer blob; return {digest, diff_id, size, path}."""
    cached = _cached_layer(out_dir, name)
    if cached:
        return cached
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
    (out_dir / f"{name}.json").write_text(json.dumps(meta))
    return meta


def _service_layer(recipe: standins.Recipe, rootfs: Path, base: dict, ldir: Path, log: Log) -> dict:
    """A service stand-in's layer over the base (built once; named after the base and the recipe)."""
    name = standins.layer_name(recipe, base["diff_id"])
    cached = _cached_layer(ldir, name)
    if cached:
        return cached
    t0 = time.monotonic()
    tree = standins.build_tree(recipe, rootfs, ldir / f"{name}-root", log)
    meta = _tar_layer(tree, ldir, name)
    shutil.rmtree(tree)
    log(f"{recipe.name} stand-in layer: {meta['size'] / 1e6:.1f} MB gzipped, {time.monotonic() - t0:.0f}s")
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
    layers = {"base": [base], "gpu": [base, gpu], "pause": [pause]}
    for recipe in standins.RECIPES.values():
        layers[recipe.name] = [base, _service_layer(recipe, rootfs, base, ldir, log)]
    return layers


def _history(spec: ImageSpec) -> list[dict]:
    """One entry per layer, saying what made it (``crictl inspecti`` shows it)."""
    made = {"base": f"debootstrap --variant=minbase {paths.DEBIAN_SUITE} (tutorial-runner)"}
    if spec.flavor == "pause":
        return [{"created_by": "gcc -static pause.c (tutorial-runner)"}]
    if spec.flavor == "gpu":
        return [{"created_by": made["base"]}, {"created_by": "nvidia-smi stand-in script (tutorial-runner)"}]
    recipe = standins.RECIPES.get(spec.flavor)
    if recipe is not None:
        what = f"apt-get install {' '.join(recipe.packages)}: {recipe.name} stand-in (tutorial-runner)"
        return [{"created_by": made["base"]}, {"created_by": what}]
    return [{"created_by": made["base"]}]


def _env(spec: ImageSpec) -> list[str]:
    """The image's environment: PATH and LANG, each replaced by the spec's own value of that key."""
    env = {"PATH": PATH, "LANG": "C.UTF-8"}
    for item in spec.env:
        key, _, value = item.partition("=")
        env[key] = value
    return [f"{k}={v}" for k, v in env.items()]


def _config_blob(spec: ImageSpec, layers: list[dict]) -> bytes:
    config: dict[str, Any] = {
        "Env": _env(spec),
        "Cmd": spec.cmd or None,
        "Entrypoint": spec.entrypoint,
        "WorkingDir": spec.workdir,
        "Labels": {"org.tutorial-runner.local": "true", "org.tutorial-runner.stands-in-for": spec.name},
    }
    if spec.ports:
        config["ExposedPorts"] = {p: {} for p in spec.ports}
    if spec.stop_signal:
        config["StopSignal"] = spec.stop_signal
    cfg = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
        "history": _history(spec),
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
