"""What a step needs of the world around the tutorial: images, hosts, programs, GPUs, storage, nodes, clouds.

A requirement is a short string (`image:nvcr.io/x`, `network:github.com`,
`program:helm`, `gpu`, `storage-class:rook-cephfs`, `node:KEY=V`,
`fits:CPU,MEM`, `cloud:gcloud`, `host:sudo`, `value:NAME`): the planner asks
`ClusterFacts.unmet` of each, so a step whose environment is missing is
skipped with a reason that names it, before it runs. The step's own inputs
from earlier steps (files, variables, objects) are provenance, not
requirements: `effects.Effects.io` has both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from runner.effects.commands import METAVARIABLES, command_io, remote_kustomization
from runner.lesson import classify
from runner.lesson import placeholders as ph
from runner.lesson.model import Step, StepType
from runner.syntax import bash, kubectl
from runner.syntax.k8s import K8sObject, claim_specs, containers, get_path, mapping, mappings, pod_spec, scalar, strings

_URL = re.compile(r"\b(?:https?|git|ftp|s3)://(?:[^/\s@'\"]*@)?([^/\s:'\"@)]+)", re.I)


def step_requirements(step: Step, created: Iterable[tuple[str, str]]) -> list[str]:
    """Requirements of one step: annotated ones plus what its content implies."""
    made = set(created)
    reqs = list(step.requires)
    if step.type is StepType.MANIFEST:
        for obj in step.objects:
            reqs.extend(object_requirements(obj, made))
    if step.type in (StepType.COMMAND, StepType.IN_POD) and step.command:
        reqs.extend(f"network:{h}" for h in command_hosts(step.command))
    if step.type is StepType.COMMAND and step.command:
        reqs.extend(host_requirements(step.command))
    if step.type in (StepType.COMMAND, StepType.IN_POD) and step.command:
        reqs.extend(f"elided:{w}" for w in elided(step.command))
        body = [d.heredoc.text.strip() for d in bash.parse(step.command).heredocs if d.heredoc is not None]
        if any(b and classify.is_elision(b) for b in body):  # `cat <<EOF | kubectl apply -f -`, `.....`, `EOF`
            reqs.append("elided:the here-document's whole body")
    if step.type is StepType.COMMAND and step.command:
        reqs.extend(f"synopsis:{w}" for w in metavariables(step.command))
    if step.type is StepType.IN_POD and step.pod and _ELIDED.search(step.pod):
        reqs.append(f"elided:{step.pod}")
    if step.runnable or step.type is StepType.INTERACTIVE:
        reqs.extend(f"value:{name}" for name in unfilled(step))
    return list(dict.fromkeys(reqs))


def metavariables(command: str) -> list[str]:
    """`kubectl apply -f FILE`, `kubectl exec POD -- COMMAND`: the words of kubectl's usage notation a command holds."""
    out: list[str] = []
    for words in (c.words for c in bash.parse(command).commands if c.runs and c.words):
        if words[0] not in ("kubectl", "oc", "k"):
            continue
        for w in words[1:]:
            value = w.split("=", 1)[1] if w.startswith("-") and "=" in w else w
            if value in METAVARIABLES or value.strip("[]") in METAVARIABLES:
                out.append(value)
    return list(dict.fromkeys(out))


_ELIDED = re.compile(r"\w(?:\.\.\.|…)\w|…|(?:^|[-_./])[xX]{4,}(?:[-_./]|$)")


def elided(command: str) -> list[str]:
    """Words the text abbreviated (`c3R...zE2`, `blue-xxxxxxxx-yyyyy`, `pod-XXXXX`): a value the reader types from their own output."""
    out: list[str] = []
    script = bash.parse(command)
    feeding = {c.piped_from for c in script.commands if c.piped_from is not None}
    for i, c in enumerate(script.commands):
        if c.runs and c.words and (c.name not in ("echo", "printf") or i in feeding):  # a message may say "Waiting..."
            out.extend(w for w in c.words[1:] if _ELIDED.search(w) and "://" not in w)
    return list(dict.fromkeys(out))


def unfilled(step: Step) -> list[str]:
    """Placeholders still in a rendered step (`<project-namespace>`, `<YOUR NAMESPACE>`): it cannot run as written."""
    first = step.content_line or step.line
    shell = step.type in (StepType.COMMAND, StepType.IN_POD, StepType.INTERACTIVE)
    return list(dict.fromkeys(o.name for o in ph.to_fill(step.text, first, shell=shell)))


def object_requirements(obj: K8sObject, created: set[tuple[str, str]]) -> list[str]:
    """What an object needs of the cluster: its StorageClass, GPUs, images, hosts (an NFS server too), nodes, claims
    made elsewhere."""
    body = obj.body or {}
    reqs: list[str] = []
    for claim_spec in claim_specs(obj.kind, body):  # a StatefulSet's pods get theirs from its templates
        sc = scalar(claim_spec.get("storageClassName"))
        if sc and ("StorageClass", sc) not in created:  # a class the lesson makes itself is there when needed
            reqs.append(f"storage-class:{sc}")
    if obj.kind == "PersistentVolume":  # an NFS volume: its pods mount it from that server, which must be reachable
        server = scalar(get_path(body, ("spec", "nfs", "server")))
        if server and "<" not in server and "$" not in server:
            reqs.append(f"network:{server}")
    spec = pod_spec(body)
    if spec:
        for vol in mappings(spec.get("volumes")):
            server = scalar(mapping(vol.get("nfs")).get("server"))
            if server and "<" not in server and "$" not in server:
                reqs.append(f"network:{server}")
        for container in containers(spec, init=None):
            res = mapping(container.get("resources"))
            if any("nvidia.com/gpu" in mapping(res.get(k)) for k in ("limits", "requests")):
                reqs.append("gpu")
            if scalar(container.get("image")):
                reqs.append(f"image:{container['image']}")
            words = strings(container.get("command")) + strings(container.get("args"))
            words += [str(e.get("value")) for e in mappings(container.get("env")) if e.get("value")]
            reqs.extend(f"network:{h}" for h in network_hosts(" ".join(words), any_tool=True))
        for vol in mappings(spec.get("volumes")):
            claim = scalar(mapping(vol.get("persistentVolumeClaim")).get("claimName"))
            if claim and ("PersistentVolumeClaim", claim) not in created:
                reqs.append(f"object:pvc/{claim}")
        reqs.extend(f"node:{label}" for label in required_node_labels(spec))
        runtime = scalar(spec.get("runtimeClassName"))
        if runtime and "<" not in runtime and "$" not in runtime:
            reqs.append(f"runtime:{runtime}")
        spread = _spread_replicas(body, spec)
        if spread > 1:
            reqs.append(f"nodes:{spread}")
        cpu, memory = pod_requests(spec)
        if cpu or memory:
            reqs.append(f"fits:{cpu:g},{memory:g}")
    return list(dict.fromkeys(reqs))


def network_hosts(text: str, any_tool: bool = False) -> list[str]:
    """Hosts a command (or a container's command) fetches from: URLs given to wget, curl, git, pip ...

    With `any_tool` (a container's command and args), every URL counts: a
    container's `git clone` is often split into words (`args: [clone, URL]`).
    """
    if not any_tool and not _NETWORK_TOOL.search(text):
        return []
    return _hosts(text)


def command_hosts(command: str) -> list[str]:
    """Hosts a shell command reaches: URLs given to a program that fetches (`curl`, `kubectl apply -f URL`, `helm repo add`)."""
    out: list[str] = []
    for c in bash.parse(command).commands:
        if not c.runs or not c.words:
            continue
        prog = c.words[0].rsplit("/", 1)[-1]
        if prog in _FETCHERS or (prog in ("kubectl", "oc") and any("://" in w for w in c.words)):
            out.extend(_hosts(" ".join(c.words)))
        if prog in ("kubectl", "oc"):
            call = kubectl.parse(list(c.words))
            target = call.flag("-k", "--kustomize") if call is not None else None
            if target and remote_kustomization(target):
                out.append(target.split("/", 1)[0].lower())
        if prog in ("curl", "wget"):  # `curl ingress-example.minikube`: a URL without its scheme is still a host
            out.extend(_bare_hosts(list(c.words[1:])))
        if prog in ("ssh", "scp", "sftp", "rsync", "mosh"):
            out.extend(_remote_hosts(prog, list(c.words[1:])))
    return list(dict.fromkeys(out))


_SSH_VALUE_FLAGS = frozenset("bcDEeFIiJLlmOoPpQRSWw")


def _remote_hosts(prog: str, args: list[str]) -> list[str]:
    """`ssh [-p 22] user@host cmd`, `scp f user@host:/x`, `rsync -a dir host:/y`: the hosts they connect to."""
    plain: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a.startswith("-"):
            skip = len(a) == 2 and a[1] in _SSH_VALUE_FLAGS and prog != "rsync"
        else:
            plain.append(a)
    if prog in ("ssh", "mosh"):
        targets = plain[:1]
    else:
        targets = [a.split(":", 1)[0] for a in plain if ":" in a and "://" not in a]
    hosts = [t.rsplit("@", 1)[-1].lower() for t in targets]
    return [h for h in hosts if h and "$" not in h and "<" not in h]


_BARE_HOST = re.compile(r"^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)(?::\d+)?(?:/\S*)?$", re.I)


def _bare_hosts(args: list[str]) -> list[str]:
    """`curl ingress-example.minikube/x`, `wget example.org`: the words a fetcher takes for URLs, without a scheme."""
    out = []
    for w in args:
        m = _BARE_HOST.match(w) if not w.startswith("-") and "://" not in w and "$" not in w else None
        if (
            m
            and not m.group(1).replace(".", "").isdigit()
            and not re.search(r"\.(?:ya?ml|json|txt|sh|gz|tgz|zip|md)$", m.group(1))
        ):
            out.append(m.group(1).lower())
    return out


def _hosts(text: str) -> list[str]:
    hosts = []
    for m in _URL.finditer(text):
        host = m.group(1).lower()
        if host and "$" not in host and "<" not in host:
            hosts.append(host)
    return list(dict.fromkeys(hosts))


_KUBECONFIG_WRITES = frozenset(
    [
        "set-context",
        "use-context",
        "use",
        "delete-context",
        "rename-context",
        "set-cluster",
        "delete-cluster",
        "set-credentials",
        "delete-user",
        "set",
        "unset",
    ]
)


def host_requirements(command: str) -> list[str]:
    """What a host command needs of this machine: its programs, a cloud account, and whether it would change the machine."""
    reqs: list[str] = []
    script = bash.parse(command)
    defined = set(script.functions)
    for c in script.commands:
        config = next((value for name, value in c.assignments if name == "KUBECONFIG"), None)
        # `KUBECONFIG=./viewer.kubeconfig kubectl get pods`: one command with a file in the tutorial's folder (one it
        # writes, or judged as any file it reads), not the reader's kubeconfig changed for the session
        own_file = (
            bool(c.words) and c.name not in ("export", "declare", "typeset") and not (config or "").startswith(("/", "~", "$"))
        )
        if c.runs and config is not None and not own_file:
            reqs.append("kubeconfig:KUBECONFIG=…")  # `export KUBECONFIG=/path/to/the/kubeconfig.yaml`: the author's cluster
        if not c.runs or not c.words:
            continue
        seg = list(c.words)
        prog = seg[0]
        if prog in _HOST_CHANGERS or (len(seg) > 1 and prog in _INSTALLERS and seg[1] in _INSTALL_VERBS):
            reqs.append(f"host:{' '.join(seg[:2])}")
            continue
        target = _writes_outside(seg)
        if target:
            reqs.append(f"host:{prog} writes {target}")
            continue
        if prog == "kubectl" and len(seg) > 1 and not seg[1].startswith("-") and not kubectl.known_verb(seg[1]):
            reqs.append(f"program:kubectl-{seg[1].replace('-', '_')}")  # a kubectl plugin
        elif _PROGRAM.fullmatch(prog) and prog not in _SHELL_WORDS and prog not in defined:
            reqs.append(f"program:{prog}")
        for r in c.redirects:
            if r.writes and _outside(r.target):
                reqs.append(f"host:writes {r.target}")
        mac = macos_form(seg)
        if mac:
            reqs.append(f"platform:{mac}")
        call = kubectl.parse(seg) if prog in ("kubectl", "oc") else None
        context = call.flag("--context") if call is not None else None
        if context and "$" not in context and "<" not in context:
            reqs.append(f"context:{context}")  # `kubectl --context kind-kind …`: the author's cluster, by name
        if (
            call is not None
            and call.verb == "config"
            and call.args
            and call.args[0] in _KUBECONFIG_WRITES
            and not call.flag("--kubeconfig")  # (`--kubeconfig=sa-config.yaml`: a file of the tutorial's own)
        ):
            reqs.append(f"kubeconfig:kubectl config {call.args[0]}")  # `kubectl config use-context minidev`: another cluster
        made = call.creates if call is not None else None
        if made and ph.asks_to_change(made[1]):
            reqs.append(f"fill:{made[1]}")  # `kubectl create clusterrolebinding YOURNAME-admin …`
        dry = call is not None and call.flag("--dry-run") not in (None, "none")
        for image in call.images if call is not None and not dry else ():
            reqs.append(f"image:{image}")  # `kubectl run web --image=nginx`, `set image deploy/web nginx=nginx:1.9.1`
    reqs.extend(f"cloud:{cli}" for cli in command_io(command).clouds)
    for c in script.commands:  # `echo -n someString | base64`, `--from-literal=key=someValue`: a sample word to replace
        sample = next((m.group(0) for w in c.words for m in [_SAMPLE_WORD.search(w)] if m), None) if c.runs else None
        if sample:
            reqs.append(f"fill:{sample}")
    for c in script.commands:
        if c.runs and len(c.words) > 1 and c.words[0] in ("docker", "podman", "nerdctl") and c.words[1] in ("login", "push"):
            reqs.append(f"account:{c.words[0]} {c.words[1]}")
    return list(dict.fromkeys(reqs))


# the usual stand-ins of documentation for what the reader types: `someString`, `someBase64EncodedString`, `SomeValue`
_SAMPLE_WORD = re.compile(r"(?<![A-Za-z0-9])[Ss]ome(?:[A-Z][a-z0-9]+)+(?![A-Za-z0-9])")


def programs_of(steps: Iterable[Step]) -> set[str]:
    """Every program the host commands of these steps call (to look up on this machine before planning)."""
    return {
        r.partition(":")[2]
        for s in steps
        if s.type is StepType.COMMAND and s.command
        for r in host_requirements(s.command)
        if r.startswith("program:")
    }


def required_node_labels(spec: Mapping[str, Any]) -> list[str]:
    """`KEY=V1|V2` for each label a pod requires of its node (nodeSelector, required node affinity `In`/`Exists`)."""
    out = [f"{k}={v}" for k, v in mapping(spec.get("nodeSelector")).items()]
    required = get_path(spec, ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"))
    terms = mappings(mapping(required).get("nodeSelectorTerms"))
    if len(terms) == 1:  # several terms are alternatives: any one will do, which is not judged here
        for expr in mappings(terms[0].get("matchExpressions")):
            if expr.get("operator") == "In" and strings(expr.get("values")):
                out.append(f"{expr.get('key')}={'|'.join(strings(expr['values']))}")
            elif expr.get("operator") == "Exists":
                out.append(str(expr.get("key")))
    return out


def pod_requests(spec: Mapping[str, Any]) -> tuple[float, float]:
    """(CPU cores, memory bytes) a pod requests: its containers' sum, or its largest init container if more."""

    def req(c: Mapping[str, Any]) -> tuple[float, float]:
        resources = mapping(c.get("resources"))
        r = mapping(resources.get("requests") or resources.get("limits"))
        return quantity(r.get("cpu")), quantity(r.get("memory"))

    main = [req(c) for c in containers(spec)]
    init = [req(c) for c in containers(spec, init=True)]
    cpu = max([sum(c for c, _ in main)] + [c for c, _ in init])
    memory = max([sum(m for _, m in main)] + [m for _, m in init])
    return cpu, memory


def quantity(value: Any) -> float:
    """A Kubernetes quantity (`100m`, `1.5`, `4Gi`, `500M`) as a number (cores or bytes); 0 when unreadable."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*", str(value or ""))
    if not m or (m.group(2) and m.group(2) not in _UNITS):
        return 0.0
    return float(m.group(1)) * _UNITS.get(m.group(2), 1.0)


_UNITS = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}
_NETWORK_TOOL = re.compile(r"\b(?:wget|curl|git|pip3?|apt(?:-get)?|yum|dnf|conda|mamba|aws|gsutil|rclone|scp|ssh|helm|npm)\b")
_FETCHERS = frozenset(
    {
        "wget",
        "curl",
        "git",
        "pip",
        "pip3",
        "apt",
        "apt-get",
        "yum",
        "dnf",
        "conda",
        "mamba",
        "aws",
        "gsutil",
        "rclone",
        "scp",
        "ssh",
        "helm",
        "npm",
        "docker",
        "podman",
    }
)
_HOST_CHANGERS = {"sudo", "su", "doas", "install", "brew", "choco", "snap", "port", "winget", "systemctl", "update-alternatives"}
_INSTALLERS = {"apt", "apt-get", "yum", "dnf", "apk", "zypper", "pacman", "pip", "pip3", "pipx", "npm", "conda", "mamba", "gem"}
_INSTALL_VERBS = {"install", "add", "update", "upgrade", "remove", "uninstall", "-S", "-i"}
_SHELL_WORDS = {
    "cd",
    "export",
    "unset",
    "source",
    ".",
    "echo",
    "printf",
    "set",
    "test",
    "true",
    "false",
    "exit",
    "read",
    "eval",
    "exec",
    "alias",
    "type",
    "wait",
    "time",
    "history",
    "clear",
    "local",
    "declare",
    "let",
    "shift",
    "trap",
    "umask",
    "ulimit",
    "pushd",
    "popd",
    "sleep",
    "readonly",
    "typeset",
    "return",
    "break",
    "continue",
    "shopt",
    "hash",
    "command",
    "builtin",
}
_PROGRAM = re.compile(r"[A-Za-z][\w.+-]*")
_WRITERS = {"mkdir", "cp", "mv", "tee", "touch", "ln", "rm", "chmod", "chown", "rsync", "unzip", "tar"}


def _outside(path: str) -> bool:
    """A path a run must not write: the reader's home or the system, outside the run's working directory."""
    path = path.strip("'\"")
    if path in ("/tmp", "/dev/null") or path.startswith(("/tmp/", "/dev/null", "/dev/std")):
        return False
    return path.startswith(("/", "~", "$HOME", "${HOME}", "%USERPROFILE%", ".."))


def _writes_outside(seg: list[str]) -> str | None:
    if seg[0] not in _WRITERS:
        return None
    targets = [w for w in seg[1:] if not w.startswith("-")]
    if seg[0] in ("cp", "mv", "ln", "rsync", "tar"):
        targets = targets[-1:]
    elif seg[0] == "unzip":
        targets = [w for i, w in enumerate(seg) if i and seg[i - 1] == "-d"]
    return next((t for t in targets if _outside(t)), None)


def macos_form(words: list[str]) -> str | None:
    """A command in the form of macOS's BSD tools, which GNU's refuse or read otherwise: `base64 -D` (GNU decodes with
    -d), `sed -i ''` (GNU takes the empty word for the script), `date -v-1d` (GNU has no -v). The author's platform,
    not the tutorial's defect, and not one this machine has."""
    prog, flags = words[0], words[1:]
    if prog == "base64" and any(f == "-D" or (f.startswith("-") and not f.startswith("--") and "D" in f) for f in flags):
        return "macOS base64 -D (GNU base64 decodes with -d)"
    if prog == "sed" and any(f == "-i" and i + 1 < len(flags) and flags[i + 1] == "" for i, f in enumerate(flags)):
        return "macOS sed -i '' (GNU sed takes the empty word for its script)"
    if prog == "date" and any(f.startswith("-v") and len(f) > 2 for f in flags):
        return "macOS date -v (GNU date has no -v)"
    return None


def prebind_refusal(claim: Mapping[str, Any], volume: Mapping[str, Any], default_class: str | None) -> str | None:
    """Why a claim pre-bound to a volume (`spec.volumeName`) never binds to it, or None.

    The PersistentVolume controller binds a pre-bound claim only to a volume of its own StorageClass that offers its
    access modes and capacity. A claim that leaves `storageClassName` out gets the cluster's default class on
    admission, while a volume without one has none (""): on a cluster with a default class the two never match.
    `default_class` None: the cluster has none (or it is unknown), and an unset class stays ""."""
    claim_spec, volume_spec = mapping(claim.get("spec")), mapping(volume.get("spec"))
    volume_class = volume_spec.get("storageClassName") or ""
    if "storageClassName" in claim_spec and claim_spec.get("storageClassName") is not None:
        claim_class, defaulted = str(claim_spec.get("storageClassName") or ""), False
    else:
        claim_class, defaulted = default_class or "", default_class is not None
    if not isinstance(volume_class, str) or claim_class != volume_class:
        if defaulted:
            return (
                f"leaves storageClassName out, so it gets this cluster's default StorageClass {claim_class}, while the "
                f"volume has {('StorageClass ' + volume_class) if volume_class else 'none'}: the classes differ, so it "
                f'never binds (give the claim storageClassName: "{volume_class}")'
            )
        return f"asks for StorageClass {claim_class or _NONE}, the volume has {volume_class or _NONE}: it never binds"
    wanted = set(strings(claim_spec.get("accessModes")))
    offered = set(strings(volume_spec.get("accessModes")))
    if wanted and offered and not wanted <= offered:
        return f"asks for {', '.join(sorted(wanted - offered))}, which the volume does not offer: it never binds"
    asked = quantity(get_path(claim_spec, ("resources", "requests", "storage")))
    has = quantity(get_path(volume_spec, ("capacity", "storage")))
    if asked and has and asked > has:
        return "asks for more storage than the volume has: it never binds"
    return None


_NONE = '""'  # an unset class, as a manifest writes it


def _spread_replicas(body: Mapping[str, Any], spec: Mapping[str, Any]) -> int:
    """How many nodes a workload needs when its pods must each run on a node of their own: a required pod
    anti-affinity on `kubernetes.io/hostname` against its own pods' labels, and `replicas` pods (one node each)."""
    replicas = get_path(body, ("spec", "replicas"))
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 2:
        return 0
    own = mapping(get_path(body, ("spec", "template", "metadata", "labels")))
    terms = get_path(spec, ("affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"))
    for term in mappings(terms):
        if term.get("topologyKey") != "kubernetes.io/hostname":
            continue
        selector = mapping(term.get("labelSelector"))
        labels = mapping(selector.get("matchLabels"))
        exprs = mappings(selector.get("matchExpressions"))
        if (
            (labels or exprs)
            and all(own.get(k) == v for k, v in labels.items())
            and all(e.get("operator") == "In" and own.get(str(e.get("key"))) in strings(e.get("values")) for e in exprs)
        ):
            return replicas  # (the selector picks its own pods: every term of it holds for them)
    return 0
