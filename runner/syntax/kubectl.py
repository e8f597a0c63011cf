"""Reading kubectl command lines the way kubectl does, without running them.

The parser uses this to tell host commands from in-pod ones and to find
interactive steps; the linter to find references to objects, files and bad
syntax; the runner to know which objects a command creates.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from runner.syntax.spelling import osa_distance

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
    "NetworkPolicy": ("netpol", "networkpolicy", "networkpolicies"),
    "ClusterRole": ("clusterrole", "clusterroles"),
    "ClusterRoleBinding": ("clusterrolebinding", "clusterrolebindings"),
    "HorizontalPodAutoscaler": ("hpa", "horizontalpodautoscaler", "horizontalpodautoscalers"),
    "PodDisruptionBudget": ("pdb", "poddisruptionbudget", "poddisruptionbudgets"),
    "ReplicationController": ("rc", "replicationcontroller", "replicationcontrollers"),
    "Endpoints": ("ep", "endpoints"),
    "EndpointSlice": ("endpointslice", "endpointslices"),
    "PriorityClass": ("pc", "priorityclass", "priorityclasses"),
    "IngressClass": ("ingressclass", "ingressclasses"),
    "RuntimeClass": ("runtimeclass", "runtimeclasses"),
    "CustomResourceDefinition": ("crd", "crds", "customresourcedefinition", "customresourcedefinitions"),
    "Lease": ("lease", "leases"),
    "PodTemplate": ("podtemplate", "podtemplates"),
    "ControllerRevision": ("controllerrevision", "controllerrevisions"),
    "CertificateSigningRequest": ("csr", "certificatesigningrequest", "certificatesigningrequests"),
    "ValidatingWebhookConfiguration": ("validatingwebhookconfiguration", "validatingwebhookconfigurations"),
    "MutatingWebhookConfiguration": ("mutatingwebhookconfiguration", "mutatingwebhookconfigurations"),
    "APIService": ("apiservice", "apiservices"),
    "VolumeAttachment": ("volumeattachment", "volumeattachments"),
    "CSIDriver": ("csidriver", "csidrivers"),
}
_ALIAS = {alias: kind for kind, aliases in KINDS.items() for alias in aliases}

# flags that take a value as the next word (when not written --flag=value)
VALUE_FLAGS = {
    "-n",
    "--namespace",
    "-o",
    "--output",
    "-f",
    "--filename",
    "-l",
    "--selector",
    "-c",
    "--container",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "--field-selector",
    "--sort-by",
    "--from-file",
    "--from-literal",
    "--from-env-file",
    "--type",
    "--image",
    "--timeout",
    "-p",
    "--patch",
    "--for",
    "--tail",
    "--since",
    "--since-time",
    "--replicas",
    "--port",
    "--restart",
    "--env",
    "--overrides",
    "--grace-period",
    "--request-timeout",
    "--as",
    "--token",
    "-k",
    "--kustomize",
    "--docker-username",
    "--docker-password",
    "--docker-server",
    "--docker-email",
    "--cert",
    "--key",
    "--max-log-requests",
    "--pod-running-timeout",
    "--address",
    "--limits",
    "--requests",
    "--field-manager",
    "--template",
    "--show-kind",
    "--label-columns",
    "-L",
    "--chunk-size",
    "--subresource",
    "--cascade",
    "--from",
    "--schedule",
}
BOOL_FLAGS = {
    "-i",
    "-t",
    "-it",
    "-ti",
    "--stdin",
    "--tty",
    "-w",
    "--watch",
    "-A",
    "--all-namespaces",
    "--all",
    "--force",
    "--now",
    "--wait",
    "-q",
    "--quiet",
    "--previous",
    "--follow",
    "-F",
    "--rm",
    "--dry-run",
    "--no-headers",
    "--show-labels",
    "--overwrite",
    "--recursive",
    "-R",
    "--ignore-not-found",
    "--prefix",
    "--timestamps",
    "--all-containers",
    "--save-config",
    "--validate",
    "--local",
    "--record",
    "--server-side",
    "--force-conflicts",
    "--help",
    "-h",
}
VERBS = {
    "get",
    "describe",
    "create",
    "apply",
    "delete",
    "logs",
    "exec",
    "run",
    "replace",
    "edit",
    "patch",
    "label",
    "annotate",
    "cp",
    "port-forward",
    "wait",
    "top",
    "scale",
    "rollout",
    "expose",
    "attach",
    "explain",
    "version",
    "config",
    "api-resources",
    "api-versions",
    "cluster-info",
    "auth",
    "debug",
    "diff",
    "set",
    "events",
    "proxy",
    "certificate",
    "kustomize",
    "plugin",
    "completion",
    "alpha",
}
CREATE_SUBCOMMANDS = {
    "configmap": "ConfigMap",
    "cm": "ConfigMap",
    "secret": "Secret",
    "job": "Job",
    "deployment": "Deployment",
    "deploy": "Deployment",
    "namespace": "Namespace",
    "ns": "Namespace",
    "serviceaccount": "ServiceAccount",
    "sa": "ServiceAccount",
    "service": "Service",
    "svc": "Service",
    "cronjob": "CronJob",
    "role": "Role",
    "rolebinding": "RoleBinding",
    "quota": "ResourceQuota",
    "pdb": "PodDisruptionBudget",
    "poddisruptionbudget": "PodDisruptionBudget",
    "ingress": "Ingress",
    "clusterrole": "ClusterRole",
    "clusterrolebinding": "ClusterRoleBinding",
    "priorityclass": "PriorityClass",
    "pc": "PriorityClass",
    "resourcequota": "ResourceQuota",
}


def kind_of(word: str) -> str | None:
    """The kind a resource word names: `deploy`, `deployments.apps`, and kubectl's fully qualified forms
    `deployment.v1.apps`, `horizontalpodautoscalers.autoscaling` (RESOURCE.VERSION.GROUP, RESOURCE.GROUP) when the
    group is the kind's own."""
    word = word.lower()
    kind = _ALIAS.get(word)
    if kind is not None or "." not in word:
        return kind
    from runner.syntax.k8s import API_VERSIONS  # (k8s reads kubectl's tables; this is the one way back)

    resource, _, qualifier = word.partition(".")
    kind = _ALIAS.get(resource)
    if kind is None:
        return None
    version, _, group = qualifier.partition(".")
    if not _VERSION.fullmatch(version):
        version, group = "", qualifier
    own_group = API_VERSIONS.get(kind, "").rpartition("/")[0]
    return kind if own_group and group == own_group else None


_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d+)?")


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
    def images(self) -> tuple[str, ...]:
        """The images this call puts into a pod template: `run`/`create … --image=X`, `set image deploy/web c=X`
        (each `container=image` pair; `*=X` for every container)."""
        if self.verb in ("run", "create"):
            image = self.flag("--image")
            return (image,) if image else ()
        if self.verb == "set" and self.args[:1] == ("image",):
            return tuple(a.split("=", 1)[1] for a in self.args[2:] if "=" in a and a.split("=", 1)[1])
        return ()

    @property
    def creates(self) -> tuple[str, str] | None:
        """(kind, name) of an object `kubectl create <type> NAME` / `kubectl run NAME` / `expose` / `autoscale` creates."""
        if self.verb == "create" and self.args:
            kind = CREATE_SUBCOMMANDS.get(self.args[0])
            if kind:
                rest = self.args[1:]
                if kind == "Secret" and rest and rest[0] in ("generic", "tls", "docker-registry"):
                    rest = rest[1:]
                if kind == "Service" and rest and rest[0] in ("clusterip", "nodeport", "loadbalancer", "externalname"):
                    rest = rest[1:]
                if rest:
                    return kind, rest[0]
        if self.verb == "run" and self.args:
            return "Pod", self.args[0]
        if self.verb == "expose" and self.targets:
            return "Service", self.flag("--name") or self.targets[0][1]
        if self.verb == "autoscale" and self.targets:  # `kubectl autoscale deployment web --max=5`: HPA `web`
            return "HorizontalPodAutoscaler", self.flag("--name") or self.targets[0][1]
        return None


def parse(words: list[str]) -> KubectlCall | None:
    """Read a kubectl command's words (`words[0]` is kubectl); None for anything else.

    Whether a flag takes the next word as its value is decided by the verb's own
    flags when kubectl's syntax table knows the verb (`logs -p` is --previous,
    `patch -p` is --patch), else by the global lists.
    """
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
            after = words[i + 1 :]
            break
        if w.startswith("-") and not w.startswith("--") and len(w) > 2 and not _NUMBER.match(w):
            # `-lapp=redis`, `-it`, `-n=ns`, `-itc main`: shorthand letters, as pflag reads them; a letter that takes
            # a value takes the rest of the word (after an `=`), or the next word
            table = verb_flags(verb, args[0] if args else None)
            for n, letter in enumerate(w[1:], start=1):
                key = "-" + letter
                takes = takes_value(key, table)
                if takes:
                    rest = w[n + 1 :].removeprefix("=")
                    if not rest and i + 1 < len(words):
                        rest = words[i + 1]
                        i += 1
                    flags.append((key, rest))
                    break
                flags.append((key, ""))
                if takes is None:
                    bad.append(w.partition("=")[0] if n == 1 else key)
                    break
        elif w.startswith("-") and len(w) > 1 and not _NUMBER.match(w):
            key, eq, value = w.partition("=")
            table = verb_flags(verb, args[0] if args else None)
            takes = takes_value(key, table)
            if eq:
                flags.append((key, value))
            elif takes:
                value = words[i + 1] if i + 1 < len(words) else ""
                flags.append((key, value))
                i += 1
            else:
                flags.append((key, ""))
            if takes is None and not (re_short_combo(key) or key in BOOL_FLAGS):
                bad.append(key)
        elif verb is None:
            verb = w
        else:
            args.append(w)
        i += 1
    targets = _targets(verb, args)
    # `-f a.yaml,b.yaml` is two files (a string slice, as kubectl reads it); `logs -f` is a switch, no file
    files = tuple(part for k, v in flags if k in ("-f", "--filename") and v for part in v.split(",") if part)
    return KubectlCall(verb, tuple(words), tuple(args), tuple(flags), tuple(after), targets, files, tuple(bad))


_NUMBER = re.compile(r"^-\d+(\.\d+)?$")


def takes_value(flag: str, table: dict[str, bool] | None) -> bool | None:
    """True/False when `flag` is known to take a value or not (for this verb's table), None when unknown."""
    if table is not None:
        if flag in table:
            return table[flag]
        if flag in GLOBAL_FLAGS:
            return GLOBAL_FLAGS[flag]
        if re_short_combo(flag):
            return False
        return None
    if flag in VALUE_FLAGS or GLOBAL_FLAGS.get(flag):
        return True
    if flag in BOOL_FLAGS or flag in GLOBAL_FLAGS or re_short_combo(flag):
        return False
    return None


def re_short_combo(flag: str) -> bool:
    """`-it`, `-ti`, `-itq`: combined single-letter boolean flags."""
    return len(flag) > 2 and flag[0] == "-" and flag[1] != "-" and set(flag[1:]) <= set("itqwA")


def _targets(verb: str | None, args: list[str]) -> tuple[tuple[str | None, str], ...]:
    """The objects a verb's positional words name, as (kind, name); kind None when kubectl infers a pod."""
    if verb in ("get", "describe", "delete", "edit", "patch", "label", "annotate", "wait", "scale", "top", "expose"):
        out: list[tuple[str | None, str]] = []
        kinds: list[str] = []  # `pod,service web`: each of them
        for a in args:
            if "/" in a:
                k, _, name = a.partition("/")
                out.append((kind_of(k) or k, name))
            elif not kinds:
                kinds = [kind_of(k) or k for k in a.split(",") if k]
            elif verb in ("label", "annotate") and ("=" in a or a.endswith("-")):
                continue
            else:
                out.extend((kind, a) for kind in kinds)
        return tuple(out)
    if verb in ("set", "rollout") and len(args) >= 2:  # `set image deployment/web …`, `rollout status deploy web`
        rest = args[1:]
        first = rest[0]
        if "/" in first:
            k, _, name = first.partition("/")
            return ((kind_of(k) or k, name),)
        if len(rest) >= 2 and "=" not in rest[1]:
            return ((kind_of(first) or first, rest[1]),)
        return ()
    if verb == "autoscale" and args:
        first = args[0]
        if "/" in first:
            k, _, name = first.partition("/")
            return ((kind_of(k) or k, name),)
        return ((kind_of(first) or first, args[1]),) if len(args) >= 2 else ()
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


# --- kubectl syntax: the flags each verb accepts (kubectl 1.34) -------------------------------
# "--flag=" takes a value, "--flag" does not. Short forms are listed beside their long form.
# Only verbs listed here get their flags checked; for the others only the global ones are known.


def _table(spec: str) -> dict[str, bool]:
    return {w.rstrip("="): w.endswith("=") for w in spec.split()}


GLOBAL_FLAGS = _table(
    "--as= --as-group= --as-uid= --cache-dir= --certificate-authority= --client-certificate= --client-key= "
    "--cluster= --context= --kubeconfig= -n= --namespace= --request-timeout= -s= --server= --tls-server-name= "
    "--token= --user= -v= --v= --vmodule= --log-flush-frequency= --profile= --profile-output= "
    "--insecure-skip-tls-verify --match-server-version --warnings-as-errors --disable-compression -h --help"
)
_PRINT = "--allow-missing-template-keys -o= --output= --template= --show-managed-fields "
_FILES = "-f= --filename= -k= --kustomize= -R --recursive "
_DRY = "--dry-run --field-manager= "  # --dry-run, --validate, --cascade: value only with `=`
_SELECT = "-l= --selector= --field-selector= "
VERB_FLAGS: dict[str, dict[str, bool]] = {
    "get": _table(
        _PRINT + _FILES + _SELECT + "-A --all-namespaces --chunk-size= --ignore-not-found -L= --label-columns= "
        "--no-headers --output-watch-events --raw= --server-print --show-kind --show-labels --sort-by= "
        "--subresource= -w --watch --watch-only"
    ),
    "describe": _table(_FILES + _SELECT + "-A --all-namespaces --chunk-size= --show-events"),
    "create": _table(
        _PRINT + _FILES + _DRY + "--edit --raw= --save-config -l= --selector= --validate --windows-line-endings "
        # subcommands: configmap, secret, job, deployment, cronjob, service, quota, role(binding), ingress, pdb, token
        "--append-hash --from-env-file= --from-file= --from-literal= --type= --cert= --key= --docker-email= "
        "--docker-password= --docker-server= --docker-username= --from= --image= --port= -r= --replicas= "
        "--restart= --schedule= --tcp= --clusterip= --node-port= --external-name= --hard= --scopes= --verb= "
        "--resource= --resource-name= --clusterrole= --role= --serviceaccount= --group= --user= --annotation= "
        "--class= --default-backend= --rule= --max-unavailable= --min-available= --audience= --duration= "
        "--bound-object-kind= --bound-object-name= --bound-object-uid="
    ),
    "apply": _table(
        _PRINT + _FILES + _DRY + "--all --cascade --force --force-conflicts --grace-period= --openapi-patch "
        "--overwrite --prune --prune-allowlist= -l= --selector= --server-side --timeout= --validate --wait "
        "--subresource="
    ),
    "replace": _table(
        _PRINT + _FILES + _DRY + "--cascade --force --grace-period= --raw= --save-config --subresource= "
        "--timeout= --validate --wait"
    ),
    "delete": _table(
        _FILES + _SELECT + "--all -A --all-namespaces --cascade --dry-run --force --grace-period= "
        "--ignore-not-found -i --interactive --now -o= --output= --raw= --timeout= --wait"
    ),
    "logs": _table(
        "--all-containers --all-pods -c= --container= -f --follow --ignore-errors "
        "--insecure-skip-tls-verify-backend --limit-bytes= --max-log-requests= --pod-running-timeout= --prefix "
        "-p --previous -l= --selector= --since= --since-time= --tail= --timestamps"
    ),
    "exec": _table("-c= --container= -f= --filename= --pod-running-timeout= -q --quiet -i --stdin -t --tty"),
    "attach": _table("-c= --container= --pod-running-timeout= -q --quiet -i --stdin -t --tty"),
    "run": _table(
        _PRINT + _DRY + "--annotations= --attach --command --env= --expose --image= --image-pull-policy= "
        "-l= --labels= --leave-stdin-open --override-type= --overrides= --pod-running-timeout= --port= "
        "--privileged -q --quiet --restart= --rm --save-config -i --stdin -t --tty --cascade --force "
        "--grace-period= --timeout= --wait"
    ),
    "wait": _table(_PRINT + _FILES + _SELECT + "--all -A --all-namespaces --for= --local --timeout="),
    "cp": _table("-c= --container= --no-preserve --retries="),
    "port-forward": _table("--address= --pod-running-timeout="),
    "scale": _table(
        _PRINT + _FILES + _DRY + "--all --current-replicas= --replicas= --resource-version= -l= --selector= --timeout="
    ),
    "label": _table(
        _PRINT + _FILES + _DRY + _SELECT + "--all -A --all-namespaces --list --local --overwrite --resource-version="
    ),
    "annotate": _table(
        _PRINT + _FILES + _DRY + _SELECT + "--all -A --all-namespaces --list --local --overwrite --resource-version="
    ),
    "edit": _table(
        _PRINT + _FILES + "--field-manager= --output-patch --save-config --subresource= --validate --windows-line-endings"
    ),
    "patch": _table(_PRINT + _FILES + _DRY + "--local -p= --patch= --patch-file= --subresource= --type="),
    "top": _table(
        _SELECT + "-A --all-namespaces --containers --no-headers --sort-by= --sum --use-protocol-buffers --show-capacity"
    ),
    "explain": _table("--api-version= --output= -o= --recursive"),
    "expose": _table(
        _PRINT + _FILES + _DRY + "--cluster-ip= --external-ip= --labels= -l= --load-balancer-ip= --name= "
        "--override-type= --overrides= --port= --protocol= --save-config --selector= --session-affinity= "
        "--target-port= --type="
    ),
    "autoscale": _table(_PRINT + _FILES + _DRY + "--cpu-percent= --cpu= --memory= --max= --min= --name= --save-config"),
    "cordon": _table(_DRY + "-l= --selector="),
    "uncordon": _table(_DRY + "-l= --selector="),
    "drain": _table(
        _DRY + "--chunk-size= --delete-emptydir-data --disable-eviction --force --grace-period= --ignore-daemonsets "
        "--pod-selector= -l= --selector= --skip-wait-for-delete-timeout= --timeout="
    ),
    "taint": _table(_PRINT + _DRY + "--all --overwrite -l= --selector= --validate"),
}
# verbs with subcommands or free-form arguments: only global flags are known, others are not flagged
UNCHECKED_VERBS = {
    "config",
    "auth",
    "rollout",
    "certificate",
    "plugin",
    "alpha",
    "set",
    "debug",
    "diff",
    "events",
    "kustomize",
    "completion",
    "api-resources",
    "api-versions",
    "cluster-info",
    "version",
    "proxy",
    "help",
    "options",
}


def prints_nothing_now(call: KubectlCall) -> str | None:
    """Why this command reads a field current Kubernetes leaves empty, or None: a ServiceAccount's `.secrets` (no
    token Secret is made for it since 1.24), so `-o jsonpath='{.secrets[0].name}'` prints nothing and whatever uses
    it gets an empty name."""
    if call.verb != "get" or not call.args:
        return None
    output = call.flag("-o", "--output") or ""
    kinds = {kind_of(word) for word in call.args[0].split("/", 1)[0].split(",")}
    if "ServiceAccount" in kinds and "jsonpath" in output and ".secrets" in output:
        return (
            "a ServiceAccount has no token Secret since Kubernetes 1.24, so its `.secrets` is empty and this prints "
            "nothing (a token is made with `kubectl create token NAME`)"
        )
    return None


def refusal(call: KubectlCall) -> str | None:
    """Why kubectl (v1.34) refuses this command as written, whatever the cluster holds; None when it does not.

    Only what the syntax decides: a flag the verb does not have (`run --generator`, removed in 1.18),
    `exec POD COMMAND` without `--` (removed in 1.21), `delete TYPE` with neither a name nor a selector, names and a
    selector together (`get pod/backend --selector=bar=foo`).
    """
    verb = call.verb
    if verb is not None and not known_verb(verb) and verb.isalpha():
        near = difflib.get_close_matches(verb, sorted(VERBS), n=1, cutoff=0.85)  # not `konfig`, a plugin
        if near:  # kubectl looks for a plugin `kubectl-decribe`, finds none, and suggests the verb
            return f'unknown command "{verb}" for "kubectl": did you mean {near[0]}?'
    if verb is None or verb_flags(verb, call.args[0] if call.args else None) is None:
        return None
    if verb in TYPE_FIRST_VERBS and call.args:
        for word in call.args[0].split("/", 1)[0].split(","):
            slip = misspelled_type(word)
            if slip:
                return f'the server doesn\'t have a resource type "{word}" (a slip for `{slip}`?)'
    if call.bad_flags:
        return f"`kubectl {verb}` has no flag {call.bad_flags[0]}"
    if verb == "exec" and len(call.args) >= 2 and not call.after_dash:
        return f"`kubectl exec POD COMMAND` is not supported: kubectl wants `kubectl exec {call.args[0]} -- {call.args[1]}`"
    selected = call.has("-l", "--selector", "--all", "-f", "--filename", "-k", "--kustomize", "--field-selector")
    if verb == "delete" and len(call.args) == 1 and "/" not in call.args[0] and not selected:
        return f"`kubectl delete {call.args[0]}` names a resource type but no object (kubectl: no name was specified)"
    named = [name for _, name in call.targets if name]
    if verb in _BY_NAME_OR_SELECTOR and named and call.has("-l", "--selector"):
        return f"`kubectl {verb}` takes object names or a selector, not both (kubectl: name cannot be provided when a selector is specified)"
    return None


# verbs whose first word names resource types (`get pods,svc`, `describe deploy/web`)
TYPE_FIRST_VERBS = frozenset({"get", "describe", "delete", "edit", "patch", "label", "annotate", "wait", "scale", "explain"})


def misspelled_type(word: str) -> str | None:
    """The built-in resource type a word is a slip for (`deployemnt` -> deployment, `secert` -> secret: one edit, two in
    a long word): no cluster serves that word (a CRD's resource is named on purpose: `ingressroutes` is no slip for
    `ingresses`), so kubectl fails whatever the cluster holds."""
    word = word.lower()
    if not word.isalpha() or len(word) < 5 or kind_of(word) is not None:
        return None
    if (word.endswith("s") and kind_of(word[:-1]) is not None) or kind_of(word + "s") is not None:
        return None  # a plural or singular kubectl's discovery also accepts
    limit = 2 if len(word) >= 10 else 1
    best = min(((osa_distance(word, a), a) for a in _ALIAS if "." not in a and len(a) >= 5), default=None)
    return best[1] if best is not None and best[0] <= limit else None


def ignored_words(call: KubectlCall) -> str | None:
    """Words kubectl (v1.34) takes without a word and without using them: `kubectl exec -it web n production -- sh`
    runs in `web` of the current namespace, and `n production` (a flag that lost its dash?) is dropped."""
    if call.verb == "exec" and call.after_dash and len(call.args) >= 2:
        return f"kubectl ignores `{' '.join(call.args[1:])}` between the pod and `--` (a flag without its dash?)"
    return None


# verbs whose objects are found by name or by label selector, never by both (kubectl's resource builder refuses)
_BY_NAME_OR_SELECTOR = frozenset({"get", "describe", "delete", "label", "annotate"})


def verb_flags(verb: str | None, subcommand: str | None = None) -> dict[str, bool] | None:
    """The flags `kubectl VERB` accepts (flag -> takes a value), None when the verb is not in the table."""
    if verb is None:
        return None
    if verb == "apply" and subcommand in ("edit-last-applied", "set-last-applied", "view-last-applied"):
        return None
    return VERB_FLAGS.get(verb)


def known_verb(verb: str) -> bool:
    return verb in VERBS or verb in VERB_FLAGS or verb in UNCHECKED_VERBS
