"""Where the local cluster keeps its things.

Two roots, on purpose:

* the *cache* (``$TUTORIAL_CACHE``, default ``/var/cache/tutorial-runner``) holds what
  is expensive to make and never changes for a given version: Go build/module caches,
  the Kubernetes and etcd binaries, image tarballs. It survives ``down --reset``.
* the *state* dir (``/var/lib/tutorial-runner/local``) holds what a running cluster
  owns: PKI, etcd data, configs, pidfiles, logs, PV data. ``down --reset`` wipes it.

Nothing is ever written inside the repository, so a fresh clone stays clean.
"""

from __future__ import annotations

import os
from pathlib import Path

K8S_VERSION = "v1.34.4"
STAGING_VERSION = "v0.34.4"
ETCD_VERSION = "v3.5.35"
COREDNS_VERSION = "v1.13.1"
DEBIAN_SUITE = "bookworm"

#: binaries provided by the multi-call Kubernetes binary (symlinks to ``kube``)
K8S_COMPONENTS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "kubelet",
    "kubectl",
)


def cache_root() -> Path:
    return Path(os.environ.get("TUTORIAL_CACHE", "/var/cache/tutorial-runner"))


def state_root() -> Path:
    return Path(os.environ.get("TUTORIAL_STATE", "/var/lib/tutorial-runner/local"))


def go_cache() -> Path:
    return cache_root() / "go" / "cache"


def go_modcache() -> Path:
    return cache_root() / "go" / "mod"


def k8s_build_dir(version: str = K8S_VERSION) -> Path:
    return cache_root() / "build" / f"k8s-{version}"


def k8s_bin_dir(version: str = K8S_VERSION) -> Path:
    return k8s_build_dir(version) / "bin"


def etcd_build_dir(version: str = ETCD_VERSION) -> Path:
    return cache_root() / "build" / f"etcd-{version}"


def etcd_bin(version: str = ETCD_VERSION) -> Path:
    return etcd_build_dir(version) / "bin" / "etcd"


def coredns_build_dir(version: str = COREDNS_VERSION) -> Path:
    return cache_root() / "build" / f"coredns-{version}"


def coredns_bin(version: str = COREDNS_VERSION) -> Path:
    return coredns_build_dir(version) / "bin" / "coredns"


def images_dir() -> Path:
    return cache_root() / "images"


def logs_dir() -> Path:
    return state_root() / "logs"


def run_dir() -> Path:
    return state_root() / "run"


def pki_dir() -> Path:
    return state_root() / "pki"


def config_dir() -> Path:
    return state_root() / "config"


def admin_kubeconfig() -> Path:
    return state_root() / "admin.kubeconfig"


def kubectl() -> Path:
    return k8s_bin_dir() / "kubectl"


def lock_file() -> Path:
    """One `cluster up`/`down` at a time on this machine (beside the builds they share; survives `down --reset`)."""
    return cache_root() / "cluster.lock"
