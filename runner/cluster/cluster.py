"""Bring the local cluster up and down: the orchestration of every other module.

Start order (each waits for the previous to be healthy, with a deadline):
registry -> etcd -> kube-apiserver (/readyz) -> controller-manager -> scheduler ->
containerd -> kubelet -> git server -> agent (storage + GPU), then post-start steps
(RBAC for apiserver->kubelet, images pushed, node Ready, default ServiceAccount, smoke pod).

``up`` is idempotent: if everything is already healthy it returns in about a second.
Before containerd is (re)started, leftovers of an unclean stop (``kill -9``, crash) are
cleaned: container processes, shims, mounts, network namespaces, IPAM leases.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runner.cluster import build, configs, gitserver, host, images, paths, pki
from runner.cluster.lock import cluster_lock
from runner.cluster.processes import Proc, kill_strays, pids_by_exe
from runner.cluster.ui import Reporter


class ComponentFailed(RuntimeError):
    """A component failed; the message includes the tail of its log."""


REPO_ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- probes


def _https_ctx(client_cert: bool = True) -> ssl.SSLContext:
    d = paths.pki_dir()
    ctx = ssl.create_default_context(cafile=str(d / "ca.crt"))
    if client_cert:
        ctx.load_cert_chain(str(d / "admin.crt"), str(d / "admin.key"))
    return ctx


def _get(url: str, timeout: float = 2.0, ctx: ssl.SSLContext | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as r:
            return r.status, r.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(2000).decode(errors="replace")
    except (urllib.error.URLError, OSError, ssl.SSLError) as e:
        return 0, str(e)


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def probe_registry() -> bool:
    return images.registry_up()


def probe_etcd() -> bool:
    code, body = _get(f"{configs.ETCD_CLIENT}/health")
    return code == 200 and '"true"' in body


def probe_apiserver() -> bool:
    if not (paths.pki_dir() / "admin.crt").exists():
        return False
    code, body = _get(f"{configs.apiserver_url()}/readyz", ctx=_https_ctx())
    return code == 200 and body.strip() == "ok"


def probe_controller_manager() -> bool:
    return _get("https://127.0.0.1:10257/healthz", ctx=_insecure())[0] == 200


def probe_scheduler() -> bool:
    return _get("https://127.0.0.1:10259/healthz", ctx=_insecure())[0] == 200


def _ctr(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ctr", "--address", str(configs.CONTAINERD_SOCK), "-n", "k8s.io", *args], capture_output=True, text=True, timeout=timeout
    )


def probe_containerd() -> bool:
    if not configs.CONTAINERD_SOCK.exists():
        return False
    try:
        return _ctr("version", timeout=5).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def probe_kubelet() -> bool:
    return _get("http://127.0.0.1:10248/healthz")[0] == 200


def probe_kube_proxy() -> bool:
    return _get("http://127.0.0.1:10256/healthz")[0] == 200


def probe_coredns() -> bool:
    return _get(f"http://{configs.COREDNS_READY}/ready")[0] == 200


def probe_gitserver() -> bool:
    return _get(f"http://127.0.0.1:{gitserver.PORT}/healthz")[0] == 200


def probe_agent() -> bool:
    return Proc("agent").running()


# ----------------------------------------------------------------------------- components


def _py() -> list[str]:
    return [sys.executable, "-m"]


def _py_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _k8s(name: str) -> str:
    return str(paths.k8s_bin_dir() / name)


def argv_registry() -> list[str]:
    return ["docker-registry", "serve", str(paths.config_dir() / "registry.yml")]


def argv_etcd() -> list[str]:
    return [
        str(paths.etcd_bin()),
        "--name",
        "tutorial",
        "--data-dir",
        str(paths.state_root() / "etcd"),
        "--listen-client-urls",
        configs.ETCD_CLIENT,
        "--advertise-client-urls",
        configs.ETCD_CLIENT,
        "--listen-peer-urls",
        configs.ETCD_PEER,
        "--initial-advertise-peer-urls",
        configs.ETCD_PEER,
        "--initial-cluster",
        f"tutorial={configs.ETCD_PEER}",
        "--listen-metrics-urls",
        "http://127.0.0.1:2381",
        "--quota-backend-bytes",
        str(2 * 1024**3),
        "--snapshot-count",
        "10000",
        "--log-level",
        "warn",
        "--unsafe-no-fsync",
    ]


def argv_apiserver(node_ip: str) -> list[str]:
    d = paths.pki_dir()
    return [
        _k8s("kube-apiserver"),
        f"--etcd-servers={configs.ETCD_CLIENT}",
        "--bind-address=0.0.0.0",
        f"--secure-port={configs.APISERVER_PORT}",
        f"--advertise-address={node_ip}",
        "--authorization-mode=Node,RBAC",
        f"--client-ca-file={d / 'ca.crt'}",
        f"--tls-cert-file={d / 'apiserver.crt'}",
        f"--tls-private-key-file={d / 'apiserver.key'}",
        f"--service-account-key-file={d / 'sa.pub'}",
        f"--service-account-signing-key-file={d / 'sa.key'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-cluster-ip-range={configs.SERVICE_CIDR}",
        f"--kubelet-client-certificate={d / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={d / 'apiserver-kubelet-client.key'}",
        f"--kubelet-certificate-authority={d / 'ca.crt'}",
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        "--allow-privileged=true",
        "--enable-admission-plugins=NodeRestriction",
        "--profiling=false",
        "--event-ttl=1h",
        "--v=1",
    ]


def argv_controller_manager() -> list[str]:
    d, c = paths.pki_dir(), paths.config_dir()
    kc = c / "controller-manager.kubeconfig"
    return [
        _k8s("kube-controller-manager"),
        f"--kubeconfig={kc}",
        f"--authentication-kubeconfig={kc}",
        f"--authorization-kubeconfig={kc}",
        f"--service-account-private-key-file={d / 'sa.key'}",
        f"--root-ca-file={d / 'ca.crt'}",
        "--use-service-account-credentials=true",
        f"--cluster-signing-cert-file={d / 'ca.crt'}",
        f"--cluster-signing-key-file={d / 'ca.key'}",
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        f"--service-cluster-ip-range={configs.SERVICE_CIDR}",
        "--profiling=false",
        "--v=1",
    ]


def argv_scheduler() -> list[str]:
    c = paths.config_dir()
    kc = c / "scheduler.kubeconfig"
    return [
        _k8s("kube-scheduler"),
        f"--config={c / 'scheduler.yaml'}",
        f"--authentication-kubeconfig={kc}",
        f"--authorization-kubeconfig={kc}",
        "--bind-address=127.0.0.1",
        "--v=1",
    ]


def argv_containerd() -> list[str]:
    return ["containerd", "--config", str(paths.config_dir() / "containerd.toml")]


def argv_kubelet(node_ip: str) -> list[str]:
    c = paths.config_dir()
    return [
        _k8s("kubelet"),
        f"--config={c / 'kubelet.yaml'}",
        f"--kubeconfig={c / 'kubelet.kubeconfig'}",
        f"--hostname-override={configs.NODE_NAME}",
        f"--node-ip={node_ip}",
        f"--root-dir={configs.KUBELET_ROOT}",
        "--v=1",
    ]


def argv_kube_proxy() -> list[str]:
    return [_k8s("kube-proxy"), f"--config={paths.config_dir() / 'kube-proxy.yaml'}", "--v=1"]


def argv_coredns() -> list[str]:
    return [str(paths.coredns_bin()), "-conf", str(paths.config_dir() / "Corefile")]


def argv_gitserver() -> list[str]:
    tok = paths.state_root() / "git" / "token"
    return [
        *_py(),
        "runner.cluster.gitserver",
        "--root",
        str(paths.state_root() / "git" / "repos"),
        "--port",
        str(gitserver.PORT),
        "--user",
        git_credentials()[0],
        "--token-file",
        str(tok),
    ]


def argv_agent() -> list[str]:
    return [*_py(), "runner.cluster.agent", "--kubeconfig", str(paths.admin_kubeconfig()), "--node", configs.NODE_NAME]


@dataclass
class Component:
    name: str
    argv: Callable[[], list[str]]
    probe: Callable[[], bool]
    timeout: float = 60.0
    python: bool = False


def components(node_ip: str) -> list[Component]:
    return [
        Component("registry", argv_registry, probe_registry, 30),
        Component("etcd", argv_etcd, probe_etcd, 60),
        Component("kube-apiserver", lambda: argv_apiserver(node_ip), probe_apiserver, 120),
        Component("kube-controller-manager", argv_controller_manager, probe_controller_manager, 60),
        Component("kube-scheduler", argv_scheduler, probe_scheduler, 60),
        Component("containerd", argv_containerd, probe_containerd, 60),
        Component("kubelet", lambda: argv_kubelet(node_ip), probe_kubelet, 90),
        Component("kube-proxy", argv_kube_proxy, probe_kube_proxy, 60),
        Component("coredns", argv_coredns, probe_coredns, 60),
        Component("gitserver", argv_gitserver, probe_gitserver, 30, python=True),
        Component("agent", argv_agent, probe_agent, 10, python=True),
    ]


COMPONENT_NAMES = [
    "registry",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "containerd",
    "kubelet",
    "kube-proxy",
    "coredns",
    "gitserver",
    "agent",
]


def expected_components() -> list[str]:
    """Components that must run; CoreDNS only if it could be built (DNS is optional)."""
    from runner.cluster import build as _b

    return [n for n in COMPONENT_NAMES if n != "coredns" or _b.coredns_is_built()]


def git_credentials() -> tuple[str, str]:
    """(user, token) from profiles/local.yaml when present, else the built-in defaults."""
    prof = REPO_ROOT / "profiles" / "local.yaml"
    user, token = gitserver.DEFAULT_USER, gitserver.DEFAULT_TOKEN
    if prof.exists():
        import yaml

        data = yaml.safe_load(prof.read_text()) or {}
        g = data.get("git") or {}
        user = g.get("username", user)
        token = g.get("token", token)
    return user, token


# ----------------------------------------------------------------------------- cleanup


def _mounts_under(*prefixes: str) -> list[str]:
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mp = line.split()[4].replace("\\040", " ")
        if any(mp == p or mp.startswith(p.rstrip("/") + "/") for p in prefixes):
            out.append(mp)
    return out


def unmount_all(log: Callable[[str], None] = lambda s: None) -> int:
    """Unmount pod volumes, container rootfs, shm and netns mounts we own (deepest first)."""
    prefixes = [
        str(configs.KUBELET_ROOT),
        str(configs.CONTAINERD_RUN),
        str(configs.containerd_root()),
        "/run/netns",
        "/var/run/netns",
    ]
    n = 0
    for _ in range(3):
        mps = sorted(set(_mounts_under(*prefixes)), key=lambda m: m.count("/"), reverse=True)
        if not mps:
            break
        for mp in mps:
            if mp in ("/run/netns", "/var/run/netns"):
                continue
            if not host.try_tool(["umount", mp], 30):
                host.try_tool(["umount", "-l", mp], 30)
            n += 1
    for ns in list(Path("/run/netns").glob("cni-*")) if Path("/run/netns").exists() else []:
        host.try_tool(["umount", str(ns)], 30)
        ns.unlink(missing_ok=True)
    if n:
        log(f"unmounted {n} leftover mounts")
    return n


def _pod_cgroup_pids(root: Path = Path("/sys/fs/cgroup")) -> set[int]:
    """The processes still in a pod's cgroup (cgroup v1 controllers), read while the cgroups may vanish."""
    pids: set[int] = set()
    for ctrl in ("pids", "memory", "freezer", "cpu"):
        base = root / ctrl / "kubepods"
        if not base.exists():
            continue
        # os.walk, not rglob: pod cgroups vanish while we look (the kubelet is still removing them), and
        # os.walk skips a folder that is gone where rglob raised FileNotFoundError out of `cluster down`
        for folder, _dirs, files in os.walk(base):
            if "cgroup.procs" not in files:
                continue
            try:
                pids |= {int(x) for x in (Path(folder) / "cgroup.procs").read_text().split()}
            except OSError:
                pass
    return pids


def kill_leftover_containers(log: Callable[[str], None] = lambda s: None) -> int:
    """SIGKILL shims of our containerd and every process still in a kubepods cgroup."""
    killed = 0
    shims = pids_by_exe(f"-address {configs.CONTAINERD_SOCK}")
    shims = [p for p in shims if _comm(p).startswith("containerd-shim")]
    for pid in shims:
        _kill(pid)
        killed += 1
    for _ in range(5):
        left = _pod_cgroup_pids()
        if not left:
            break
        for pid in left:
            _kill(pid)
            killed += 1
        time.sleep(0.3)
    if killed:
        log(f"killed {killed} leftover container processes/shims")
    return killed


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def prepare_cgroups() -> None:
    """Mount cgroup v1 controllers that are enabled but not mounted (hugetlb etc.)."""
    enabled = {l.split()[0] for l in Path("/proc/cgroups").read_text().splitlines()[1:] if l.split()[3] == "1"}
    for ctrl in ("hugetlb", "net_cls", "net_prio", "perf_event"):
        d = Path("/sys/fs/cgroup") / ctrl
        if ctrl in enabled and not d.is_mount():
            d.mkdir(exist_ok=True)
            host.try_tool(["mount", "-t", "cgroup", "-o", ctrl, "cgroup", str(d)], 30)


# ----------------------------------------------------------------------------- up / down


def healthy_components(node_ip: str | None = None) -> dict[str, bool]:
    probes = {c.name: c.probe for c in components(node_ip or "127.0.0.1")}
    return {name: (Proc(name).running() and probes[name]()) for name in expected_components()}


def is_up() -> bool:
    h = healthy_components()
    if not all(h.values()):
        return False
    try:
        from runner.cluster import kube

        return kube.node_ready(kube.api(), configs.NODE_NAME)
    except Exception:
        return False


def _start(comp: Component, rep: Reporter) -> None:
    p = Proc(comp.name)
    if p.running() and comp.probe():
        return
    if p.running():
        # running but unhealthy: give it a moment, else restart it
        if _wait(comp.probe, 10):
            return
        p.stop()
    env = _py_env() if comp.python else dict(os.environ)
    p.start(comp.argv(), env=env)
    deadline = time.monotonic() + comp.timeout
    while time.monotonic() < deadline:
        if comp.probe():
            return
        if not p.running() or p.exit_code() is not None:
            break
        time.sleep(0.25)
    ok = comp.probe()
    if not ok:
        code = p.exit_code()
        why = (
            f"exited (code {code})"
            if code is not None
            else "exited"
            if not p.running()
            else f"not healthy after {comp.timeout:.0f}s"
        )
        raise ComponentFailed(f"{comp.name} {why}; last lines of {p.logfile}:\n{p.tail(25)}")


def _wait(pred: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False


def up(rep: Reporter | None = None, smoke: bool = True) -> float:
    """Bring the cluster up (idempotent). Returns seconds taken (waiting for another `up`/`down` included).

    One `up` or `down` at a time on this machine (lock.py): a second one waits for the first, saying so.
    """
    rep = rep or Reporter()
    t0 = time.monotonic()
    host.check_preconditions()
    with cluster_lock("up", notice=rep.info):
        return _up(rep, smoke, t0)


def _up(rep: Reporter, smoke: bool, t0: float) -> float:
    if all(Proc(n).running() for n in expected_components()) and is_up():
        rep.info("cluster already up")
        return time.monotonic() - t0
    with rep.phase("host packages"):
        host.ensure_packages(rep.log)
    with rep.phase(f"build etcd {paths.ETCD_VERSION}"):
        build.build_etcd(log=rep.log)
    with rep.phase(f"build kubernetes {paths.K8S_VERSION}"):
        build.build_k8s(log=rep.log)
    dns = True
    with rep.phase(f"build coredns {paths.COREDNS_VERSION}"):
        try:
            build.build_coredns(log=rep.log)
        except Exception as e:
            dns = False
            rep.log(f"WARNING: CoreDNS build failed, cluster DNS disabled: {str(e).splitlines()[0]}")
    node_ip = host.node_ip()
    with rep.phase("pki and configs"):
        host.prepare_kernel()
        prepare_cgroups()
        for d in (paths.state_root(), paths.logs_dir(), paths.run_dir()):
            d.mkdir(parents=True, exist_ok=True)
        pki.ensure_pki(configs.NODE_NAME, node_ip)
        configs.write_all(node_ip, dns=dns)
        tok = paths.state_root() / "git" / "token"
        tok.parent.mkdir(parents=True, exist_ok=True)
        tok.write_text(git_credentials()[1] + "\n")
        tok.chmod(0o600)
    comps = {c.name: c for c in components(node_ip)}
    with rep.phase("images (local registry)"):
        _start(comps["registry"], rep)
        images.push_all(log=rep.log)
    with rep.phase("control plane"):
        for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            rep.log(name)
            _start(comps[name], rep)
    with rep.phase("node (containerd + kubelet)"):
        if not Proc("containerd").running():
            kill_leftover_containers(rep.log)
            unmount_all(rep.log)
            shutil.rmtree(paths.state_root() / "cni" / "ipam", ignore_errors=True)
        rep.log("containerd")
        _start(comps["containerd"], rep)
        rep.log("kubelet")
        _start(comps["kubelet"], rep)
        rep.log("kube-proxy")
        _start(comps["kube-proxy"], rep)
        if dns:
            rep.log("coredns")
            _start(comps["coredns"], rep)
    with rep.phase("git server and agent"):
        _start(comps["gitserver"], rep)
        _start(comps["agent"], rep)
    from runner.cluster import kube

    with rep.phase("node ready"):
        api = kube.api()
        kube.post_start(api, rep.log)
        kube.wait_node_ready(api, configs.NODE_NAME, 120)
        kube.wait_default_sa(api, 60)
    if smoke:
        with rep.phase("smoke pod"):
            kube.smoke_pod(api, 120)
    dt = time.monotonic() - t0
    (paths.state_root() / "last-up.json").write_text(json.dumps({"seconds": round(dt, 1), "at": time.time()}))
    return dt


def _stop(name: str, timeout: float, rep: Reporter) -> None:
    t = time.monotonic()
    Proc(name).stop(timeout)
    if time.monotonic() - t > 5:
        rep.log(f"{name} took {time.monotonic() - t:.0f}s to stop")


def down(rep: Reporter | None = None, reset: bool = False, remove_bridge: bool = True) -> None:
    """Stop everything the cluster started; waits for a running `up`/`down` first (one at a time)."""
    rep = rep or Reporter()
    host.check_preconditions()
    with cluster_lock("down", notice=rep.info):
        _down(rep, reset, remove_bridge)


def _down(rep: Reporter, reset: bool, remove_bridge: bool) -> None:
    with rep.phase("stop node"):
        _stop("agent", 5, rep)
        _stop("kubelet", 15, rep)
        if probe_containerd():
            try:
                r = _ctr("tasks", "ls", "-q")
                for task in r.stdout.split():
                    _ctr("tasks", "kill", "-a", "-s", "SIGKILL", task)
            except subprocess.TimeoutExpired:
                rep.log("containerd did not answer within 20s: its containers are killed below")
        kill_leftover_containers(rep.log)
        _stop("containerd", 15, rep)
        kill_leftover_containers(rep.log)
        unmount_all(rep.log)
        if remove_bridge:
            host.try_tool(["ip", "link", "delete", "cni0"], 30)
    with rep.phase("stop control plane"):
        for name in (
            "coredns",
            "kube-proxy",
            "gitserver",
            "kube-scheduler",
            "kube-controller-manager",
            "kube-apiserver",
            "etcd",
            "registry",
        ):
            # the apiserver drains requests for up to a minute on SIGTERM: not worth waiting
            _stop(name, 5 if name == "kube-apiserver" else 15, rep)
        strays = kill_strays()
        if strays:
            rep.log(f"stopped {len(strays)} untracked component processes")
        # remove the KUBE-* iptables chains kube-proxy installed (idempotent, fast)
        kp = paths.k8s_bin_dir() / "kube-proxy"
        if kp.exists():
            host.try_tool([str(kp), "--cleanup", "--v=0"], 60)
    if reset:
        with rep.phase("reset state"):
            unmount_all()
            shutil.rmtree(paths.state_root(), ignore_errors=True)
            for sub in (
                "pods",
                "plugins",
                "pod-resources",
                "device-plugins",
                "checkpoints",
                "cpu_manager_state",
                "memory_manager_state",
            ):
                p = configs.KUBELET_ROOT / sub
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            shutil.rmtree(configs.CONTAINERD_RUN, ignore_errors=True)
