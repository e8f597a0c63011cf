"""The web board as a Starlette application: pages from Jinja2 templates, live updates as server-sent events.

Read-only by construction: every route is GET (anything else is 405), no
form, no action; the pages show only the grades' text, which went through
the grade's `Redactor` (and every page and event once more on the way out).
The initial page is rendered in full; an update sends only the rows of the
participants graded again since the version the page has, so 200
participants cost one row's HTML per change, not the whole table.

Who sees what is decided at the door (`runner.web.guard`): the class board
and /api/board for the instructor, /p/<user> for that participant, /room
(counts per check, no names) for the room. Each page has its own event
stream, which sends only what that page shows.
"""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from runner.core.redact import Redactor
from runner.grade.live import BoardState, LiveBoard
from runner.grade.result import GradeReport, ParticipantGrade
from runner.report.grades import LEGEND, info_keys, summary_lines
from runner.report.templating import environment
from runner.web.access import LOCAL, BoardKeys, Viewer
from runner.web.guard import KeyGuard

HERE = Path(__file__).resolve().parent
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def clock() -> str:
    return datetime.now(UTC).strftime("%H:%M:%S UTC")


class SecurityHeaders:
    """The same strict headers on every response (pages, events, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Pages:
    """Renders the board's pages and fragments from a state, redacted on the way out."""

    def __init__(self, redact: Redactor) -> None:
        self.env = environment(str(HERE / "templates"))
        self.redact = redact

    def _render(self, template: str, **context: Any) -> str:
        return self.redact.text(self.env.get_template(template).render(**context))

    def context(self, state: BoardState, viewer: Viewer = LOCAL) -> dict[str, Any]:
        r = state.report
        return {
            "r": r,
            "viewer": viewer,
            "status": status_for(state.status, viewer.instructor),
            "events": "/events",
            "state": state,
            "keys": [k for k in info_keys(r) if k in ("name", "section")],
            "summary": summary_lines(r),
            "counts": r.passed_counts(),
            "clock": clock(),
            "legend": LEGEND,
            "highlight": False,  # rows sent in an update are marked as just changed; a page's first view is not
        }

    def board(self, state: BoardState, viewer: Viewer = LOCAL) -> str:
        return self._render("board.html", **self.context(state, viewer))

    def participant(self, state: BoardState, p: ParticipantGrade, viewer: Viewer = LOCAL) -> str:
        return self._render("participant.html", p=p, **{**self.context(state, viewer), "events": _events_of(p.user)})

    def room(self, state: BoardState, viewer: Viewer = LOCAL) -> str:
        return self._render("room.html", **{**self.context(state, viewer), "events": "/room/events"})

    def update(self, state: BoardState, since: int, view: str, user: str | None = None, viewer: Viewer = LOCAL) -> dict[str, Any]:
        """What changed since the page's version, for one view: "class" (status, summary, totals, the changed rows),
        "participant" (one participant's detail), "room" (the counts, no names); the status as `viewer` may read it."""
        ctx = {**self.context(state, viewer), "highlight": True}
        out: dict[str, Any] = {
            "version": state.version,
            "clock": ctx["clock"],
            "status_html": self._render("_status.html", **ctx),
        }
        if view == "room":
            out["room_html"] = self._render("_room.html", **ctx)
            return out
        by_user = {p.user: p for p in state.report.participants}
        if view == "participant":
            if user in by_user and state.versions.get(user, 0) > since:
                out["detail_html"] = self._render("_detail.html", p=by_user[user], **ctx)
            return out
        out["summary_html"] = self._render("_summary.html", **ctx)
        out["totals_html"] = self._render("_totals.html", **ctx)
        out["rows"] = {u: self._render("_row.html", p=p, **ctx) for u, p in by_user.items() if state.versions.get(u, 0) > since}
        return out


def status_for(status: str | None, instructor: bool) -> str | None:
    """The board's status line as a viewer may read it: in full for the instructor; for a participant or the room only
    what it means (an error's text may name another participant's objects)."""
    if not status or instructor:
        return status
    if "unreachable" in status:
        return "grading paused: the cluster is out of reach; it resumes by itself"
    return "grading paused for a moment; it resumes by itself"


def _events_of(user: str) -> str:
    from urllib.parse import quote

    return f"/p/{quote(user, safe='')}/events"


def api_state(report: GradeReport, state: BoardState) -> dict[str, Any]:
    data = report.to_dict()
    data["board"] = {"version": state.version, "status": state.status, "changed_at": state.changed_at}
    return data


def _viewer(request: Request) -> Viewer:
    return getattr(request.state, "viewer", None) or LOCAL


def create_app(
    live: LiveBoard, redact: Redactor, allowed_hosts: list[str] | None = None, keys: BoardKeys | None = None, secure: bool = False
) -> Starlette:
    """The board's application; with `keys` (a board on a non-loopback address) nothing of the class is shown without one."""
    pages = Pages(redact)

    async def index(request: Request) -> Response:
        return HTMLResponse(pages.board(live.state(), _viewer(request)))

    async def participant(request: Request) -> Response:
        state = live.state()
        user = request.path_params["user"]
        found = next((p for p in state.report.participants if p.user == user), None)
        if found is None:
            page = f"<!doctype html><title>not found</title><p>no participant {html.escape(user[:40])}</p>"
            return HTMLResponse(redact.text(page), 404)
        return HTMLResponse(pages.participant(state, found, _viewer(request)))

    async def room(request: Request) -> Response:
        return HTMLResponse(pages.room(live.state(), _viewer(request)))

    async def board_json(request: Request) -> Response:
        state = live.state()
        return Response(redact.text(json.dumps(api_state(state.report, state))), media_type="application/json")

    def stream_of(request: Request, view: str, user: str | None = None) -> Response:
        last = request.headers.get("last-event-id") or request.query_params.get("since") or "0"
        since = int(last) if last.isascii() and last.isdigit() and len(last) < 19 else 0
        viewer = _viewer(request)

        async def stream() -> AsyncIterator[str]:
            version = since
            yield "retry: 2000\n\n"
            while True:
                state = await anyio.to_thread.run_sync(live.wait, version, 1.0)
                if state.version > version:
                    payload = pages.update(state, version, view, user, viewer)
                    version = state.version
                    yield f"event: update\nid: {version}\ndata: {json.dumps(payload)}\n\n"
                else:
                    yield f"event: tick\ndata: {json.dumps({'clock': clock()})}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    async def events(request: Request) -> Response:
        return stream_of(request, "class")

    async def participant_events(request: Request) -> Response:
        return stream_of(request, "participant", request.path_params["user"])

    async def room_events(request: Request) -> Response:
        return stream_of(request, "room")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})  # public: says that the board is up, and nothing of the class

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/p/{user}", participant, methods=["GET"]),
        Route("/p/{user}/events", participant_events, methods=["GET"]),
        Route("/room", room, methods=["GET"]),
        Route("/room/events", room_events, methods=["GET"]),
        Route("/events", events, methods=["GET"]),
        Route("/api/board", board_json, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    middleware.append(Middleware(KeyGuard, keys=keys, secure=secure))
    # the class page of 1000 participants is about 1 MiB of HTML: compressed, about 40 KiB (event streams never are)
    middleware.append(Middleware(GZipMiddleware, minimum_size=4096))
    return Starlette(routes=routes, middleware=middleware)
