"""Shell prompts as tutorials print them, and the machine each one names.

A console transcript shows what the reader types after a prompt and what the
machine printed back; only the prompted lines are commands. Prompts come in
every shape a shell or a tool prints (`$ `, `user@host:~/dir$ `, `[user@host
dir]$ `, `sh-4.2$ `, `/ # `, `(venv) $ `, `PS C:\\> `, `>>> `), and the shape
says where the line is typed: `root@mypod:/# ` is a pod, `jovyan@jupyter-x:~$ `
a notebook's terminal, `>>> ` a Python interpreter, `127.0.0.1:6379> ` or
`postgres=# ` a program's own prompt (redis-cli, psql). `match` reads one line's
prompt with a small grammar; the lesson parser decides, from the prompts and
the commands around them, which machine that is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One alternative per prompt shape; each must end with the prompt character and a blank before the command.
_PROMPT = re.compile(
    r"""^(?P<indent>[ \t]*)
    (?:\((?P<env>[\w.@:/-]+)\)[ \t]+)?                                         # (venv) (base)
    (?:
        (?P<userhost>[\w.-]+@[\w.-]+)(?::(?P<dir1>[^\s$#%>]*))?[ \t]?(?P<c1>[$#%>])   # user@host:~/dir$
      | \[(?P<userhost2>[\w.-]+@[\w.-]+)(?:[ \t]+[^\]\n]*)?\][ \t]?(?P<c2>[$#%])     # [user@host dir]$
      | (?P<shell>(?:ba|z|k|da|a)?sh-[0-9][0-9.]*)(?P<c3>[$#])                       # sh-4.2$  bash-5.1#
      | (?P<dir>~(?:/[\w-]+)*|/(?:[\w-]+(?:/[\w-]+){0,1})?)[ \t]?(?P<c4>[$#])       # / #  /app #  ~/work$
      | (?P<home>~(?:/[\w-]+)*)>                                                     # ~>  ~/work>  (fish, zsh themes)
      | (?P<ps>PS[ \t]+[A-Za-z]:\\[^>\n]*)>                                         # PS C:\Users\me>
      | (?P<cmd>[A-Za-z]:\\[^>\n]*)>                                                # C:\Users\me>
      | (?P<python>>>>)                                                             # a Python interpreter
      | (?P<program>[\w.-]+:[0-9]+>|[\w-]+=[#>]|In[ ]\[[0-9]+\]:|irb\([^)]*\)[:0-9]*>|
          (?:mysql|mariadb|sqlite|redis|mongo|mongosh|cqlsh|hive|spark-sql|scala|ghci|sql|postgres|psql)>)   # a program's own prompt
      | (?P<plain>[$%❯➜λ])                                                          # $  %  ❯
    )
    [ \t]+(?=\S)""",
    re.X,
)
# PS2, the shell's continuation prompt; `... ` is the Python interpreter's
_SECONDARY = re.compile(r"^[ \t]*>(?:[ \t]|$)")
_PY_SECONDARY = re.compile(r"^[ \t]*\.\.\.(?:[ \t]|$)")


@dataclass(frozen=True)
class Prompt:
    """The prompt in front of one typed line."""

    text: str  # as written, with its trailing blank
    machine: str | None  # `user@host`, `sh-4.2`, `/`: who prints it; None for a bare `$ ` (any machine)
    language: str = "shell"  # shell | python | program (redis-cli, psql, mysql …) | powershell | cmd
    root: bool = False  # ends in `#`
    folder: str | None = None  # the folder it shows (`~/kubecon-eu-2019` of `ubuntu@ip:~/kubecon-eu-2019$ `), if any

    @property
    def shell(self) -> bool:
        return self.language in ("shell", "powershell", "cmd")


def match(line: str) -> Prompt | None:
    """The prompt a line starts with, or None. A bare `# ` is a comment, never a prompt."""
    m = _PROMPT.match(line)
    if m is None:
        return None
    text = m.group(0)
    char = next((m.group(g) for g in ("c1", "c2", "c3", "c4") if m.group(g)), "")
    if m.group("python"):
        return Prompt(text, "python", "python")
    if m.group("program"):
        return Prompt(text, m.group("program"), "program")
    if m.group("ps"):
        return Prompt(text, None, "powershell")
    if m.group("cmd"):
        return Prompt(text, None, "cmd")
    if m.group("plain"):
        return Prompt(text, None)
    if m.group("home"):  # the reader's own home, or a folder in it
        return Prompt(text, None, folder=m.group("home"))
    machine = m.group("userhost") or m.group("userhost2") or m.group("shell") or m.group("dir")
    folder = m.group("dir1") or (m.group("dir") if m.group("dir") and m.group("dir").startswith("~") else None)
    if m.group("dir"):
        # `~/work$ ` is the reader's own home; `/ # ` and `/app # ` are a container's root shell
        machine = None if m.group("dir").startswith("~") else "/"
    if m.group("c1") == ">" and not m.group("userhost"):
        return None
    return Prompt(text, machine, root=char == "#", folder=folder)


def secondary(line: str, language: str = "shell") -> int:
    """Length of a continuation prompt (`> `, or `... ` in Python) at the start of `line`, or 0."""
    m = (_PY_SECONDARY if language == "python" else _SECONDARY).match(line)
    return m.end() if m else 0
