"""The `tutorial` command line.

Subcommands that talk to a cluster live in their own modules and are imported
only when called (LazyGroup), so `tutorial --help`, `list`, `show` and `lint`
never import the kubernetes client and start fast.

Exit statuses: 0 ok, 1 a step/check/finding failed, 2 bad input, 3 cluster
unreachable or forbidden (2 also: a file the system would not let us read or
write), 70 internal error (a bug), 130 interrupted.

Every error a user causes is printed here, as one line (`say`): control
characters in it are escaped (a file name or a value may hold a newline or an
escape sequence) and a very long one is cut. Click's own usage errors are
printed the same way, with a pointer to `--help`. An exception nobody expected
is a bug: it too is one line (`internal error: Type: message`, redacted, exit
70) unless TUTORIAL_DEBUG=1 asks for the traceback; tests and benches look
for either with `crashed`.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from runner import KUBERNETES_VERSION, __version__
from runner.core.errors import TutorialError, one_line
from runner.core.redact import redact

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CLUSTER, EXIT_INTERNAL = 0, 1, 2, 3, 70
INTERNAL_ERROR = "tutorial: internal error: "
MESSAGE_CHARS = 2000  # an error message longer than this is cut (it quotes what the user gave)


def say(message: str) -> None:
    """An error message on stderr, always one line."""
    line = one_line(message)
    if len(line) > MESSAGE_CHARS:
        line = line[: MESSAGE_CHARS - 15] + f"... ({len(line):,} characters)"
    click.echo(line, err=True)


def crashed(output: str) -> bool:
    """Whether a command's output shows that it crashed: a traceback, or the one line that stands for one."""
    return "Traceback (most recent call last)" in output or INTERNAL_ERROR in output


def _os_error(exc: OSError) -> str:
    """`report.json: No space left on device`: the file (when there is one) and what the system said."""
    what = exc.strerror or str(exc)
    return f"{exc.filename}: {what}" if exc.filename is not None else f"input or output failed: {what}"


def _internal_error(exc: Exception) -> str:
    """The one line for an exception nobody expected: its type and (redacted) message, and how to see more."""
    return (
        f"{INTERNAL_ERROR}{type(exc).__name__}: {redact(str(exc))} "
        f"(a bug in tutorial-runner {__version__}; TUTORIAL_DEBUG=1 prints the traceback)"
    )


class LazyGroup(click.Group):
    """A click group whose heavy subcommands are imported on first use."""

    lazy: dict[str, str] = {
        "show": "runner.cli.show:show",
        "list": "runner.cli.list:list_",
        "lint": "runner.cli.lint:lint",
        "cluster": "runner.cli.cluster:cluster",
        "run": "runner.cli.run:run",
        "grade": "runner.cli.grade:grade",
        "clean": "runner.cli.clean:clean",
        "new": "runner.cli.new:new",
        "checks": "runner.cli.checks:checks",
        "preflight": "runner.cli.preflight:preflight",
        "rehearse": "runner.cli.rehearse:rehearse",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except ImportError as exc:  # a subcommand whose module is missing must not break the others
                return _broken(name, str(exc))
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # help for lazy commands without importing them
        rows = [(name, SHORT_HELP.get(name) or self._short_help(ctx, name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str) -> str:
        # a method of its own: zero-argument super() does not work inside a comprehension (Python 3.11)
        command = super().get_command(ctx, name)
        return command.get_short_help_str(60) if command else ""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TutorialError as exc:
            say(f"tutorial: {exc}" if not exc.location() else str(exc))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            say("tutorial: interrupted")
            ctx.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:  # the machine, not the tool: a full disk, a file we may not read or write
            if exc.errno == errno.EPIPE:
                raise  # `tutorial show ... | head`: click leaves quietly (exit 1)
            say(f"tutorial: {_os_error(exc)}")
            ctx.exit(EXIT_BAD_INPUT)
        except Exception as exc:  # a bug: one line that names it, not a traceback (and no secret in it)
            if os.environ.get("TUTORIAL_DEBUG") == "1":
                raise
            say(_internal_error(exc))
            ctx.exit(EXIT_INTERNAL)

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, standalone_mode: bool = True, **extra: Any
    ) -> Any:
        """Click's main, except that its usage errors are one line like ours (`say`)."""
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.ClickException as exc:
            ctx = exc.ctx if isinstance(exc, click.UsageError) else None
            where = ctx.command_path if ctx else "tutorial"
            hint = f" (see '{where} --help')" if ctx else ""
            say(f"{where}: {exc.format_message()}{hint}")
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt | EOFError):  # Ctrl-C (or ^D) at a prompt
                say("tutorial: interrupted")
                sys.exit(130)
            say("tutorial: aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


SHORT_HELP = {
    "checks": "List the checks annotations can name, with what they take.",
    "show": "Show the rendered plan of a lesson (steps with their lines).",
    "list": "List the lessons with their steps, checks and requirements.",
    "lint": "Find what would break a live session, with no cluster.",
    "cluster": "Build, start and stop the local single-node Kubernetes.",
    "run": "Run a lesson end to end on a cluster, check it, clean up.",
    "grade": "Grade a roster: every check for every participant; reports, live board.",
    "clean": "Delete participants' leftovers (ours or the lesson's names), nothing else.",
    "new": "Turn a published tutorial into an annotated lesson (front matter, checks, step notes).",
    "preflight": "Predict whether a lesson holds for N participants in a namespace (creates nothing).",
    "rehearse": "Run a lesson for N synthetic participants at once, measure, clean up.",
}


def _broken(name: str, why: str) -> click.Command:
    @click.command(name, help=f"(unavailable: {why})")
    def broken() -> None:
        raise TutorialError(f"'{name}' is unavailable in this installation: {why}")

    return broken


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, message=f"%(prog)s %(version)s (targets Kubernetes {KUBERNETES_VERSION})")
def main() -> None:
    """Turn Kubernetes hands-on tutorials (Markdown) into executable, gradable lessons.

    \b
    Typical use:
      tutorial list                          the lessons: built-in, ./lessons, --lessons DIR
      tutorial show storage --user bob       the plan, rendered for bob
      tutorial lint lessons/ tutorial.md     static checks, no cluster needed
      tutorial cluster up                    start the local cluster
      tutorial new published.md -o lessons/x.md   a published tutorial as an annotated lesson

    A LESSON is an id from `tutorial list` (e.g. storage) or a path to a Markdown file.
    Also a kubectl plugin: `kubectl tutorial run storage --user bob`.
    """


def run() -> None:  # console-script entry point
    main(prog_name="tutorial")


def kubectl_plugin() -> None:
    """The `kubectl-tutorial` executable: `kubectl tutorial run storage --user bob` (kubectl finds it on PATH).

    kubectl hands a plugin the arguments after its name and its environment
    (KUBECONFIG included), so the commands work the same as `tutorial ...`.
    Completion keeps `tutorial`'s variable (_TUTORIAL_COMPLETE).
    """
    main(prog_name="kubectl tutorial", complete_var="_TUTORIAL_COMPLETE")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
