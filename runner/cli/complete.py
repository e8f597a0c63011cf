"""Shell completion for `kubectl tutorial ...`: kubectl's plugin completion protocol, answered by click's completion.

`tutorial` completes with click's own mechanism (`_TUTORIAL_COMPLETE=bash_source
tutorial`, see the README). kubectl (1.26 and later) completes a plugin's
arguments by running `kubectl_complete-<plugin> ARGS... INCOMPLETE` and reading
cobra's answer: one candidate per line (`value<TAB>help`), then `:<directive>`.
This entry point gives it the same candidates click gives `tutorial`.
"""

from __future__ import annotations

import sys

from click.shell_completion import ShellComplete

from runner.cli.main import main

# cobra's ShellCompDirective values
_DEFAULT, _NO_FILE = 0, 4


def cobra_completions(args: list[str]) -> list[str]:
    """Cobra's lines for `kubectl tutorial ARGS...` (the last word is the one being completed)."""
    words, incomplete = (args[:-1], args[-1]) if args else ([], "")
    completer = ShellComplete(main, {}, "kubectl tutorial", "_TUTORIAL_COMPLETE")
    items = completer.get_completions(words, incomplete)
    lines = [f"{i.value}\t{i.help}" if i.help else str(i.value) for i in items if i.type == "plain"]
    wants_files = any(i.type in ("file", "dir") for i in items)
    return [*lines, f":{_DEFAULT if wants_files else _NO_FILE}"]


def kubectl_complete() -> None:  # console-script entry point: kubectl_complete-tutorial
    print("\n".join(cobra_completions(sys.argv[1:])))
