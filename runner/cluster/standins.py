"""Service stand-ins (nginx, httpd, redis, postgres): what ``apt-get install`` adds to the base, as one layer each.

Published tutorials run web servers and databases from the official images. Here each
is Debian's package of the same server, set up the way the official image runs it
(same port, same foreground command, same paths for the files tutorials mount,
same environment variables), added as one layer over the shared Debian base:

* the base rootfs is the lower directory of an overlay mount; ``apt-get install`` runs
  in a chroot of the merged tree, then the recipe's files are copied in and its setup
  commands run; the upper directory, the files the install wrote, is the layer (its
  overlay whiteouts turned into OCI ``.wh.`` files);
* the package lists and the downloaded ``.deb`` files are bind-mounted from one cache
  outside the layer, so ``apt-get update`` runs once for every recipe and a rebuild
  downloads nothing;
* a layer is named after the base layer it sits on and its recipe (packages, files,
  setup), so changing either builds it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from runner.cluster import paths
from runner.cluster.host import run_tool, try_tool

ASSETS = Path(__file__).with_name("assets")
APT_TIMEOUT = 1800.0  # seconds: an install from a slow mirror, not a hang
MOUNT_TIMEOUT = 30.0
CHROOT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND": "noninteractive",
    "LANG": "C.UTF-8",
    "HOME": "/root",
}
# What an install leaves that no image needs (the base is trimmed the same way).
TRIMMED = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt",
    "var/lib/apt/lists",
    "var/log/apt",
    "var/log/dpkg.log",
    "var/log/alternatives.log",
    "var/cache/debconf/config.dat-old",
    "var/cache/debconf/templates.dat-old",
    "var/lib/dpkg/status-old",
    "var/lib/dpkg/diversions-old",
    "usr/sbin/policy-rc.d",
    "etc/dpkg/dpkg.cfg.d/tutorial-runner",
    "tmp",
    "root/.cache",
)
POLICY_RC_D = "#!/bin/sh\n# tutorial-runner: an image build starts no services\nexit 101\n"
# Files dpkg does not unpack at all (dpkg's own `path-exclude`, as Debian's slim images use it):
# the same documentation the base is trimmed of.
EXCLUDED = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Asset:
    """A file of ``assets/`` copied into the image."""

    dest: str  # path in the image, without the leading /
    source: str  # file name in assets/
    mode: int = 0o644


@dataclass(frozen=True)
class Recipe:
    """How one service's layer is made: Debian packages, then files, then setup commands (as root, in the chroot)."""

    name: str
    packages: tuple[str, ...]
    files: tuple[Asset, ...] = ()
    setup: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()  # more paths dpkg does not unpack (globs), each for a reason the recipe gives

    def dpkg_config(self) -> str:
        return "".join(f"path-exclude={p}\n" for p in (*EXCLUDED, *self.excludes))

    def key(self, base_diff_id: str) -> str:
        """What the layer depends on: the base under it, the packages, every file's bytes, the setup."""
        data = {
            "base": base_diff_id,
            "packages": sorted(self.packages),
            "files": [(a.dest, a.mode, hashlib.sha256((ASSETS / a.source).read_bytes()).hexdigest()) for a in self.files],
            "setup": list(self.setup),
            "excludes": [*EXCLUDED, *self.excludes],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


PG_MAJOR = "15"  # bookworm's PostgreSQL

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "nginx",
            ("nginx",),
            files=(Asset("etc/nginx/conf.d/default.conf", "nginx-default.conf"),),
            setup=(
                # the official image's layout: conf.d/default.conf only, logs on the container's output
                "rm -f /etc/nginx/sites-enabled/default",
                "ln -sf /dev/stdout /var/log/nginx/access.log",
                "ln -sf /dev/stderr /var/log/nginx/error.log",
                "test -s /usr/share/nginx/html/index.html",
            ),
        ),
        Recipe(
            "httpd",
            ("apache2-bin", "media-types"),
            files=(
                Asset("usr/local/apache2/conf/httpd.conf", "httpd.conf"),
                Asset("usr/local/apache2/htdocs/index.html", "httpd-index.html"),
                Asset("usr/local/bin/httpd-foreground", "httpd-foreground", 0o755),
            ),
            setup=(
                # the official image's ServerRoot, with Debian's modules and binary under its names
                "mkdir -p /usr/local/apache2/bin /usr/local/apache2/logs",
                "ln -sfn /usr/lib/apache2/modules /usr/local/apache2/modules",
                "ln -sf /usr/sbin/apache2 /usr/local/apache2/bin/httpd",
                "/usr/local/apache2/bin/httpd -d /usr/local/apache2 -f conf/httpd.conf -t",
            ),
        ),
        Recipe(
            "redis",
            ("redis-server",),
            files=(
                Asset("usr/local/bin/docker-entrypoint.sh", "redis-entrypoint.sh", 0o755),
                Asset("usr/local/bin/redis-server", "redis-server", 0o755),
            ),
            setup=("mkdir -p /data",),
        ),
        Recipe(
            "postgres",
            (f"postgresql-{PG_MAJOR}",),
            files=(Asset("usr/local/bin/docker-entrypoint.sh", "postgres-entrypoint.sh", 0o755),),
            setup=(
                # the entrypoint makes the cluster on first start, as the official image's does
                f"rm -rf /etc/postgresql/{PG_MAJOR} /var/lib/postgresql/{PG_MAJOR}",
                "sed -ri \"s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!\" "
                f"/usr/share/postgresql/{PG_MAJOR}/postgresql.conf.sample",
                f"grep -q \"^listen_addresses = '\\*'\" /usr/share/postgresql/{PG_MAJOR}/postgresql.conf.sample",
                "mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql /var/lib/postgresql/data",
                "chown postgres:postgres /var/run/postgresql /var/lib/postgresql/data",
                "chmod 3777 /var/run/postgresql",
                "chmod 1777 /var/lib/postgresql/data",
            ),
            # PostgreSQL's JIT (llvmjit.so and the LLVM and Z3 libraries only it loads: 133 MB of the
            # layer's 200): without its provider library PostgreSQL runs every query without JIT, as with
            # `jit = off`, which no tutorial can tell apart.
            excludes=(
                f"/usr/lib/postgresql/{PG_MAJOR}/lib/llvmjit*",
                f"/usr/lib/postgresql/{PG_MAJOR}/lib/bitcode/*",
                "/usr/lib/*/libLLVM-*",
                "/usr/lib/llvm-*",
                "/usr/lib/*/libz3.so*",
            ),
        ),
    )
}


def build_tree(recipe: Recipe, base_root: Path, out: Path, log: Log = print) -> Path:
    """Install the recipe over ``base_root`` and return the directory of what it added (an OCI layer's files)."""
    work = out.with_name(f"{out.name}.build.{os.getpid()}")
    _remove(work)
    upper, ovl_work, merged = work / "upper", work / "work", work / "merged"
    for d in (upper, ovl_work, merged):
        d.mkdir(parents=True)
    log(f"installing {' '.join(recipe.packages)} for the {recipe.name} stand-in")
    try:
        with _chroot(base_root, upper, ovl_work, merged) as run:
            policy = merged / "usr/sbin/policy-rc.d"
            policy.write_text(POLICY_RC_D)
            policy.chmod(0o755)
            excludes = merged / "etc/dpkg/dpkg.cfg.d/tutorial-runner"
            excludes.parent.mkdir(parents=True, exist_ok=True)
            excludes.write_text(recipe.dpkg_config())
            _update_lists(run, log)
            run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *recipe.packages])
            for asset in recipe.files:
                dest = merged / asset.dest
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ASSETS / asset.source, dest)
                dest.chmod(asset.mode)
            for command in recipe.setup:
                run(["/bin/sh", "-ec", command])
        for sub in TRIMMED:
            _remove(upper / sub)
        oci_whiteouts(upper)
        _remove(out)
        upper.rename(out)
    finally:
        _remove(work)
    return out


_lists_fresh = False  # apt-get update ran in this process (lists are shared by every recipe)


def _update_lists(run: Callable[[list[str]], None], log: Log) -> None:
    global _lists_fresh
    if not _lists_fresh:
        log("apt-get update (package lists for the stand-ins)")
        run(["apt-get", "update", "-qq"])
        _lists_fresh = True


def apt_cache_dir() -> Path:
    """Package lists and .debs, shared by every recipe and kept between builds (never in a layer)."""
    return paths.images_dir() / f"apt-{paths.DEBIAN_SUITE}"


@contextmanager
def _chroot(lower: Path, upper: Path, work: Path, merged: Path) -> Iterator[Callable[[list[str]], None]]:
    """An overlay of ``lower`` with writes going to ``upper``, with /dev, /proc and the apt cache mounted; yields a runner."""
    cache = apt_cache_dir()
    (cache / "lists/partial").mkdir(parents=True, exist_ok=True)
    (cache / "archives/partial").mkdir(parents=True, exist_ok=True)
    mounted: list[Path] = []
    try:
        _mount(["-t", "overlay", "overlay", "-o", f"lowerdir={lower},upperdir={upper},workdir={work}", str(merged)])
        mounted.append(merged)
        for source, target, how in (
            ("/dev", "dev", ["--bind"]),
            ("proc", "proc", ["-t", "proc"]),
            (str(cache / "lists"), "var/lib/apt/lists", ["--bind"]),
            (str(cache / "archives"), "var/cache/apt/archives", ["--bind"]),
        ):
            (merged / target).mkdir(parents=True, exist_ok=True)
            _mount([*how, source, str(merged / target)])
            mounted.append(merged / target)
        resolv = merged / "etc/resolv.conf"
        if not resolv.exists() and Path("/etc/resolv.conf").exists():
            shutil.copyfile("/etc/resolv.conf", resolv)  # the layer drops it again (the runtime mounts its own)

        def run(argv: list[str]) -> None:
            r = run_tool(["chroot", str(merged), *argv], APT_TIMEOUT, env=CHROOT_ENV, capture_output=True, text=True)
            if r.returncode != 0:
                tail = "\n".join((r.stdout + r.stderr).splitlines()[-20:])
                raise RuntimeError(f"`{' '.join(argv[:4])}` in the image build failed (exit {r.returncode}):\n{tail}")

        yield run
    finally:
        for point in reversed(mounted):
            if not try_tool(["umount", str(point)], MOUNT_TIMEOUT):
                try_tool(["umount", "-l", str(point)], MOUNT_TIMEOUT)
    if (upper / "etc/resolv.conf").exists() and not (lower / "etc/resolv.conf").exists():
        (upper / "etc/resolv.conf").unlink()


def _mount(args: list[str]) -> None:
    r = run_tool(["mount", *args], MOUNT_TIMEOUT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"mount {' '.join(args)} failed: {r.stderr.strip()}")


def _remove(path: Path) -> None:
    """Delete a build directory, never through a mount that is still there (the chroot binds the host's /dev)."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_dir() and not path.is_symlink():
        inside = [m for m in _mount_points() if m == path or path in m.parents]
        if inside:
            raise RuntimeError(f"not deleting {path}: still mounted there: {', '.join(map(str, inside))}")
        shutil.rmtree(path)
    else:
        path.unlink()


def _mount_points() -> list[Path]:
    with open("/proc/self/mounts") as f:
        return [Path(line.split()[1].replace("\\040", " ")) for line in f]


OVERLAY_XATTR = "trusted.overlay."


def oci_whiteouts(root: Path) -> None:
    """Overlay's marks of deletion as an OCI layer writes them.

    A file deleted from the lower tree is a 0/0 character device in the upper one:
    in a layer it is an empty ``.wh.<name>``. A directory that replaced a lower one
    carries ``trusted.overlay.opaque=y``: in a layer that is ``.wh..wh..opq`` inside it.
    Overlay's other ``trusted.overlay.*`` attributes mean nothing outside the mount.
    """
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if _xattr(here, OVERLAY_XATTR + "opaque") == b"y":
            (here / ".wh..wh..opq").touch()
        _drop_overlay_xattrs(here)
        for name in dirnames + filenames:
            p = here / name
            st = os.lstat(p)
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                p.unlink()
                (here / f".wh.{name}").touch()
            elif not stat.S_ISDIR(st.st_mode):
                _drop_overlay_xattrs(p)


def _xattr(p: Path, name: str) -> bytes | None:
    try:
        return os.getxattr(p, name, follow_symlinks=False)
    except OSError:
        return None


def _drop_overlay_xattrs(p: Path) -> None:
    with suppress(OSError):
        for name in os.listxattr(p, follow_symlinks=False):
            if name.startswith(OVERLAY_XATTR):
                os.removexattr(p, name, follow_symlinks=False)


def layer_name(recipe: Recipe, base_diff_id: str) -> str:
    return f"{recipe.name}-{recipe.key(base_diff_id)}"
