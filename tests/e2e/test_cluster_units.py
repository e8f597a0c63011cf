"""Checks of the cluster package's pure parts: no cluster, no root, no network.

They live beside the e2e probes because they test the same package; they run anywhere.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from runner.cluster import build, images, paths

UPSTREAM = """module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require (
	github.com/foo/bar v1.2.3
	k8s.io/api v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
)
"""


def test_wrapper_gomod_replaces_every_staging_module_and_keeps_godebug():
    out = build.wrapper_gomod(UPSTREAM, "v1.34.4", "v0.34.4")
    assert "require k8s.io/kubernetes v1.34.4" in out
    assert "\tk8s.io/api => k8s.io/api v0.34.4" in out
    assert "\tk8s.io/client-go => k8s.io/client-go v0.34.4" in out
    assert "godebug default=go1.24" in out
    assert "go 1.24.0" in out
    assert "./staging" not in out


def test_wrapper_gomod_refuses_upstream_without_staging():
    with pytest.raises(RuntimeError):
        build.wrapper_gomod("module x\n\ngo 1.24\n")


def test_version_ldflags_cover_both_version_packages():
    flags = build.version_ldflags("v1.34.4")
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert f"-X {pkg}.gitVersion=v1.34.4" in flags
        assert f"-X {pkg}.gitMajor=1" in flags
        assert f"-X {pkg}.gitMinor=34" in flags
    assert flags.startswith("-s -w")


def test_image_map_has_the_lesson_names():
    m = images.image_map()
    for short in (
        "rockylinux:8",
        "busybox",
        "busybox:latest",
        "python:3.11",
        "alpine/git",
        "cicirello/pyaction",
        "tensorflow/tensorflow:2.13.0",
        "nvidia/cuda:12.2.0-base-ubuntu22.04",
    ):
        assert short in m, short
    assert m["busybox"] == "docker.io/library/busybox:latest"
    git = next(s for s in images.IMAGES if s.name == "docker.io/alpine/git:latest")
    assert git.entrypoint == ["git"]


def test_profile_matches_the_code():
    prof = yaml.safe_load((Path(__file__).parents[2] / "profiles" / "local.yaml").read_text())
    from runner.cluster import gitserver, storage

    assert set(prof["storage"]["classes"]) == set(storage.CLASSES)
    assert prof["images"] == images.image_map()
    assert prof["git"]["url"] == f"http://10.244.0.1:{gitserver.PORT}/"
    assert prof["gpu"]["simulated"] is True


def test_pki_and_configs_in_a_scratch_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTORIAL_STATE", str(tmp_path))
    from cryptography import x509

    from runner.cluster import configs, pki

    pki.ensure_pki("node-x", "192.0.2.77")
    d = paths.pki_dir()
    api = x509.load_pem_x509_certificate((d / "apiserver.crt").read_bytes())
    san = api.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(i) for i in san.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", "192.0.2.77", "10.96.0.1"} <= ips
    assert "kubernetes.default.svc.cluster.local" in san.get_values_for_type(x509.DNSName)
    admin = x509.load_pem_x509_certificate((d / "admin.crt").read_bytes())
    assert "O=system:masters" in admin.subject.rfc4514_string()
    configs.write_all("192.0.2.77")
    kubelet = yaml.safe_load((paths.config_dir() / "kubelet.yaml").read_text())
    assert kubelet["cgroupDriver"] == "cgroupfs" and kubelet["failSwapOn"] is False
    assert kubelet["syncFrequency"] == "5s" and kubelet["imageGCHighThresholdPercent"] == 100
    assert kubelet["authentication"]["webhook"]["enabled"] is True
    toml = (paths.config_dir() / "containerd.toml").read_text()
    assert "SystemdCgroup = false" in toml and "restrict_oom_score_adj = true" in toml
    assert 'server = "http://127.0.0.1:5000"' in (configs.containerd_root() / "certs.d/docker.io/hosts.toml").read_text()
    kc = yaml.safe_load(paths.admin_kubeconfig().read_text())
    assert kc["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"


def test_pidfile_detects_stale_and_stops_process_group(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTORIAL_STATE", str(tmp_path))
    from runner.cluster.processes import Proc

    p = Proc("sleeper")
    pid = p.start(["sleep", "30"])
    assert p.pid() == pid and p.running()
    assert p.stop(timeout=5) is True
    assert not p.running() and not p.pidfile.exists()
    # a pidfile naming a live process that is not ours (pid 1) is stale
    p.pidfile.write_text('{"pid": 1, "start": "0", "argv": ["not-init"]}')
    assert p.pid() is None and not p.pidfile.exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not Path("/usr/bin/git").exists(), reason="needs git")
def test_git_server_public_private(tmp_path):
    from http.server import ThreadingHTTPServer

    from runner.cluster import gitserver

    root = tmp_path / "repos"
    gitserver.ensure_repos(root)
    gitserver.Handler.root, gitserver.Handler.user, gitserver.Handler.token = root, "u", "tok"
    port = _free_port()
    srv = ThreadingHTTPServer(("127.0.0.1", port), gitserver.Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_GLOBAL="/dev/null")
    try:
        base = f"http://127.0.0.1:{port}"
        ok = subprocess.run(["git", "clone", "-q", f"{base}/{gitserver.PUBLIC_REPO}", str(tmp_path / "a")], env=env, timeout=60)
        assert ok.returncode == 0
        out = subprocess.run(
            ["python3", str(tmp_path / "a" / "pi.py")],
            capture_output=True,
            text=True,
            env=dict(env, PI_STEPS="10000"),
            timeout=60,
        )
        assert out.stdout.startswith("3.14159")
        denied = subprocess.run(
            ["git", "clone", "-q", f"{base}/{gitserver.PRIVATE_REPO}.git", str(tmp_path / "b")],
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert denied.returncode != 0
        auth = subprocess.run(
            ["git", "clone", "-q", f"http://u:tok@127.0.0.1:{port}/{gitserver.PRIVATE_REPO}.git", str(tmp_path / "c")],
            env=env,
            timeout=60,
        )
        assert auth.returncode == 0 and (tmp_path / "c" / "pi.py").exists()
    finally:
        srv.shutdown()
