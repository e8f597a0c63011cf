"""Reading kubectl command lines the way kubectl does, without running them.

The parser uses this to tell host commands from in-pod ones and to find
interactive steps; the linter to find references to objects, files and bad
syntax; the runner to know which objects a command creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = {
    "Pod": ("po", "pod", "pods"),
    "Job": ("job", "jobs", "job.batch", "jobs.batch"),
    "CronJob": ("cj", "cronjob", "cronjobs"),
    "PersistentVolumeClaim": ("pvc", "pvcs", "persistentvolumeclaim", "persistentvolumeclaims"),
    "PersistentVolume": ("pv", "pvs", "persistentvolume", "persistentvolumes"),
    "ConfigMap": ("cm", "configmap", "configmaps"),
    "Secret": ("secret", "secrets"),
    "Deployment": ("deploy", "deployment", "deployments", "deployment.apps", "deployments.apps"),
    "StatefulSet": ("sts", "statefulset", "statefulsets"),
    "DaemonSet": ("ds", "daemonset", "daemonsets"),
    "ReplicaSet": ("rs", "replicaset", "replicasets"),
    "Service": ("svc", "service", "services"),
    "Namespace": ("ns", "namespace", "namespaces"),
    "Node": ("no", "node", "nodes"),
    "Event": ("ev", "event", "events"),
    "ServiceAccount": ("sa", "serviceaccount", "serviceaccounts"),
    "StorageClass": ("sc", "storageclass", "storageclasses"),
    "Ingress": ("ing", "ingress", "ingresses"),
    "Role": ("role", "roles"),
    "RoleBinding": ("rolebinding", "rolebindings"),
    "ResourceQuota": ("quota", "resourcequota", "resourcequotas"),
    "LimitRange": ("limits", "limitrange", "limitranges"),
}
_ALIAS = {alias: kind for kind, aliases in KINDS.items() for alias in aliases}

# flags that take a value as the next word (when not written --flag=value)
VALUE_FLAGS = {
    "-n", "--namespace", "-o", "--output", "-f", "--filename", "-l", "--selector", "-c", "--container",
    "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server", "--field-selector", "--sort-by",
    "--from-file", "--from-literal", "--from-env-file", "--type", "--image", "--timeout", "-p", "--patch",
    "--for", "--tail", "--since", "--since-time", "--replicas", "--port", "--restart", "--env", "--overrides",
    "--grace-period", "--request-timeout", "--as", "--token", "-k", "--kustomize", "--docker-username",
    "--docker-password", "--docker-server", "--docker-email", "--cert", "--key", "--max-log-requests",
    "--pod-running-timeout", "--address", "--limits", "--requests", "--field-manager", "--template",
    "--show-kind", "--label-columns", "-L", "--chunk-size", "--subresource", "--cascade", "--from", "--schedule",
}
BOOL_FLAGS = {
    "-i", "-t", "-it", "-ti", "--stdin", "--tty", "-w", "--watch", "-A", "--all-namespaces", "--all", "--force",
    "--now", "--wait", "-q", "--quiet", "--previous", "--follow", "-F", "--rm", "--dry-run",
    "--no-headers", "--show-labels", "--overwrite", "--recursive", "-R", "--ignore-not-found", "--prefix",
    "--timestamps", "--all-containers", "--save-config", "--validate", "--local", "--record", "--server-side",
    "--force-conflicts", "--help", "-h",
}
VERBS = {
    "get", "describe", "create", "apply", "delete", "logs", "exec", "run", "replace", "edit", "patch", "label",
    "annotate", "cp", "port-forward", "wait", "top", "scale", "rollout", "expose", "attach", "explain", "version",
    "config", "api-resources", "api-versions", "cluster-info", "auth", "debug", "diff", "set", "events", "proxy",
    "autoscale", "certificate", "cordon", "uncordon", "drain", "taint", "kustomize", "plugin", "completion", "alpha",
}
CREATE_SUBCOMMANDS = {
    "configmap": "ConfigMap", "cm": "ConfigMap", "secret": "Secret", "job": "Job", "deployment": "Deployment",
    "deploy": "Deployment", "namespace": "Namespace", "ns": "Namespace", "serviceaccount": "ServiceAccount",
    "sa": "ServiceAccount", "service": "Service", "svc": "Service", "cronjob": "CronJob", "role": "Role",
    "rolebinding": "RoleBinding", "quota": "ResourceQuota", "pdb": "PodDisruptionBudget", "ingress": "Ingress",
}


def kind_of(word: str) -> str | None:
    return _ALIAS.get(word.lower())


@dataclass(frozen=True)
class KubectlCall:
    """One `kubectl ...` simple command, read."""

    verb: str | None
    words: tuple[str, ...]
    args: tuple[str, ...]  # positional words after the verb (before `--`)
    flags: tuple[tuple[str, str], ...]  # (flag, value or "") in order
    after_dash: tuple[str, ...] = ()  # words after `--` (exec, run)
    targets: tuple[tuple[str | None, str], ...] = field(default=())  # (kind or None, name)
    files: tuple[str, ...] = ()
    bad_flags: tuple[str, ...] = ()

    def flag(self, *names: str) -> str | None:
        for key, value in self.flags:
            if key in names:
                return value
        return None

    def has(self, *names: str) -> bool:
        return any(key in names for key, _ in self.flags)

    @property
    def creates(self) -> tuple[str, str] | None:
        """(kind, name) of an object `kubectl create <type> NAME` / `kubectl run NAME` creates."""
        if self.verb == "create" and self.args:
            kind = CREATE_SUBCOMMANDS.get(self.args[0])
            if kind:
                rest = self.args[1:]
                if kind == "Secret" and rest and rest[0] in ("generic", "tls", "docker-registry"):
                    rest = rest[1:]
                if rest:
                    return kind, rest[0]
        if self.verb == "run" and self.args:
            return "Pod", self.args[0]
        return None


def parse(words: list[str]) -> KubectlCall | None:
    """Read a kubectl command's words (`words[0]` is kubectl); None for anything else."""
    if not words or words[0] not in ("kubectl", "oc"):
        return None
    verb: str | None = None
    args: list[str] = []
    flags: list[tuple[str, str]] = []
    bad: list[str] = []
    after: list[str] = []
    i = 1
    while i < len(words):
        w = words[i]
        if w == "--":
            after = words[i + 1:]
            break
        if w.startswith("-") and len(w) > 1:
            key, eq, value = w.partition("=")
            if eq:
                flags.append((key, value))
            elif key in VALUE_FLAGS:
                value = words[i + 1] if i + 1 < len(words) else ""
                flags.append((key, value))
                i += 1
            elif re_short_combo(key):
                flags.append((key, ""))
            else:
                flags.append((key, ""))
                if key not in BOOL_FLAGS:
                    bad.append(key)
        elif verb is None:
            verb = w
        else:
            args.append(w)
        i += 1
    targets = _targets(verb, args)
    files = tuple(v for k, v in flags if k in ("-f", "--filename"))
    return KubectlCall(verb, tuple(words), tuple(args), tuple(flags), tuple(after), targets, files, tuple(bad))


def re_short_combo(flag: str) -> bool:
    """`-it`, `-ti`, `-itq`: combined single-letter boolean flags."""
    return len(flag) > 2 and flag[0] == "-" and flag[1] != "-" and set(flag[1:]) <= set("itqwA")


def _targets(verb: str | None, args: list[str]) -> tuple[tuple[str | None, str], ...]:
    """The objects a verb's positional words name, as (kind, name); kind None when kubectl infers a pod."""
    if verb in ("get", "describe", "delete", "edit", "patch", "label", "annotate", "wait", "scale", "top"):
        out: list[tuple[str | None, str]] = []
        kind: str | None = None
        for a in args:
            if "/" in a:
                k, _, name = a.partition("/")
                out.append((kind_of(k) or k, name))
            elif kind is None and "," not in a:
                kind = kind_of(a) or a
            elif kind is None:
                kind = "*"
            elif verb in ("label", "annotate") and ("=" in a or a.endswith("-")):
                continue
            else:
                out.append((kind, a))
        return tuple(out)
    if verb in ("logs", "exec", "attach", "port-forward", "cp"):
        if not args:
            return ()
        first = args[0]
        if verb == "cp":
            found = [a.split(":", 1)[0] for a in args if ":" in a]
            return tuple((None, p.split("/")[-1]) for p in found)
        if "/" in first:
            k, _, name = first.partition("/")
            return ((kind_of(k) or k, name),)
        return ((None, first),)
    return ()
