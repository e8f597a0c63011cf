"""What a shell command reads and writes on the reader's machine: files, folders, variables, the working directory.

Read from the grammar's simple commands (`syntax/bash.py`): redirections,
here-documents, and the arguments of the programs tutorials use to fetch,
unpack, copy, edit and apply files. A file's name is kept relative to the
run's working directory as the reader's shell would resolve it after the
`cd`s before it; a path outside it (`/etc/hosts`, `~/repo/x.yaml`) stays as
written, so the planner can tell a prerequisite from a file the tutorial makes.

What a step makes and what it needs are decided here for the shell; the
`Effects` model puts this together with the objects, images and hosts of
every step.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from runner.syntax import bash, kubectl
from runner.syntax.k8s import READERS_NAMESPACE
from runner.syntax.shell import given_files

# the standard environment of a shell: never a step's input
ENVIRONMENT = frozenset(
    {
        "HOME",
        "PATH",
        "PWD",
        "OLDPWD",
        "SHELL",
        "USER",
        "LOGNAME",
        "HOSTNAME",
        "TERM",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "KUBECONFIG",
        "RANDOM",
        "SECONDS",
        "UID",
        "EUID",
        "PPID",
        "BASH_SOURCE",
        "BASH_VERSION",
        "IFS",
        "OSTYPE",
        "HOSTTYPE",
        "LINENO",
        "PS1",
        "REPLY",
        "PIPESTATUS",
    }
)
EDITORS = frozenset({"vi", "vim", "nvim", "nano", "emacs", "code", "gedit", "pico", "joe", "micro", "ed"})
READERS = frozenset(
    {
        "cat",
        "less",
        "more",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
        "base64",
        "md5sum",
        "sha256sum",
        "jq",
        "yq",
        "envsubst",
        "diff",
        "cmp",
    }
)
INTERPRETERS = frozenset({"bash", "sh", "zsh", "source", ".", "python", "python3", "Rscript", "node", "perl", "ruby"})
CLOUD_CLIS = {  # programs that make cloud infrastructure with the reader's account -> whose account
    "gcloud": "a Google Cloud account",
    "gsutil": "a Google Cloud account",
    "aws": "an AWS account",
    "eksctl": "an AWS account",
    "az": "an Azure account",
    "openstack": "an OpenStack account",
    "doctl": "a DigitalOcean account",
    "ibmcloud": "an IBM Cloud account",
    "oci": "an Oracle Cloud account",
    # infrastructure as code: its providers act with the reader's cloud account
    "terraform": "a cloud account (Terraform's providers)",
    "tofu": "a cloud account (OpenTofu's providers)",
    "pulumi": "a cloud account (Pulumi's providers)",
}
_NO_CLOUD_VERBS = frozenset({"--version", "version", "-version", "--help", "help", "-help", "fmt"})


@dataclass
class CommandIO:
    """What one step's command does on the reader's machine, in the order it does it."""

    reads: list[str] = field(default_factory=list)  # files and folders (`dir/`) it needs
    writes: list[str] = field(default_factory=list)  # files and folders it makes; `dir/*` for unknown contents of dir
    manifests: list[tuple[str, str]] = field(
        default_factory=list
    )  # (file, how) it gives kubectl (-f, -k) or runs: judged when missing
    folders: list[str] = field(default_factory=list)  # folders it enters (`cd repo`): judged when missing
    unknown_objects: bool = False  # it applies objects nobody can name here (a file the text does not show, a URL, helm)
    ports_used: list[str] = field(default_factory=list)  # local ports it connects to (`curl localhost:8080`)
    ports_opened: list[str] = field(default_factory=list)  # local ports it listens on (`kubectl port-forward … 8080:80`); `*` any
    defines: list[str] = field(default_factory=list)  # commands it defines for later ones (`alias k=kubectl`, functions)
    edits: list[str] = field(default_factory=list)  # files it changes in place (an editor, `sed -i`, `>>`): their last word
    uses_cwd: bool = False  # it names a file relative to the folder it runs in
    sets: list[str] = field(default_factory=list)  # variables it sets
    uses: list[str] = field(default_factory=list)  # variables it expands that it does not set itself
    cwd: str = ""  # the working directory after it (relative to the run's), "" for the run's own
    clouds: list[str] = field(default_factory=list)  # cloud CLIs that would make infrastructure (`gcloud compute …`)
    namespaces: list[tuple[str, str]] = field(default_factory=list)  # (namespace, kubectl verb) its kubectl calls name with -n
    nodes: list[str] = field(default_factory=list)  # nodes its kubectl calls name (`kubectl taint node X`)
    resources: list[str] = field(default_factory=list)  # resource types kubectl does not know built in (`kubectl get mpijob`)
    fetches: bool = False  # it brings files nobody can list here (a clone, an archive unpacked, a remote copy); not a download
    env_patterns: list[str] = field(default_factory=list)  # `printenv | grep POST`: the variables it lists, by name pattern


def command_io(text: str, cwd: str = "") -> CommandIO:
    """Read a command (one step's text) run in `cwd` (relative to the run's working directory)."""
    script = bash.parse(text)
    io = CommandIO(cwd=cwd)
    io.uses = [v for v in script.reads if v not in ENVIRONMENT]
    io.sets = list(script.assigned)
    io.defines = list(script.functions)
    for i, c in enumerate(script.commands):
        if not c.runs:
            continue
        for r in c.redirects:
            if r.writes and r.target != "/dev/null":
                io.writes.append(_path(r.target, io.cwd))
                if r.op in (">>", "&>>"):
                    io.edits.append(_path(r.target, io.cwd))
            elif r.reads:
                io.reads.append(_path(r.target, io.cwd))
            if (r.writes or r.reads) and r.target != "/dev/null" and not r.target.startswith(("/", "~", "$")):
                io.uses_cwd = True
        if c.words:
            _program(c, io, script.input_file(i))
    if bash.starts_background(text):  # `kubectl port-forward … &`: `$!` is its process id from here on
        io.sets.append(bash.LAST_JOB)
    elif bash.last_job_expansions(text):  # `PF_PID=$!`: the process an earlier step started in the background
        io.uses.append(bash.LAST_JOB)
    io.env_patterns = _listed_variables(script)
    io.uses += [w for c in script.commands if c.runs and c.name == "printenv" for w in c.words[1:] if _NAME.fullmatch(w)]
    io.reads = _unique(io.reads)
    io.writes = _unique(io.writes)
    return io


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _listed_variables(script: bash.Script) -> list[str]:
    """`printenv | grep POST*`, `env | grep -i db_`: the environment filtered by a pattern (what it shows is whatever
    earlier steps set whose names match)."""
    out = []
    for i, c in enumerate(script.commands):
        source = script.input_of(i)
        if not c.runs or c.name != "grep" or source is None or source.name not in ("printenv", "env") or source.words[1:]:
            continue
        pattern = next((w for w in c.words[1:] if not w.startswith("-")), None)
        if pattern:
            out.append(("(?i)" if any(w in ("-i", "--ignore-case") for w in c.words[1:]) else "") + pattern)
    return out


# options that take the next word as their value, by program: `grep -A 10 pattern`, `head -n 5 f`, `jq --arg k v`
_VALUED = {
    "grep": frozenset({"-A", "-B", "-C", "-m", "-e", "-f", "-d", "-D", "--max-count", "--regexp", "--file", "--context"}),
    "head": frozenset({"-n", "-c", "--lines", "--bytes"}),
    "tail": frozenset({"-n", "-c", "--lines", "--bytes", "-s", "--sleep-interval", "--pid"}),
    "sort": frozenset({"-k", "-t", "-o", "-S", "-T", "--key", "--field-separator", "--output"}),
    "uniq": frozenset({"-f", "-s", "-w"}),
    "base64": frozenset({"-w", "--wrap"}),
    "jq": frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile", "--indent", "-L"}),
    "diff": frozenset({"-U", "-C", "--label"}),
}
_TWO_VALUES = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})  # jq's name and value


def operands(prog: str, args: list[str]) -> list[str]:
    """The words of a command that are not options nor option values: its files (and a pattern, for grep)."""
    valued = _VALUED.get(prog, frozenset())
    out: list[str] = []
    skip = 0
    for a in args:
        if skip:
            skip -= 1
        elif a.startswith("-"):
            skip = (2 if a in _TWO_VALUES else 1) if a in valued else 0
        else:
            out.append(a)
    return out


# programs that run the command after them (`nohup ./setup.sh &`, `env A=1 ./setup.sh`, `timeout 30 kubectl …`)
_WRAPPERS = frozenset({"nohup", "time", "nice", "env", "sudo", "timeout", "stdbuf", "command", "exec"})


def unwrapped(words: list[str]) -> list[str]:
    """The command a wrapper runs, with the wrapper's own options, assignments and duration taken off."""
    while words and posixpath.basename(words[0]) in _WRAPPERS:
        wrapper, words = posixpath.basename(words[0]), words[1:]
        while words and (words[0].startswith("-") or (wrapper == "env" and "=" in words[0])):
            takes_value = words[0] in ("-u", "-n", "-g", "-k", "-s", "-o", "-e", "-i") and wrapper in (
                "sudo",
                "nice",
                "timeout",
                "stdbuf",
            )
            words = words[2:] if takes_value and words[0] != "-i" else words[1:]
        if wrapper == "timeout" and words:
            words = words[1:]  # the duration
    return words


def _program(c: bash.SimpleCommand, io: CommandIO, stdin: str | None = None) -> None:
    """What one simple command reads and writes; `stdin` is the file piped into it (`envsubst < f.yaml | kubectl …`)."""
    words = unwrapped(list(c.words))
    if not words:
        return
    prog, args = posixpath.basename(words[0]), words[1:]
    plain = operands(prog, args)
    here = io.cwd

    def add(target: list[str], *names: str) -> None:
        for n in names:
            if n and "://" not in n:
                target.append(_path(n, here))
                io.uses_cwd = io.uses_cwd or not n.startswith(("/", "~", "$"))

    if prog == "cd":
        io.cwd = _cd(plain[0] if plain else "~", here)
        if plain and plain[0] not in ("-", "..", "~", "$HOME", "${HOME}") and "$" not in plain[0]:
            io.folders.append(_path(plain[0].rstrip("/") + "/", here))
            # `cd integration-tests`: relative to where the reader is (a folder an earlier `cd` entered)
            io.uses_cwd = io.uses_cwd or not plain[0].startswith(("/", "~"))
    elif prog == "alias":
        io.defines.extend(w.split("=", 1)[0] for w in args if "=" in w)
    elif prog in ("mkdir",):
        add(io.writes, *(p.rstrip("/") + "/" for p in plain))
    elif prog in ("touch",) or prog in EDITORS or prog == "tee":
        add(io.writes, *plain)
        if prog in EDITORS or (prog == "tee" and ("-a" in args or "--append" in args)):
            io.edits.extend(_path(p, here) for p in plain)
    elif prog in ("cp", "mv", "rsync", "scp") and len(plain) >= 2:
        io.fetches = io.fetches or any(":" in p for p in plain[:-1])
        add(io.reads, *[p for p in plain[:-1] if ":" not in p])
        dest = plain[-1]
        if ":" not in dest:
            add(io.writes, dest)
            # into a folder (`cp a.yaml b.yaml manifests/`, `cp -r app backup`), unless the destination is plainly one
            # file copied from one file (`cp 02-alpine.yaml 09-emptydir.yaml`: a name with the source's extension)
            one_file = (
                len(plain) == 2 and not dest.endswith("/") and _extension(dest) and _extension(dest) == _extension(plain[0])
            )
            if not one_file:
                add(io.writes, *(posixpath.join(dest, posixpath.basename(p.rstrip("/"))) for p in plain[:-1]))
    elif prog in ("curl", "wget"):
        _download(prog, args, io, here)
    elif prog == "git" and len(plain) >= 2 and plain[0] == "clone":
        io.fetches = True
        url = plain[1]
        dest = plain[2] if len(plain) > 2 else posixpath.basename(url.rstrip("/")).removesuffix(".git")
        add(io.writes, dest.rstrip("/") + "/")
    elif prog in ("gunzip", "unxz", "bunzip2", "unzstd") or (prog in ("gzip", "xz", "bzip2", "zstd") and "-d" in args):
        for p in plain:
            add(io.reads, p)
            add(io.writes, p.rsplit(".", 1)[0])
    elif prog == "tar":
        archive = flag_value(args, ("-f", "--file")) or next((a for a in args[1:] if not a.startswith("-")), None)
        flags = args[0] if args else ""
        into = flag_value(args, ("-C", "--directory")) or ""
        if archive and ("x" in flags.lstrip("-") or "--extract" in args or "-x" in args):
            io.fetches = True
            add(io.reads, archive)
            add(io.writes, posixpath.join(into, "*") if into else "*")
        elif archive and ("c" in flags.lstrip("-") or "--create" in args):
            add(io.writes, archive)
    elif prog == "unzip":
        into = flag_value(args, ("-d",)) or ""
        archive = next((a for a in plain if a != into), None)
        if archive:
            add(io.reads, archive)
        io.fetches = True
        add(io.writes, posixpath.join(into, "*") if into else "*")
    elif prog == "rm" and not any(a == "--force" or (a.startswith("-") and not a.startswith("--") and "f" in a) for a in args):
        add(io.reads, *plain)  # without -f, rm fails on a file that is not there: it needs each one
    elif prog in ("chmod", "chown") and len(plain) >= 2:
        add(io.reads, *plain[1:])
    elif prog in READERS:
        add(io.reads, *(p for p in plain if prog not in ("jq", "yq") or p is not plain[0]))
    elif prog == "grep" and plain:
        given = any(a in ("-e", "-f", "--regexp", "--file") or a.startswith(("--regexp=", "--file=")) for a in args)
        add(io.reads, *(plain if given else plain[1:]))  # the first operand is the pattern, unless -e or -f gave it
        add(io.reads, *_flag_values(args, ("-f", "--file")))
    elif prog in INTERPRETERS and plain and "-c" not in args and "-m" not in args:
        if prog not in ("python", "python3") or plain[0].endswith(".py"):
            io.manifests.append((_path(plain[0], here), prog))
    elif prog == "go" and len(plain) >= 2 and plain[0] == "run" and plain[1].endswith(".go"):
        io.manifests.append((_path(plain[1], here), "go run"))
    elif prog.startswith(("./", "../")) or words[0].startswith(("./", "../")):
        io.manifests.append((_path(words[0], here), "runs"))  # a program of the tutorial's: judged when nothing makes it
        io.uses_cwd = True
    elif prog in ("kubectl", "oc"):
        _kubectl(words, io, here, stdin)
    elif prog in ("helm",) and len(plain) >= 3 and plain[0] in ("install", "upgrade", "template"):
        io.unknown_objects = io.unknown_objects or plain[0] != "template"
        chart = plain[2]
        if chart.startswith(("./", "../", "/")) or chart in (".",):
            add(io.reads, chart.rstrip("/") + "/")
        for v in _flag_values(args, ("-f", "--values")):
            add(io.reads, v)
    elif prog in ("docker", "podman", "nerdctl") and plain[:1] == ["login"]:
        io.writes.append("~/.docker/config.json")  # where the registry credentials go
    elif prog == "make" and "-f" not in args and "-C" not in args:
        io.manifests.append((_path("Makefile", here), "make"))
        io.uses_cwd = True
    elif prog == "sed" and any(a == "-i" or a.startswith(("-i", "--in-place")) for a in args) and len(plain) >= 2:
        add(io.reads, *plain[1:])
        add(io.writes, *plain[1:])
        io.edits.extend(_path(p, here) for p in plain[1:])
    elif prog == "ssh-keygen":
        out = flag_value(args, ("-f",))
        if out:
            add(io.writes, out, out + ".pub")
    elif prog == "openssl":
        add(io.writes, *_flag_values(args, ("-out", "-keyout")))
        add(io.reads, *_flag_values(args, ("-in", "-key", "-CA", "-CAkey")))
    if prog in CLOUD_CLIS and not (set(args[:1]) & _NO_CLOUD_VERBS):
        io.clouds.append(prog)
    if prog in ("curl", "wget", "http", "nc", "telnet"):
        io.ports_used.extend(_local_ports(words))
    if prog == "minikube" and plain[:1] in (["service"], ["tunnel"], ["dashboard"]):
        io.ports_opened.append("*")
    if prog in ("python", "python3") and "http.server" in args:
        io.ports_opened.append(next((a for a in args if a.isdigit()), "8000"))


_REMOTE_KUSTOMIZATION = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^/]+/", re.I)


def remote_kustomization(target: str) -> bool:
    """`github.com/kubeflow/training-operator.git/manifests/overlays/standalone?ref=v1.8.1`: a repository kustomize
    fetches (its first segment is a host), not a folder here."""
    return "://" not in target and bool(_REMOTE_KUSTOMIZATION.match(target))


# kubectl's own usage notation (`kubectl apply -f FILE`, `kubectl logs POD [-c CONTAINER]`): words that stand for a
# value; a Kubernetes name is never upper-case, so such a word as an argument is a synopsis, not a command to run
METAVARIABLES = frozenset(
    {"FILE", "FILENAME", "NAME", "TYPE", "POD", "PODNAME", "POD_NAME", "CONTAINER", "COMMAND", "RESOURCE", "NAMESPACE",
     "NODE", "NODE_NAME", "IMAGE", "KEY", "VALUE", "SELECTOR", "DIRECTORY", "LOCAL_PORT", "REMOTE_PORT", "PORT", "URL",
     "DEPLOYMENT", "SERVICE", "LABEL", "ARGS", "ARG", "CMD", "TYPE/NAME", "NAME_PREFIX", "SOURCE", "DEST"}
)  # fmt: skip


KUBECONFIG_VIA = "kubectl --kubeconfig"  # how a step uses the reader's kubeconfig file
# `kubectl config` verbs that write the kubeconfig they are given, making the file when it is not there
_CONFIG_WRITES = frozenset({"set-cluster", "set-credentials", "set-context", "set", "unset", "use-context", "rename-context"})


def _kubectl(words: list[str], io: CommandIO, here: str, stdin: str | None = None) -> None:
    call = kubectl.parse(words)
    if call is None:
        return
    ns = call.flag("-n", "--namespace")
    if ns and ns != READERS_NAMESPACE:  # `-n default` is the reader's own namespace, the run's (as in manifests)
        io.namespaces.append((ns, f"kubectl {call.verb}"))
    how = f"kubectl {call.verb}"
    config = call.flag("--kubeconfig")
    if config and "$" not in config and call.verb == "config" and call.args[:1] and call.args[0] in _CONFIG_WRITES:
        # `kubectl config set-cluster x --kubeconfig=sa-config.yaml`: writes that file (kubectl makes it when missing)
        io.writes.append(_path(config, here))
    elif config and "$" not in config:  # the reader's own credentials file: theirs, never the tutorial's
        io.manifests.append((_path(config, here), KUBECONFIG_VIA))
    for f in given_files(call.files, stdin):  # `envsubst < f.yaml | kubectl apply -f -` gives kubectl f.yaml
        if f in METAVARIABLES:  # `kubectl apply -f FILE`: kubectl's usage notation, no file
            continue
        if f in (".", "./") and not here:  # `kubectl apply -f .`: the working folder itself, which is always there
            io.uses_cwd = True
            if call.verb in ("create", "apply", "replace"):
                io.unknown_objects = True  # (whatever files it holds: objects no one names here)
            continue
        if f != "-" and "://" not in f:
            io.manifests.append((_path(f, here), how))
            io.uses_cwd = io.uses_cwd or not f.startswith(("/", "~", "$"))
        elif "://" in f and call.verb in ("create", "apply", "replace"):
            io.unknown_objects = True
    if call.verb == "kustomize" and call.args and "://" not in call.args[0]:  # `kubectl kustomize base`: reads that folder
        io.manifests.append((_path(call.args[0].rstrip("/") + "/", here), how))
    kustomize = call.flag("-k", "--kustomize")
    if kustomize and remote_kustomization(kustomize):
        kustomize = "https://" + kustomize  # `github.com/org/repo/path?ref=v1`: kustomize fetches it, no scheme needed
    if kustomize and "://" not in kustomize:
        io.manifests.append((_path(kustomize.rstrip("/") + "/", here), how))
    if kustomize and call.verb in ("create", "apply", "replace"):
        io.unknown_objects = True
    if call.verb == "port-forward":
        for spec in call.args[1:]:
            local = spec.split(":", 1)[0] if ":" in spec else spec
            if local.isdigit():
                io.ports_opened.append(local)
            elif spec.startswith(":"):
                io.ports_opened.append("*")
    if call.verb == "proxy":
        io.ports_opened.append(call.flag("--port", "-p") or "8001")
    for key, value in call.flags:
        if key in ("--from-file", "--from-env-file") and value:
            src = value.split("=", 1)[1] if "=" in value and key == "--from-file" else value
            io.reads.append(_path(src, here))
        elif key in ("--cert", "--key") and value and call.verb == "create":  # `create secret tls --cert c.crt --key k.key`
            io.reads.append(_path(value, here))
    if call.verb == "cp" and len(call.args) >= 2:
        src, dest = call.args[0], call.args[1]
        if ":" in src and ":" not in dest:
            io.writes.append(_path(dest, here))
        elif ":" not in src:
            io.reads.append(_path(src, here))
    io.nodes.extend(_nodes(call))
    if call.verb in _TYPED_VERBS and call.args:
        typed = call.args[0].split("/", 1)[0]
        if call.verb == "explain":  # `kubectl explain pod.spec.containers.livenessProbe`: a field path of a type
            typed = typed.split(".", 1)[0]
        for word in typed.split(","):
            if word and word.lower() in _CATEGORIES:
                continue  # `kubectl get all`: a category of types, not a type the cluster must serve
            if word and kubectl.kind_of(word) is None and word.isascii() and word.replace("-", "").replace(".", "").isalnum():
                io.resources.append(word.lower())


_CATEGORIES = frozenset({"all", "api-extensions"})  # built-in resource categories kubectl expands
_TYPED_VERBS = frozenset({"get", "describe", "delete", "edit", "patch", "label", "annotate", "wait", "scale", "explain"})


def _nodes(call: kubectl.KubectlCall) -> list[str]:
    """The nodes a kubectl call names: `taint node X`, `label nodes/X`, `cordon X`, `describe node X`."""
    args = list(call.args)
    if call.verb in ("cordon", "uncordon", "drain"):
        return [a for a in args if not a.startswith("node/")] + [a[5:] for a in args if a.startswith("node/")]
    if not args:
        return []
    first = args[0]
    if kubectl.kind_of(first.partition("/")[0]) != "Node":
        return []
    if "/" in first:
        return [first.partition("/")[2]]
    if call.verb in ("taint", "label", "annotate"):
        return args[1:2]  # the rest are the taint or label
    return args[1:]


_LOCAL_URL = re.compile(r"^(?:[a-z]+://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::([0-9]+))?(?:[/?#]|$)", re.I)


def _local_ports(words: list[str]) -> list[str]:
    """Ports on this machine a client connects to: `curl localhost:8080/x`, `curl http://127.0.0.1` (80)."""
    out = []
    for w in words[1:]:
        m = _LOCAL_URL.match(w)
        if m:
            out.append(m.group(1) or ("443" if w.lower().startswith("https") else "80"))
    return out


def _download(prog: str, args: list[str], io: CommandIO, here: str) -> None:
    urls = [a for a in args if "://" in a]
    out = flag_value(args, ("-o", "--output")) if prog == "curl" else flag_value(args, ("-O", "--output-document"))
    if out and out != "-":
        io.writes.append(_path(out, here))
        return
    remote_name = (
        prog == "wget" or "--remote-name" in args or any(a.startswith("-") and not a.startswith("--") and "O" in a for a in args)
    )
    if remote_name:
        folder = flag_value(args, ("-P", "--directory-prefix")) if prog == "wget" else None
        for url in urls:
            name = posixpath.basename(url.split("?")[0].split("#")[0].rstrip("/"))
            if name:
                io.writes.append(_path(posixpath.join(folder, name) if folder else name, here))


def flag_value(args: list[str], names: tuple[str, ...]) -> str | None:
    values = _flag_values(args, names)
    return values[0] if values else None


def _flag_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    out = []
    for i, a in enumerate(args):
        key, eq, value = a.partition("=")
        if key in names:
            if eq:
                out.append(value)
            elif i + 1 < len(args):
                out.append(args[i + 1])
    return out


def _cd(target: str, here: str) -> str:
    if target in ("~", "$HOME", "${HOME}", "-") or target.startswith(("/", "~", "$")):
        return "" if target in ("~", "$HOME", "${HOME}", "-") else target  # an absolute place: outside the working dir
    return _path(target, here).rstrip("/")


def _path(name: str, cwd: str) -> str:
    """A file argument as the run's working directory sees it: `./x` is `x`; relative to `cwd`; outside stays as written."""
    if not name:
        return name
    for home in ("$HOME/", "${HOME}/"):
        if name.startswith(home):
            name = "~/" + name[len(home) :]
    folder = name.endswith("/")
    if name.startswith(("/", "~", "$")) or cwd.startswith(("/", "~", "$")):
        joined = name if name.startswith(("/", "~", "$")) else posixpath.join(cwd, name)
        return joined
    norm = posixpath.normpath(posixpath.join(cwd, name)) if cwd else posixpath.normpath(name)
    if norm == ".":
        return ""
    return norm + ("/" if folder and not norm.endswith("/") else "")


def outside(path: str) -> bool:
    """A path outside the run's working directory (the reader's home, the system, a parent folder)."""
    return path.startswith(("/", "~", "$", "../")) or path == ".."


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


# programs whose exit status 1 is an answer, not an error: "no" (`kubectl auth can-i`), "they differ" (`diff`, `cmp`),
# "false" (`test`, `[`)
_ANSWERS = {("kubectl", "auth", "can-i"): "not allowed", ("diff",): "they differ", ("cmp",): "they differ",
            ("test",): "false", ("[",): "false", ("[[",): "false"}  # fmt: skip


def answers_no(text: str) -> str | None:
    """What exit status 1 of this command means when its last command asks a question (`kubectl auth can-i …`:
    "not allowed"); None when 1 is a failure like any other."""
    script = bash.parse(text)
    last = next((c for c in reversed(script.commands) if c.runs and c.words and not c.context), None)
    if last is None:
        return None
    words = tuple(posixpath.basename(w) if i == 0 else w for i, w in enumerate(last.words))
    plain = (words[0], *(w for w in words[1:] if not w.startswith("-")))
    for prefix, meaning in _ANSWERS.items():
        if plain[: len(prefix)] == prefix:
            return meaning
    return None


def _extension(name: str) -> str:
    """`pod.yaml` -> `.yaml`; `backup`, `dir/` -> ``."""
    return posixpath.splitext(posixpath.basename(name.rstrip("/")))[1].lower()
