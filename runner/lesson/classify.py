"""What a single code block is, judged from its fence language and its content.

Context (the prose around it, whether the reader is inside a pod) is the
parser's business; this module answers block-local questions: is this YAML a
complete Kubernetes object, a fragment or a CI workflow; is this text a shell
session or command output; does this command need a person at a terminal.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from runner.lesson.machines import CLUSTER_CLIENTS
from runner.syntax import bash, kubectl
from runner.syntax.bash import SHELLS
from runner.syntax.shell import has_prompts, segments
from runner.syntax.yaml import YamlResult, read_yaml

YAML_LANGS = {"yaml", "yml", "k8s", "kubernetes"}
SHELL_LANGS = {"bash", "sh", "shell", "console", "zsh", "shell-session", "shellsession", "terminal", "cmd"}
TRANSCRIPT_LANGS = {"console", "shell-session", "shellsession", "terminal"}  # a session as typed and printed, with prompts
TEXT_LANGS = {"", "txt", "text", "plain", "plaintext", "none", "output", "log"}
# fences that say their text is what a program printed: never commands, whatever they look like
OUTPUT_LANGS = {"output", "log", "out", "stdout", "stderr", "result", "results", "console-output", "terminal-output"}
DOCKER_LANGS = {"dockerfile", "docker", "containerfile"}
DIFF_LANGS = {"diff", "patch", "udiff"}  # a change to a file, shown: never applied as it stands

KNOWN_COMMANDS = {
    "kubectl",
    "oc",
    "helm",
    "kustomize",
    "kind",
    "minikube",
    "cd",
    "ls",
    "ll",
    "df",
    "du",
    "cat",
    "echo",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "touch",
    "chmod",
    "chown",
    "ln",
    "git",
    "python",
    "python3",
    "pip",
    "pip3",
    "conda",
    "mamba",
    "wget",
    "curl",
    "tar",
    "unzip",
    "zip",
    "gzip",
    "gunzip",
    "source",
    ".",
    "export",
    "unset",
    "nvidia-smi",
    "sleep",
    "date",
    "env",
    "printenv",
    "grep",
    "egrep",
    "sed",
    "awk",
    "head",
    "tail",
    "wc",
    "find",
    "which",
    "whoami",
    "hostname",
    "id",
    "ps",
    "top",
    "htop",
    "free",
    "uname",
    "mount",
    "umount",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "apk",
    "screen",
    "tmux",
    "vi",
    "vim",
    "nano",
    "emacs",
    "ssh",
    "scp",
    "rsync",
    "rclone",
    "make",
    "cmake",
    "gcc",
    "g++",
    "go",
    "docker",
    "podman",
    "sh",
    "bash",
    "zsh",
    "true",
    "false",
    "test",
    "printf",
    "kill",
    "pkill",
    "nproc",
    "lscpu",
    "jupyter",
    "aws",
    "s3cmd",
    "mc",
    "time",
    "nohup",
    "exit",
    "set",
    "for",
    "while",
    "if",
    "base64",
    "openssl",
    "jq",
    "yq",
    "tee",
    "xargs",
    "sort",
    "uniq",
    "diff",
    "stat",
    "file",
    "less",
    "more",
    "tree",
    "pwd",
    "watch",
    "module",
    "srun",
    "sbatch",
    "squeue",
    "ping",
    "nslookup",
    "dig",
    "ip",
    "ifconfig",
    "nc",
    "telnet",
    "java",
    "node",
    "npm",
    "R",
    "Rscript",
    "julia",
    "mpirun",
    "torchrun",
    "accelerate",
    "sudo",
    "history",
    "clear",
    "alias",
    "gsutil",
    "az",
    "gcloud",
    "eksctl",
    "k9s",
    "stern",
    "openstack",
    "lsblk",
    "blkid",
    "dd",
    "fio",
    "md5sum",
    "sha256sum",
    "xz",
    "bzip2",
    "unxz",
    "rpm",
    "dpkg",
    "ldd",
    "strace",
    "install",
    "systemctl",
    "journalctl",
    "crictl",
    "ctr",
}

INTERACTIVE_PROGRAMS = {
    "screen": "starts a terminal multiplexer session",
    "tmux": "starts a terminal multiplexer session",
    "vi": "opens an editor",
    "vim": "opens an editor",
    "nano": "opens an editor",
    "emacs": "opens an editor",
    "less": "opens a pager",
    "more": "opens a pager",
    "top": "shows a live screen until stopped",
    "htop": "shows a live screen until stopped",
    "watch": "repeats until stopped",
    "k9s": "opens a terminal UI",
    "jupyter": "starts a server that runs until stopped",
}
# programs with a prompt of their own: what is typed after starting one goes to it, not to a shell
REPLS = {
    "python",
    "python3",
    "ipython",
    "R",
    "julia",
    "node",
    "irb",
    "psql",
    "mysql",
    "mariadb",
    "redis-cli",
    "mongo",
    "mongosh",
    "sqlite3",
    "cqlsh",
    "ghci",
    "spark-shell",
    "pyspark",
    "beeline",
}


def yaml_kind(result: YamlResult) -> tuple[str, str | None]:
    """("manifest" | "fragment" | "other", reason) for a parsed YAML block."""
    docs = [d for d in result.documents if d is not None]
    if not docs:
        return "fragment", "empty YAML"
    if result.objects and len(result.objects) == len(docs):
        if any(isinstance(d, dict) and "spec" in d and d["spec"] is None for d in docs):
            # "Add these lines at the very top of the file": `kind`, `metadata`, then `spec:` with nothing under it,
            # which the following blocks fill in; no API server takes an object whose spec is written empty
            return "fragment", "the head of an object whose `spec:` is left empty (the text fills it in)"
        return "manifest", None
    first = docs[0]
    if isinstance(first, dict):
        keys = set(first.keys())
        if "jobs" in keys and ({"on", True} & keys):
            return "other", "CI workflow (GitHub Actions)"
        if "stages" in keys or ("script" in keys and "image" in keys):
            return "other", "CI configuration"
        if "services" in keys and isinstance(first.get("services"), dict):
            return "other", "Compose file"
        if isinstance(first.get("kind"), str) and isinstance(first.get("apiVersion"), str):
            return "fragment", "a Kubernetes object without metadata.name"
    if result.objects:
        return "fragment", "mixes complete objects with pieces of objects"
    return "fragment", "a piece of a Kubernetes object"


_ELISION = re.compile(r"(?m)^\s+(?:\.\.\.|…|#\s*\.\.\.)\s*$")


def elided_yaml(content: str) -> bool:
    """YAML with a line of `...` inside it (indented, or with more of the object after it): an object the text
    abbreviates, not one to apply."""
    if _ELISION.search(content):
        return True
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    return any(line in ("...", "…") for line in lines[:-1])


def only_the_top(content: str, documents: tuple[Any, ...]) -> bool:
    """ "Top of `pod.yaml`:" — an object cut after its metadata, ending in `...` (which YAML reads as the end of a
    document): nothing but its head is shown, so it is not one to apply."""
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if not lines or lines[-1] not in ("...", "…"):
        return False
    body = [d for d in documents if isinstance(d, dict)]
    return bool(body) and all(set(d) <= {"apiVersion", "kind", "metadata"} for d in body)


def looks_like_yaml_object(content: str) -> bool:
    return bool(re.search(r"(?m)^\s*apiVersion\s*:", content) and re.search(r"(?m)^\s*kind\s*:", content))


def looks_like_dockerfile(content: str) -> bool:
    first = next((l.strip() for l in content.splitlines() if l.strip() and not l.strip().startswith("#")), "")
    return bool(re.match(r"(?i)^FROM\s+\S+", first))


_HEREDOC_START = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PATH_ONLY = re.compile(r"^[~/.][\w./~-]*$")


def command_word(line: str) -> str:
    stripped = re.sub(r"^\s*(?:\$|#|%)\s+", "", line.strip())
    word = stripped.split()[0] if stripped.split() else ""
    return word


def looks_like_shell(content: str) -> bool:
    """True when every non-empty line starts like a command a reader would type."""
    lines = [l for l in content.splitlines() if l.strip() and not l.strip().startswith("#")]
    if not lines:
        return False
    if has_prompts(content):
        return True  # a console transcript, in any prompt's shape
    joined_continuation = False
    heredoc_end: str | None = None
    for line in lines:
        if heredoc_end is not None:  # the body of `<<EOF`: data for the command, not commands
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        if joined_continuation:
            joined_continuation = line.rstrip().endswith("\\")
            continue
        m = _HEREDOC_START.search(line)
        if m:
            heredoc_end = m.group(2)
        word = command_word(line)
        if word in ("kubectl", "oc") and (interactive_reason(segments(line)) or "").startswith("opens an interactive shell"):
            return True  # what follows `kubectl exec -it POD -- bash` is typed in the pod, whatever its programs
        if not (
            word in KNOWN_COMMANDS
            or _ASSIGN.match(word)
            or word.startswith(("./", "~/"))
            or (word.startswith("/") and ("/bin/" in word or line.strip() != word))
        ):
            return False
        joined_continuation = line.rstrip().endswith("\\")
    return True


def path_only(content: str) -> bool:
    """A block holding only a path ("try making changes to ```/tmp/hello.txt```")."""
    lines = [l.strip() for l in content.splitlines() if l.strip()]
    return len(lines) == 1 and bool(_PATH_ONLY.match(lines[0])) and "/bin/" not in lines[0]


def interactive_reason(segments: list[list[str]]) -> str | None:
    """Why a command needs a person at a terminal, or None."""
    for words in segments:
        if not words:
            continue
        prog = words[0]
        call = kubectl.parse(words)
        if call is not None:
            tty = call.has("-it", "-ti", "-t", "--tty") or (call.has("-i", "--stdin") and call.has("-t", "--tty"))
            if call.verb == "exec":
                inner = list(call.after_dash) or list(call.args[1:])
                target = call.targets[0][1] if call.targets else "a pod"
                if tty and opens_shell(inner):
                    return f"opens an interactive shell in {target}"
                if tty and inner and _repl(inner):
                    return f"opens `{_repl(inner)}` in {target}, which reads what is typed next"
                # `exec -it web -- cat /etc/hosts`: it prints and ends; without a terminal kubectl runs it all the same
                continue
            if call.verb == "run" and (tty or call.has("-i", "--stdin")):
                return "starts a pod with an interactive terminal"
            if call.verb == "debug" and tty:
                return "starts an interactive debugging container"
            if call.verb == "attach":
                return "attaches a terminal to a running container"
            if call.verb == "edit":
                return "opens an editor on the object"
            if call.verb == "port-forward":
                return "blocks while forwarding a port until stopped"
            if call.verb == "proxy":
                return "blocks while proxying until stopped"
            if call.has("-w", "--watch") or (call.verb == "logs" and call.has("-f", "--follow")):
                return "watches until stopped"
            continue
        if prog in INTERACTIVE_PROGRAMS:
            return INTERACTIVE_PROGRAMS[prog]
        if prog in ("ping", "ping6") and not any(w.startswith(("-c", "-w")) for w in words[1:]):
            return "pings until stopped (no `-c` count)"  # the reader stops it with Ctrl-C after a few replies
        if prog == "tail" and any(w in ("-f", "-F", "--follow") or w.startswith("--follow=") for w in words[1:]):
            return "follows the file until stopped"
        if _asks_subject(words):
            return "asks for the certificate's subject at a prompt (no -subj, -batch or -config)"
        if prog in SHELLS and len(words) == 1:
            return "starts an interactive shell"
        if _repl(words):
            return f"starts `{_repl(words)}`, which reads what is typed next"
        if prog == "ssh" and not any(not w.startswith("-") for w in words[2:]):
            return "opens a remote shell"
    return None


def _asks_subject(words: list[str]) -> bool:
    """`openssl req -new …` / `-x509` without `-subj`, `-batch` or `-config`: it prompts for each field of the name."""
    if words[0].rsplit("/", 1)[-1] != "openssl" or words[1:2] != ["req"]:
        return False
    given = {w.split("=", 1)[0] for w in words[2:]}
    return bool(given & {"-new", "-x509", "-newkey"}) and not given & {"-subj", "-batch", "-config"}


def endless_loop(command: str) -> str | None:
    """`while true; do …; done`, `while sleep 1; do curl …; done`: a loop only Ctrl-C ends."""
    if "while" not in command and "until" not in command:
        return None
    script = bash.parse(command)
    forever = any(c.context == "condition" and c.name in ("true", ":", "sleep") for c in script.commands)
    ends = any(c.name in ("break", "exit", "return") for c in script.commands)
    return "loops until stopped (Ctrl-C)" if forever and not ends else None


def _repl(words: list[str]) -> str | None:
    """The program whose own prompt these words start (`python3`, `python -i x.py`, `psql -U me`, `redis-cli`), or None."""
    prog = words[0].rsplit("/", 1)[-1] if words else ""
    if prog not in REPLS:
        return None
    rest = words[1:]
    if prog in ("python", "python3", "ipython", "R", "julia", "node", "irb", "ghci"):
        return prog if not rest or "-i" in rest else None  # `python x.py` runs a script
    if any(w in ("-c", "-e", "--command", "--execute", "-f", "--file") for w in rest):
        return None  # a query given on the command line: it runs and ends
    if prog == "redis-cli" and [w for w in rest if not w.startswith("-")][:1] and not any(w in ("-h", "-p") for w in rest[-2:-1]):
        return None  # `redis-cli PING`: one command
    return prog


def typed_into(segments: list[list[str]]) -> str | None:
    """The program (not a shell) that reads the lines typed after this interactive command, if any."""
    for words in segments:
        if not words:
            continue
        call = kubectl.parse(words)
        if call is not None and call.verb in ("exec", "run"):
            inner = list(call.after_dash) or (list(call.args[1:]) if call.verb == "exec" else [])
            if inner and _repl(inner):
                return _repl(inner)
            continue
        if _repl(words):
            return _repl(words)
    return None


def exec_container(segments: list[list[str]]) -> str | None:
    """The container `kubectl exec -it POD -c C -- sh` opens a shell in, if it names one."""
    for words in segments:
        call = kubectl.parse(words) if words else None
        if call is not None and call.verb == "exec":
            return call.flag("-c", "--container") or None
    return None


def exec_namespace(segments: list[list[str]]) -> str | None:
    """The namespace `kubectl exec -it POD -n NS -- sh` opens a shell in, if it names one (`default`: the run's own)."""
    for words in segments:
        call = kubectl.parse(words) if words else None
        if call is not None and call.verb == "exec":
            ns = call.flag("-n", "--namespace")
            return ns if ns and ns != "default" and "$" not in ns and "<" not in ns else None
    return None


def run_pod(segments: list[list[str]]) -> str | None:
    """The pod an interactive `kubectl run -it NAME …` starts and opens a shell in (no program, or a shell, after `--`)."""
    for words in segments:
        call = kubectl.parse(words)
        if call is None or call.verb != "run" or not call.args:
            continue
        inner = list(call.after_dash)
        if not inner or (len(inner) == 1 and inner[0] in SHELLS):
            return call.args[0]
    return None


_SSH_VALUE_FLAGS = frozenset("bcDEeFIiJLlmOoPpQRSWw")


def ssh_host(segments: list[list[str]]) -> str | None:
    """The host an interactive `ssh [options] [user@]host` logs into, or None."""
    for words in segments:
        if not words or words[0] != "ssh":
            continue
        skip = False
        for word in words[1:]:
            if skip:
                skip = False
            elif word.startswith("-"):
                skip = len(word) == 2 and word[1] in _SSH_VALUE_FLAGS
            else:
                return word
    return None


def exec_pod(segments: list[list[str]]) -> str | None:
    """The pod an interactive `kubectl exec` opens a shell in (`-it POD -- bash`); None for one command run there with a
    terminal (`exec -t postgres-0 -- pg_dumpall > dump.sql`): the reader is back at their own prompt after it."""
    for words in segments:
        call = kubectl.parse(words)
        if call is not None and call.verb == "exec" and call.targets:
            inner = list(call.after_dash) or list(call.args[1:])
            if opens_shell(inner):
                return call.targets[0][1]
    return None


def opens_shell(inner: list[str]) -> bool:
    """Is what `kubectl exec -it POD -- …` runs a shell that reads the lines typed next (`sh`, `/bin/bash -l`), not one
    given its script (`sh -c 'ls'`)?"""
    if not inner:
        return True
    options = inner[1:]
    return (
        posixpath.basename(inner[0]) in SHELLS
        and all(w.startswith("-") for w in options)  # `bash script.sh` runs a script
        and not any(not w.startswith("--") and "c" in w for w in options)  # `-c`, `-lc`: a command given
    )


# ---- what is not a command, and what is output ----------------------------------------------------

# `key: value`, also a prefixed key as in labels and annotations (`kubernetes.io/psp: restricted`)
_YAML_LINE = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w.-]*(?:/[\w.-]+)?:(?:\s+\S.*)?\s*$|^\s*-\s+\S")
_OUTPUT_FIELDS = ("uid", "creationTimestamp", "resourceVersion", "selfLink", "managedFields")
_OUTPUT_PROSE = re.compile(
    r"(?:\b(?:output|result)\b[^.:]{0,40}\b(?:similar\s+to|looks?\s+like|should\s+(?:look|be)|is\s+like|resembles)"
    r"|\b(?:sample|example|expected|typical)\s+output\b|\byou\s+(?:should|will)\s+see\b|\bcreated\s+as\s+follows\b"
    r"|\b(?:prints?|returns?|shows?|displays?|outputs?|gives?|produces?)\s+(?:something\s+|output\s+)?(?:like|similar\s+to)\b"
    r"|^\s*(?:\*\*)?output(?:\*\*)?\s*:?\s*$)",
    re.I,
)


def output_comment(text: str) -> bool:
    """A comment in a script saying what follows is output ("You should get output similar to this one:")."""
    return bool(_OUTPUT_PROSE.search(text))


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def setting_word(word: str) -> bool:
    """`enemies.cheat=true`, `eviction-hard=memory.available<480M`: a `key=value` setting whose key bash cannot take
    for a variable's name, so bash would run it as a command and not find it."""
    key, eq, _ = word.partition("=")
    return bool(eq and key and "/" not in key and "$" not in key and not _IDENTIFIER.fullmatch(key))


_BUILTIN_MARKS = frozenset({".", ":", "[", "[[", "!"})


_ELISION_LINE = re.compile(r"[\[(<{]?\s*(?:\.{2,}|…)\s*[\])>}]?")


def is_elision(text: str) -> bool:
    """`...`, `[...]`, `(…)`: a line or a body that only stands for what the text leaves out."""
    return bool(_ELISION_LINE.fullmatch(text.strip()))


def not_a_program(command: str) -> str | None:
    """Why a line the grammar reads as a command names no program anyone could mean, or None.

    - `key.name=value`: a setting of some configuration file shown in a shell block;
    - `...`, `✅  ingress was enabled`, `*/15 * * * *` (a cron schedule): an elision, a mark or a value, with no
      letter in its first word.
    """
    if is_elision(command):  # `[...]`, `(...)`, `…`: what the text leaves out (bash reads `[ ... ]`)
        return "an elision, a mark or a value (no letter in its first word)"
    script = bash.parse(command)
    first = next((c for c in script.commands if c.words), None)
    if first is None:
        return None
    name = first.name
    if setting_word(name):
        return "a setting (`key=value`) of some configuration"
    if name not in _BUILTIN_MARKS and not any(ch.isalpha() for ch in name) and "$" not in name:
        return "an elision, a mark or a value (no letter in its first word)"
    return None


def is_yaml_line(command: str) -> bool:
    """`key: value`, `- name: x`, `- item`: a line of YAML, never to be run as a shell command."""
    first = command.strip().split("\n")[0]
    return bool(_YAML_LINE.match(first)) and not first.lstrip().startswith(("- <", "-<"))


def is_option_only(command: str) -> bool:
    """A line that starts with an option (`--token-cache-storage=disk`): part of some other command, shown in the text."""
    return command.lstrip().startswith("-") and not is_yaml_line(command)


_ALTERNATIVE_PROSE = re.compile(
    r"^\W*(?:or|alternatively)\b|\byou\s+(?:could|can|may)\s+(?:also|instead|store|write|use|define)\b|\banother\s+(?:way|option)\b"
    r"|\bequivalent(?:ly)?\b|\bthe\s+same\s+(?:thing|object)\b",
    re.I,
)


# The words a tutorial uses to say a command is meant to fail, in one place: a comment over commands ("# Denied
# operations", "# This should fail") and the paragraph after a block ("It should error out …") both read them.
_FAIL_WORD = r"(?:fail|error|denied|forbidden|refused|rejected)"
_EXPECTS = r"(?:should|will|would|must|is\s+expected\s+to|expected\s+to)"
_SEES_ERROR = r"(?:you\s+)?(?:expect|should\s+(?:get|see|receive)|will\s+(?:get|see|receive))\s+an?\s+error"
_FAILURE_CUE = re.compile(
    rf"^\W*(?:[\w']+\s+){{0,2}}?(?:denied|forbidden|refused|rejected|not\s+allowed|{_EXPECTS}\s+(?:be\s+)?(?:\w+\s+)?"
    rf"{_FAIL_WORD}|(?:should|will|would)\s+not\s+work|won't\s+work|{_SEES_ERROR})\b",
    re.I,
)
_FAILURE_PROSE = re.compile(
    rf"^\W*(?:(?:it|this|that|the\s+\w+(?:\s+\w+)?)\s+)?{_EXPECTS}\s+(?:be\s+)?(?:\w+\s+)?{_FAIL_WORD}\b|^\W*{_SEES_ERROR}\b",
    re.I,
)
# "This should not fail now", "it won't be denied": the words deny what the cue would say
_NEGATED = re.compile(r"\b(?:not|no\s+longer|never|n't)\b(?!\s+(?:work|allowed))|n't\b(?!\s+work)", re.I)


# "(failure expected)", "(Fehlschlag erwartet)", "échec attendu", "expected to fail": a heading over commands that fail
_FAILURE_HEADING = re.compile(
    r"\b(?:fail\w*|error|denied|forbidden|fehlschlag|fehler|[ée]chec|erreur|fallo|errore)\s+(?:expected|erwartet|attendu|"
    r"esperado|previsto|atteso)\b|\b(?:expected|erwartet)\s+(?:to\s+)?(?:fail|error|be\s+(?:denied|forbidden))\b",
    re.I,
)


def failure_heading(heading: str) -> bool:
    """A heading says the commands under it are to fail ("3.5 Test the config (failure expected)")."""
    return bool(_FAILURE_HEADING.search(heading)) and not _NEGATED.search(heading)


def failure_cue(comment: str) -> bool:
    """A short comment over commands says they are to fail (`# Denied operations`, `# This should be forbidden`)."""
    return bool(_FAILURE_CUE.search(comment)) and len(comment.split()) <= 8 and not _NEGATED.search(comment)


def failure_prose(text: str) -> bool:
    """The paragraph just after a command says it fails ("It should error out and complain …", "This will fail …"):
    the text expects that failure."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return bool(_FAILURE_PROSE.search(first))


_CRASH_PROSE = re.compile(
    r"\b(?:may|will|should|would|might)\s+(?:\w+\s+){0,6}?(?:CrashLoopBackOff|Error\s+state|ErrImagePull|"
    r"ImagePullBackOff|crash(?:es|ing)?|(?:keep|start)s?\s+(?:crashing|restarting)|fail(?:s)?\s+to\s+start)\b",
    re.I,
)


def crash_prose(text: str) -> bool:
    """The paragraph just after a block says the pod it makes does not come up ("At this time, you may see the pod in
    `CrashLoopBackOff` state. Try debugging the issue…"): the text expects the pod to exist, not to be ready."""
    return bool(_CRASH_PROSE.search(text.replace("`", "")))


# `<------ change here`, and a value that joins a bracketed name to other text (`[capacity]Gi`, `pvc-[name]`): a
# fill-in, where a YAML flow list (`values: [us-east-1a]`) stands alone
_EDIT_MARK = re.compile(r"<-{3,}|<={3,}|←|:\s+(?:\S+\[[a-z][\w-]*\]|\[[a-z][\w-]*\]\S+)\s*$")


_CALLOUT = re.compile(r"\s(?:<-+\s*\d{1,2}|\(\d{1,2}\)|<\d{1,2}>|#\s*<\d{1,2}>)(?=\s|$)")


def callout(text: str) -> str | None:
    """The first of two or more numbered marks a block's lines end in (`kind: Pod <- 2`, `image: app  # <1>`), which a
    list below explains, as in books; such a block is an annotated figure. One mark alone is not enough."""
    marks = [m.group(0).strip() for line in text.splitlines() if (m := _CALLOUT.search(line))]
    return marks[0] if len(marks) >= 2 else None


# `name: my-config - name of the ConfigMap`, `data: - contains key-value pairs`: a key, perhaps a value, a dash, then
# words that explain the field; a YAML list item (`- name: x`) or a flag (`- --verbose`) is not one
_EXPLAINED_FIELD = re.compile(
    r"^\s*[A-Za-z][\w./-]*:(?:\s+[^\s\"'#&*!|>{\[-][^\s\"']*)?\s+[-\u2013\u2014]{1,2}\s+[A-Za-z][\w'-]*(?:\s+[\w'(),.-]+)+\s*$"
)


def explained_fields(text: str, parses: bool) -> str | None:
    """The first line of a block that explains a field after a dash (`name: my-namespace - the name of the Namespace`):
    a figure of what the fields mean, not a manifest, when the block does not parse as YAML or such a line is a name
    (which can hold no spaces): a plain value may hold a dash (`msg: a - b c`)."""
    found = [line.strip() for line in text.splitlines() if _EXPLAINED_FIELD.match(line)]
    if found and (not parses or any(f.startswith("name:") for f in found)):
        return found[0]  # (values with a dash in them, `morning: Hello - have a great day`, may be any ConfigMap's)
    return None


def edit_mark(text: str) -> str | None:
    """The first line of a block that marks what the reader is to change (`name: PodName  <------ change here`): a
    template for the reader to edit, not a file to use as it is."""
    return next((line.strip() for line in text.splitlines() if _EDIT_MARK.search(line)), None)


def alternative_prose(text: str) -> bool:
    """The paragraph offers the next block as another way to the same result ("Or like this:", "You could also …")."""
    return bool(_ALTERNATIVE_PROSE.search(text))


def output_prose(text: str) -> bool:
    """The paragraph ends by saying the next block is what a command prints ("The output is similar to:").

    The cue must run to the colon that ends the paragraph: "(you will see wget
    output in the logs), we can get interactive access:" introduces commands.
    """
    stripped = text.strip().strip("*_").strip()  # `**Output:**`, `_Expected output:_`: the colon inside the emphasis
    if not stripped.endswith(":"):
        return False
    return any(not re.search(r"[.,;()!?]", stripped[m.end() : -1]) for m in _OUTPUT_PROSE.finditer(stripped))


def output_fields(documents: tuple[Any, ...]) -> list[str]:
    """Fields only the API server writes (metadata.uid, creationTimestamp, resourceVersion, status): signs of output.

    An empty one (`creationTimestamp: null`, `status: {}`) is what `kubectl … --dry-run=client -o yaml` prints, the
    usual way to draft a manifest: not a sign of output."""
    found: list[str] = []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        meta = doc.get("metadata")
        if isinstance(meta, dict):
            # `creationTimestamp: null` is what `--dry-run=client -o yaml` writes: a manifest to save, not a live object
            found += [f"metadata.{f}" for f in _OUTPUT_FIELDS if f in meta and meta[f] is not None]
        if isinstance(doc.get("status"), dict) and doc["status"]:
            found.append("status")
        if doc.get("kind") == "List" or (isinstance(doc.get("items"), list) and "metadata" in doc and "kind" not in doc):
            found.append("items (a list as kubectl prints it)")
    return list(dict.fromkeys(found))


_TABLE_HEADER = re.compile(
    r"^[A-Z][A-Z0-9_()%/.-]*(?: ?[A-Z][A-Z0-9_()%/.-]*)?(?:\s{2,}[A-Z][A-Z0-9_()%/.-]*(?: [A-Z][A-Z0-9_()%/.-]*)?)+\s*$"
)


_KUBECTL_SAID = re.compile(
    r"^(?:[a-z0-9.-]+/[a-z0-9.-]+|[a-z]+ \"[a-z0-9.-]+\") (?:created|configured|unchanged|deleted|labeled|annotated|patched|"
    r"exposed|scaled|replaced|edited|autoscaled|restarted|rolled back|paused|resumed|cordoned|uncordoned|drained|"
    r"tainted|untainted|serverside-applied|image updated|env updated|condition met)(?: \((?:dry run|server dry run)\))?"
    r"(?:\s+[^\w\s$`|;&<>()'\"]+)?$"  # the page's own mark after it: `deployment.apps/web scaled ✅`
)


def kubectl_said(line: str) -> bool:
    """`deployment.apps/web created`, `pod "x" deleted`, `job.batch/j condition met`: what kubectl printed, not a command."""
    return bool(_KUBECTL_SAID.match(line.strip()))


def table_header(line: str) -> bool:
    """`NAME   READY   STATUS   RESTARTS   AGE`: the header of a table kubectl (or ps, df, docker) printed; also when its
    first columns are narrow (`LASTSEEN FIRSTSEEN COUNT NAME          KIND`)."""
    text = line.strip()
    return bool(_TABLE_HEADER.match(text) or (_WIDE_HEADER.match(text) and "  " in text))


_WIDE_HEADER = re.compile(r"^[A-Z][A-Z0-9_()%/.-]*(?:\s+[A-Z][A-Z0-9_()%/.-]*){3,}$")
_NOTE_LINE = re.compile(r"^(?:\*{2,}|={2,}|-{3,}|~{2,})\s*[A-Za-z].*$")


def note_line(line: str) -> bool:
    """`*** On Login Node - replace the pod name ***`: a note to the reader inside a shell block, not a command."""
    return bool(_NOTE_LINE.match(line.strip()))


def printed_objects(command: str) -> tuple[tuple[str, str], ...]:
    """What `kubectl get KIND [NAME] -o yaml|json` prints, as (kind, name or "*"): the text may show it next.

    Output sent to a file (`> pod.yaml`) or into another command (`| kubectl apply -f -`) is not printed: a block
    shown after `kubectl run … -o yaml > pod.yaml` is that file as the reader edits it, not output."""
    out: list[tuple[str, str]] = []
    script = bash.parse(command)
    piped_on = {c.piped_from for c in script.commands if c.piped_from is not None}
    for i, c in enumerate(script.commands):
        if not c.words or not c.runs or i in piped_on:
            continue
        if any(r.writes and r.fd in (None, "1") for r in c.redirects):
            continue
        call = kubectl.parse(list(c.words))
        if call is None or call.verb not in ("get", "create", "apply", "run"):
            continue
        if (call.flag("-o", "--output") or "") not in ("yaml", "json"):
            continue
        out += [(kind or "*", name) for kind, name in call.targets] or [
            (kubectl.kind_of(call.args[0]) or "*", "*") if call.args else ("*", "*")
        ]
    return tuple(out)


_EDITOR_NAMES = frozenset({"vi", "vim", "nvim", "nano", "emacs", "code", "gedit", "pico", "joe", "micro"})
_MANIFEST_FILE = re.compile(r"^[\w./~-]+\.(?:ya?ml|json)$", re.I)


def file_drafted(command: str) -> str | None:
    """The manifest file a command leaves for the reader to read or edit next: `vi pod.yaml`, `kubectl run x
    --dry-run=client -o yaml > pod.yaml`. A YAML block shown right after it is that file's content as the text means
    it (with the reader's edits), not output."""
    found = None
    for c in bash.parse(command).commands:
        if not c.words or not c.runs:
            continue
        files = [w for w in c.words[1:] if not w.startswith("-")]
        if c.name in _EDITOR_NAMES and len(files) == 1 and _MANIFEST_FILE.match(files[0]):
            found = files[0]
        for r in c.redirects:
            if r.writes and r.fd in (None, "1") and _MANIFEST_FILE.match(r.target):
                found = r.target
    return found


def shows_printed(objects: tuple[Any, ...], printed: tuple[tuple[str, str], ...]) -> bool:
    """Is this block the objects a command just printed (same kind, and name when it named one)?"""
    for obj in objects:
        for kind, name in printed:
            if kind in ("*", obj.kind) and name in ("*", obj.name):
                return True
    return False


_YAML_HEAD = re.compile(r"^\s*(?:apiVersion|kind|metadata)\s*:")


def holds_k8s_yaml(content: str) -> bool:
    """The block is YAML of Kubernetes objects (or meant to be: it starts like one), whatever its fence says.

    A shell block with a here-document also mentions `apiVersion:` and `kind:`,
    but it is not YAML: what decides is that the block parses as YAML with an
    `apiVersion` and a `kind`, or that its first line is such a key.
    """
    if not looks_like_yaml_object(content):
        return False
    first = next((line for line in content.splitlines() if line.strip() and not line.lstrip().startswith("#")), "")
    if _YAML_HEAD.match(first) or first.strip() == "---":
        return True
    result = read_yaml(content, 1)
    return not result.error and any(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in result.documents)


_QUOTE_RUNNERS = frozenset({"watch", "sudo", "time"})


def quoted_commands(text: str) -> bool:
    """Is a quoted paragraph (`> kubectl scale rs web --replicas 3`) only commands of a cluster client, one a line,
    as some pages set their commands? Each line is read with the bash grammar; its program must be a cluster client
    (perhaps under `watch` or `sudo`), and kubectl's verb one kubectl knows. A quote in words ("kubectl is the
    tool…") is prose."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    for line in lines:
        script = bash.parse(line)
        if script.errors or not script.commands:
            return False
        words = list(script.commands[0].words)
        if not words or words[0] != line.split()[0]:  # the first command bash reads is one inside `…` or $(…)
            return False
        while words and words[0] in _QUOTE_RUNNERS:
            words = [w for w in words[1:] if not w.startswith("-")] if words[0] == "watch" else words[1:]
        if not words or words[0] not in CLUSTER_CLIENTS:
            return False
        if words[0] in ("kubectl", "oc") and (len(words) < 2 or not kubectl.known_verb(words[1])):
            return False
    return True


def heredoc_script(text: str) -> bool:
    """Is the block a shell command that carries a here-document, from its first line to the delimiter that ends the
    block (`cat << EOF > demo-sa.yaml` … `EOF`), or echoes it in quotes (`echo "` … `" > pod.yml`), whatever its fence
    says? Read with the bash grammar."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    if "<<" not in lines[0]:
        return _echoed_file(text)
    script = bash.parse(text)
    last = script.heredocs[-1].heredoc if script.heredocs else None
    return not script.errors and last is not None and lines[-1].strip() == last.delimiter


def _echoed_file(text: str) -> bool:
    """`echo "` … the YAML … `" > pod.yml` (or `| kubectl apply -f -`): one command whose quoted word is the whole block,
    read with the bash grammar."""
    script = bash.parse(text)
    if script.errors or not script.commands:
        return False
    first = script.commands[0]
    return first.name in ("echo", "printf") and any("\n" in w and "kind:" in w for w in first.words[1:])


def opens_editor_on_manifest(line: str) -> bool:
    """`vim myjob.yml`, `nano pod.yaml`: a line that opens an editor on one manifest file."""
    script = bash.parse(line)
    if script.errors or len(script.commands) != 1:
        return False
    words = script.commands[0].words
    files = [w for w in words[1:] if not w.startswith("-")]
    return bool(words) and words[0] in _EDITOR_NAMES and len(files) == 1 and bool(_MANIFEST_FILE.match(files[0]))
