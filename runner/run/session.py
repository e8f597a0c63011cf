"""The reader's terminal, kept between the tutorial's commands: variables, aliases, functions and the folder they are in.

A reader types `export NFS_IP=$(kubectl get svc …)` in one block and uses
`$NFS_IP` three blocks later; `cd repo` once and then `kubectl apply -f
k8s/job.yaml`; `alias k=kubectl`. Each command of a run is its own bash
process (a timeout or Ctrl-C must stop everything it started), so what the
terminal would remember is written to a state file when a command ends and
read back before the next one starts: the variables and functions the
tutorial defines (known beforehand from the grammar, `effects`), its aliases,
the last job started in the background (`$!`: `kubectl port-forward … &`,
then `PF_PID=$!` in the next command), and the folder, as long as it is inside the run's working directory (a `cd`
out of it does not carry over: the run never works outside its folder).

The reader's own id is the run's user: `$USER`, `$LOGNAME` and `whoami`
give `--user`, as the text means when it writes `demo-$USER`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from runner.effects import Effects
from runner.effects.io import COMMAND, VAR
from runner.syntax import bash
from runner.syntax.shell import segments

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOTHING_SELECTED = "tutorial-runner: xargs got no input"  # on stderr: the command xargs runs had nothing to act on
_XARGS = (
    'xargs() { case " $* " in *" -a "*|*" --arg-file"*) command xargs "$@"; return;; esac; '
    'local __in; __in=$(cat; printf .); __in=${__in%.}; if [ -z "${__in//[[:space:]]/}" ]; then '
    f'printf "%s\\n" "{NOTHING_SELECTED}" >&2; fi; printf "%s" "$__in" | command xargs "$@"; }}'
)
_JOB = "__tutorial_job"  # `$!` of the terminal: the last job an earlier command started in the background (`cmd &`)


# variables a `--set` never replaces in the commands' environment (it still fills a `<PATH>` placeholder)
KEPT_VARIABLES = frozenset(
    {"PATH", "HOME", "SHELL", "PWD", "OLDPWD", "IFS", "TERM", "LANG", "LC_ALL", "TMPDIR", "KUBECONFIG", "ENV", "PS4"}
)


class ShellSession:
    """The state one run's host commands share, in a file beside (not inside) the working directory."""

    def __init__(
        self,
        workdir: Path,
        state: Path,
        user: str,
        variables: Iterable[str] = (),
        functions: Iterable[str] = (),
        values: Mapping[str, str] | None = None,
    ) -> None:
        """`variables`, `functions`: what the tutorial sets and defines; `values`: variables the run gives (`--set X=…`)."""
        self.workdir = workdir
        self.state = state
        self.user = user
        self.variables = sorted({v for v in variables if _NAME.fullmatch(v)} - {"USER", "LOGNAME", "HOME", "PATH", "PWD"})
        self.functions = sorted(f for f in functions if _NAME.fullmatch(f.replace("-", "_")))
        self.values = {k: v for k, v in (values or {}).items() if _NAME.fullmatch(k)}

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """The environment of every command: the reader is `--user`; `--set` values that are variable names are variables,
        except those the shell and its programs live by (`--set PATH=…` fills a `<PATH>` placeholder, and must not take
        bash off the PATH)."""
        given = {k: v for k, v in self.values.items() if k not in KEPT_VARIABLES and not k.startswith(("LD_", "BASH"))}
        return {**base, **given, "USER": self.user, "LOGNAME": self.user}

    def script(self, command: str) -> str:
        """`command` as bash runs it (after `set -eo pipefail`): the saved state first, saved again however it ends."""
        state = shlex.quote(str(self.state))
        workdir = shlex.quote(str(self.workdir))
        keep = " ".join(self.variables)
        functions = " ".join(self.functions)
        save = [
            f"{{ declare -p {keep} 2>/dev/null; " if keep else "{ ",
            "alias -p; ",
            f"printf '{_JOB}=%q\\n' \"${{!:-${{{_JOB}-}}}}\"; ",
            f"declare -f {functions} 2>/dev/null; " if functions else "",
            f'case "$PWD/" in {workdir}/*) printf "cd -- %q\\n" "$PWD";; *) printf "cd -- %q\\n" {workdir};; esac; ',
            f"}} > {state}.tmp && mv -f {state}.tmp {state}",
        ]
        if not bash.starts_background(command):  # `PF_PID=$!`: the job an earlier command started in the background
            for start, end in reversed(bash.last_job_expansions(command)):
                command = command[:start] + f"${{{_JOB}-}}" + command[end:]
        # `kubectl get pods | grep Error | awk '{print $1}' | xargs kubectl delete pod`: says so when what the commands
        # before xargs select is nothing (xargs without -r then runs its command once, with no arguments, and fails)
        selects = any(words[:1] == ["xargs"] for words in segments(command))
        return "\n".join(
            [
                "shopt -s expand_aliases",
                f"if [ -f {state} ]; then . {state} || true; fi",
                'whoami() { printf "%s\\n" "$USER"; }',
                _XARGS if selects else "",
                f"__tutorial_save() {{ {''.join(save)}; }}",
                "trap __tutorial_save EXIT",
                command,
            ]
        )

    def empty(self, names: Iterable[str]) -> set[str]:
        """Which of these variables the terminal has now without a value (unset or empty)."""
        wanted = [n for n in names if _NAME.fullmatch(n)]
        if not wanted or not self.state.exists():
            return set(wanted)
        probe = f". {shlex.quote(str(self.state))} >/dev/null 2>&1; " + " ".join(
            f'[ -n "${{{n}:-}}" ] || echo {n};' for n in wanted
        )
        try:
            out = subprocess.run(
                ["bash", "-c", probe], capture_output=True, text=True, errors="backslashreplace", timeout=10, cwd=self.workdir
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return set()
        return set(out.split())

    def expand(self, texts: Iterable[str]) -> dict[str, str]:
        """`term-$USER`, `${CM}` as the terminal would expand them now (variables only: no command is run); empty ones left out."""
        wanted = [
            t for t in dict.fromkeys(texts) if "$" in t and "$(" not in t and "`" not in t and '"' not in t and "\\" not in t
        ]
        if not wanted:
            return {}
        load = f". {shlex.quote(str(self.state))} >/dev/null 2>&1; " if self.state.exists() else ""
        probe = load + " ".join(f'printf "%s\\0" "{t}";' for t in wanted)
        try:
            out = subprocess.run(
                ["bash", "-c", probe],
                capture_output=True,
                text=True,
                errors="backslashreplace",
                timeout=10,
                cwd=self.workdir,
                env=self.environment({}),
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return {}
        values = out.split("\0")
        return {t: v for t, v in zip(wanted, values, strict=False) if v and "$" not in v}

    def close(self) -> None:
        """Forget the state (the run is over)."""
        for path in (self.state, self.state.with_name(self.state.name + ".tmp")):
            path.unlink(missing_ok=True)

    @classmethod
    def for_run(cls, workdir: Path, user: str, effects: Effects, values: Mapping[str, str]) -> ShellSession:
        """The session of one run: its state in a file of its own, outside the working directory (a reader's `ls` sees none)."""
        fd, name = tempfile.mkstemp(prefix="tutorial-session-", suffix=".sh")
        os.close(fd)
        Path(name).unlink()  # the first command starts with no state
        variables: set[str] = set()
        functions: set[str] = set()
        for step in effects.lesson.steps:
            for made in effects.io(step).makes:
                if made.kind == VAR:
                    variables.add(made.name)
                elif made.kind == COMMAND:
                    functions.add(made.name)
        return cls(workdir, Path(name), user, variables, functions, values)
