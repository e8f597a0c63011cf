"""Config files for every component, written into the state dir on each ``up``.

Regenerating them on every start keeps the state dir in sync with this code (a changed
setting takes effect on the next ``up`` without ``--reset``). Values are chosen for a
single-node *teaching* cluster on a shared VM:

* kubelet: cgroupfs driver (no systemd here), eviction and image GC effectively off (the
  host disk is shared and images cannot be re-pulled from the internet), ``syncFrequency``
  5s so ConfigMap/Secret updates reach running pods within seconds;
* containerd: its own socket/root/state (never the distro's), overlayfs, CNI from Debian's
  ``/usr/lib/cni``, and ``hosts.toml`` making the local registry the only docker.io host;
* CNI: bridge ``cni0`` (gateway 10.244.0.1 where the git server listens) + host-local IPAM
  + portmap, and loopback.
"""

from __future__ import annotations

import json
from pathlib import Path

from runner.cluster import images, paths, pki

NODE_NAME = "tutorial-node"
POD_CIDR = "10.244.0.0/24"
POD_GATEWAY = "10.244.0.1"
SERVICE_CIDR = "10.96.0.0/12"
APISERVER_PORT = 6443
ETCD_CLIENT = "http://127.0.0.1:2379"
ETCD_PEER = "http://127.0.0.1:2380"
CONTAINERD_RUN = Path("/run/tutorial-runner/containerd")
CONTAINERD_SOCK = CONTAINERD_RUN / "containerd.sock"
KUBELET_ROOT = Path("/var/lib/kubelet")


# The container runtime handlers containerd offers pods (a RuntimeClass's `handler`). containerd 1.6 does not report
# them in the node's status, so profiles/local.yaml lists them (`runtime_handlers`); a test keeps the two the same.
RUNTIME_HANDLERS = ("runc",)


def apiserver_url() -> str:
    return f"https://127.0.0.1:{APISERVER_PORT}"


def cni_dir() -> Path:
    return paths.state_root() / "cni" / "net.d"


def containerd_root() -> Path:
    return paths.state_root() / "containerd"


COREDNS_READY = "127.0.0.1:10181"
COREDNS_HEALTH = "127.0.0.1:10054"


def write_all(node_ip: str, dns: bool = True) -> None:
    c = paths.config_dir()
    c.mkdir(parents=True, exist_ok=True)
    d = paths.pki_dir()
    server = apiserver_url()
    paths.admin_kubeconfig().write_text(pki.kubeconfig("admin", server))
    paths.admin_kubeconfig().chmod(0o600)
    for user in ("controller-manager", "scheduler", "kubelet", "kube-proxy"):
        (c / f"{user}.kubeconfig").write_text(pki.kubeconfig(user, server, embed=False))

    (c / "scheduler.yaml").write_text(f"""apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: {c / "scheduler.kubeconfig"}
leaderElection:
  leaderElect: false
""")

    (c / "kubelet.yaml").write_text(f"""apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: {d / "ca.crt"}
authorization:
  mode: Webhook
tlsCertFile: {d / "kubelet.crt"}
tlsPrivateKeyFile: {d / "kubelet.key"}
containerRuntimeEndpoint: unix://{CONTAINERD_SOCK}
cgroupDriver: cgroupfs
failSwapOn: false
readOnlyPort: 0
clusterDomain: cluster.local
{"clusterDNS: [" + POD_GATEWAY + "]" if dns else "# no clusterDNS: CoreDNS not available"}
resolvConf: /etc/resolv.conf
syncFrequency: 5s
fileCheckFrequency: 5s
nodeStatusReportFrequency: 10s
nodeStatusUpdateFrequency: 5s
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
imageMinimumGCAge: 8760h
evictionHard:
  memory.available: "0%"
  nodefs.available: "0%"
  nodefs.inodesFree: "0%"
  imagefs.available: "0%"
  imagefs.inodesFree: "0%"
evictionPressureTransitionPeriod: 5s
serializeImagePulls: false
maxPods: 250  # the /24 pod range has 253 addresses; cohort grading runs many pods
podPidsLimit: -1
rotateCertificates: false
serverTLSBootstrap: false
protectKernelDefaults: false
makeIPTablesUtilChains: false
localStorageCapacityIsolation: true
cgroupsPerQOS: true
enforceNodeAllocatable: ["pods"]
shutdownGracePeriod: 0s
oomScoreAdj: 0
""")

    (c / "kube-proxy.yaml").write_text(f"""apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: {c / "kube-proxy.kubeconfig"}
mode: iptables
clusterCIDR: 10.244.0.0/16
hostnameOverride: {NODE_NAME}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
""")

    # Cluster DNS: CoreDNS runs on the host and answers on the bridge gateway, like the
    # git server; pods get nameserver 10.244.0.1 and the usual cluster.local search path.
    (c / "Corefile").write_text(f""".:53 {{
    errors
    health {COREDNS_HEALTH}
    ready {COREDNS_READY}
    kubernetes cluster.local in-addr.arpa ip6.arpa {{
        kubeconfig {paths.admin_kubeconfig()} {pki.CLUSTER_NAME}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }}
    forward . /etc/resolv.conf
    cache 30
}}
""")

    cr = containerd_root()
    certs = cr / "certs.d"
    (certs / "docker.io").mkdir(parents=True, exist_ok=True)
    reg = images.REGISTRY_ADDR
    (
        certs / "docker.io" / "hosts.toml"
    ).write_text(f"""# tutorial-runner: the local registry is the only docker.io host (no internet here)
server = "http://{reg}"

[host."http://{reg}"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
""")
    (c / "containerd.toml").write_text(f"""version = 2
root = "{cr / "root"}"
state = "{CONTAINERD_RUN / "state"}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "{CONTAINERD_SOCK}"

[ttrpc]
  address = "{CONTAINERD_RUN / "containerd.sock.ttrpc"}"

[debug]
  address = ""
  level = "warn"

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{images.PAUSE_IMAGE}"
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  # This VM's capability bounding set lacks CAP_SYS_RESOURCE, so nobody can *lower*
  # oom_score_adj; the pod sandbox asks for -998 and runc fails with "can't get final
  # child's PID from pipe". Clamp container oom_score_adj to containerd's own (0).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "{RUNTIME_HANDLERS[0]}"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{RUNTIME_HANDLERS[0]}]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{RUNTIME_HANDLERS[0]}.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{cni_dir()}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "{certs}"
""")

    cni_dir().mkdir(parents=True, exist_ok=True)
    conflist = {
        "cniVersion": "0.4.0",
        "name": "tutorial-bridge",
        "plugins": [
            {
                "type": "bridge",
                "bridge": "cni0",
                "isGateway": True,
                "ipMasq": True,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_CIDR, "gateway": POD_GATEWAY}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(paths.state_root() / "cni" / "ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    (cni_dir() / "10-tutorial-bridge.conflist").write_text(json.dumps(conflist, indent=2) + "\n")
    # no loopback conf file: containerd's CRI brings up lo itself with /usr/lib/cni/loopback
    (c / "registry.yml").write_text(images.registry_config())
