"""Where a typed line runs: on the reader's machine, in a pod, or on another machine the run cannot reach.

A transcript's prompt names the machine it was typed at
(`jovyan@jupyter-x:~$ `, `root@mypod:/# `, `[user@login01 ~]$ `). The
reader's own machine is the one that talks to the cluster: the prompts at
which the tutorial types `kubectl` (or helm, oc …), or a bare `$ `. So:

- a line after `kubectl exec -it POD -- sh`, at a prompt that is not the
  reader's, is typed in POD (an in-pod step);
- a line after `ssh HOST`, or at a named prompt that never talks to the
  cluster while another prompt (or a line with no prompt) does, is typed on
  another machine: it never runs on this one, and its skip says where it was
  typed;
- back at the reader's prompt, or after `exit`, the reader is home again.

`Machines` learns the reader's prompts from the whole tutorial first (a
prompt may type kubectl only later), then the parser asks it line by line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from runner.syntax import bash
from runner.syntax.prompts import Prompt
from runner.syntax.shell import Command, segments

# programs that talk to a cluster: where they are typed is the reader's machine
CLUSTER_CLIENTS = frozenset({"kubectl", "oc", "helm", "kind", "minikube", "kustomize", "k9s", "argo", "kubectl.exe"})
_LEAVE = frozenset({"exit", "logout"})


@dataclass(frozen=True)
class Place:
    """The machine a line is typed on, as the parser needs it."""

    where: str  # "context" (the prompt says nothing new) | "home" | "pod" | "elsewhere" | "program" | "leave"
    pod: str | None = None
    reason: str | None = None  # elsewhere / python / leave: why it is not run here


class Machines:
    """The reader's prompts in one tutorial, and the machine of each typed line."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.cluster: set[str | None] = set()  # prompt machines at which the tutorial talks to the cluster
        written: dict[str | None, set[str]] = {}  # machine -> files its lines write (`cat > cm.yaml <<EOF`)
        used: set[str] = set()  # words of the lines that talk to the cluster (`kubectl apply -f cm.yaml`)
        for cmd in commands:
            if cmd.prompt is not None and not cmd.prompt.shell:
                continue
            machine = cmd.prompt.machine if cmd.prompt is not None else None
            script = bash.parse(cmd.text)
            written.setdefault(machine, set()).update(r.target for c in script.commands for r in c.redirects if r.writes)
            segs = [list(c.words) for c in script.commands if c.words and c.runs]
            if any(seg and seg[0] in CLUSTER_CLIENTS for seg in segs):  # a bare line (no prompt): the reader's machine
                self.cluster.add(machine)
                used.update(w.removeprefix("./") for seg in segs for w in seg)
        for machine, files in written.items():  # it writes what kubectl then reads: the same machine
            if {f.removeprefix("./") for f in files} & used:
                self.cluster.add(machine)

    def home(self, prompt: Prompt) -> bool:
        """Is this the reader's own prompt (one that talks to the cluster, or a bare `$ `)?"""
        return prompt.machine is None or prompt.machine in self.cluster

    def place(self, cmd: Command, pod: str | None, entered_at: str | None, remote: str | None) -> Place:
        """Where `cmd` runs, given the pod the reader entered (at prompt `entered_at`) and a host reached by ssh.

        `pod`, `entered_at`, `remote`: the parser's context before this line.
        """
        prompt = cmd.prompt
        words = segments(cmd.text)
        first = words[0][0] if words and words[0] else ""
        if prompt is not None and prompt.language == "python":
            return Place("program", reason=f"typed in a Python interpreter (`{prompt.text.strip()}`), not in a shell")
        if prompt is not None and prompt.language == "program":
            return Place("program", reason=f"typed at a program's own prompt (`{prompt.text.strip()}`), not in a shell")
        if first in _LEAVE and len(words) == 1 and (pod or remote):
            left = f"pod {pod}" if pod else remote
            return Place("leave", reason=f"leaves the shell in {left}")
        if prompt is None or prompt.machine is None:
            if remote and not pod:
                return Place("elsewhere", reason=f"typed on {remote} (after `ssh`), not on this machine")
            return Place("context", pod)
        if prompt.machine in self.cluster and (entered_at is None or prompt.machine == entered_at or not pod):
            return Place("home")  # the reader's prompt: back home, whatever was entered before
        if pod:
            return Place("pod", pod)
        if remote:
            return Place("elsewhere", reason=f"typed on {remote} (after `ssh`) at `{prompt.text.strip()}`, not on this machine")
        if self.cluster and prompt.machine not in self.cluster:
            return Place(
                "elsewhere",
                reason=f"typed at `{prompt.text.strip()}`, another machine than the one that runs kubectl in this tutorial",
            )
        return Place("context", pod)
