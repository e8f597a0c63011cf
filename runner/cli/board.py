"""The live boards of `tutorial grade --watch` (terminal) and `--serve` (web), over one `LiveBoard`.

On a terminal the table is redrawn on every change and at least every
second (its clock moves); elsewhere (a pipe, CI) one line is printed per
first pass and per change of the cluster's status. Ctrl-C (or SIGTERM)
stops the boards, saves the progress file and deletes the inspector pods.
An API server away for longer than --outage-timeout ends them the same way,
with exit 3.
"""

from __future__ import annotations

import signal
import socket
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from runner.grade.live import BoardState, LiveBoard
from runner.grade.session import Session

if TYPE_CHECKING:
    from runner.web.server import ServeOptions, WebBoard


def _clock() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _interrupt(signum, frame):  # SIGTERM stops the boards as Ctrl-C does: progress saved, inspectors deleted
    raise KeyboardInterrupt


def board(session: Session, terminal: bool = True, web: ServeOptions | None = None) -> None:
    """Run the boards until interrupted; never because of what participants do."""
    live = LiveBoard(session)
    server = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    progress_file = session.request.progress_file
    try:
        state = live.start()
        if web is not None and web.address:
            server = _serve(live, session, web)
        if terminal and sys.stdout.isatty():
            _terminal(live, state)
        else:
            _log(live, state, session)
    except KeyboardInterrupt:
        click.echo(f"stopped; progress saved to {progress_file}" if progress_file else "stopped", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server is not None:
            server.stop()
        live.stop()
        session.close()


def _serve(live: LiveBoard, session: Session, web: ServeOptions) -> WebBoard:
    """Start the web board and say where it is: the instructor's URL (with its key) once, the TLS fingerprint, the links file."""
    from runner.cli.grade import write_links
    from runner.web.server import WebBoard, outward_host

    assert web.address is not None
    host, port = web.address
    tls = web.tls([outward_host(host), socket.gethostname(), "localhost", "127.0.0.1"])
    try:
        server = WebBoard(
            live,
            session.grader.redact,
            host,
            port,
            keys=web.keys,
            tls=tls,
            base_url=web.base_url,
            want_keys=bool(web.links_file or web.base_url),
        )
    except BaseException:
        if tls is not None:
            tls.discard()
        raise
    server.start()
    if server.keys is None:
        click.echo(f"web board: {server.url} (read-only, this machine only; Ctrl-C to stop)", err=True)
    else:
        click.echo(f"web board: {server.url}", err=True)
        click.echo(
            "  that is the instructor's URL: its key opens every page, keep it to yourself"
            + ("" if web.keys else " (printed only now; --key-file keeps one across restarts)"),
            err=True,
        )
    if tls is not None:
        click.echo(f"  TLS certificate SHA-256 {tls.fingerprint}" + (" (self-signed)" if tls.made_in else ""), err=True)
    elif server.keys is not None:
        click.echo("  plain HTTP: keys cross the network in clear (--tls self-signed to encrypt)", err=True)
    if web.links_file:
        write_links(server.links, session.people, web.links_file)
    return server


ROOM_AROUND_ROWS = 16  # the lines a terminal board draws besides participants' rows (status, summary, borders, totals, legend)


def _view(state: BoardState, width: int, progress_file: str | None, redact, height: int | None = None) -> str:
    from runner.report.grades import render_table

    rows = max(5, height - ROOM_AROUND_ROWS) if height else None
    text = render_table(state.report, width=width, live=True, status=state.status, clock=_clock(), max_rows=rows)
    return redact.text(text + f"\n(live: {progress_file or 'no progress file'}; Ctrl-C to stop)")


def _terminal(live: LiveBoard, state: BoardState) -> None:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console()
    progress_file = live.session.request.progress_file
    redact = live.session.grader.redact
    with Live(
        Text(_view(state, console.width, progress_file, redact, console.height)),
        console=console,
        auto_refresh=False,
        vertical_overflow="crop",
    ) as display:
        while True:
            state = live.wait(state.version, 1.0)  # a new version, or a second later (the clock moves)
            display.update(Text(_view(state, console.width, progress_file, redact, console.height)), refresh=True)
            if live.failed is not None:
                raise live.failed


def _log(live: LiveBoard, state: BoardState, session: Session) -> None:
    """One line per first pass and per status change, for pipes and CI logs (and a summary at the start)."""
    redact = session.grader.redact
    r = state.report
    click.echo(redact.text(f"{_clock()} board: {r.lesson}, {len(r.participants)} participants in {r.namespace}"))
    for p in r.participants:
        for c in p.checks:
            if c.status == "passed":
                click.echo(redact.text(f"{c.first_passed_at or r.graded_at} {p.user} {c.name} ✓"))
    last = {"status": state.status}

    def on_state(new: BoardState) -> None:  # called by the board's worker for every version: no change is missed
        for change in new.firsts:
            click.echo(redact.text(f"{change.at} {change.user} {change.check} ✓ first pass"))
        if new.status != last["status"]:
            last["status"] = new.status
            click.echo(redact.text(f"{_clock()} {new.status or 'cluster reachable again'}"))

    live.listeners.append(on_state)
    while True:
        state = live.wait(state.version, 5.0)
        if live.failed is not None:
            raise live.failed
