"""The web board as a Starlette application: pages from Jinja2 templates, live updates as server-sent events.

Read-only by construction: every route is GET (anything else is 405), no
form, no action; the pages show only the grades' text, which went through
the grade's `Redactor` (and every page and event once more on the way out).
The initial page is rendered in full; an update sends only the rows of the
participants graded again since the version the page has, so 200
participants cost one row's HTML per change, not the whole table.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
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

    def context(self, state: BoardState) -> dict[str, Any]:
        r = state.report
        return {
            "r": r,
            "state": state,
            "keys": [k for k in info_keys(r) if k in ("name", "section")],
            "summary": summary_lines(r),
            "counts": r.passed_counts(),
            "clock": clock(),
            "legend": LEGEND,
            "highlight": False,  # rows sent in an update are marked as just changed; a page's first view is not
        }

    def board(self, state: BoardState) -> str:
        return self._render("board.html", **self.context(state))

    def participant(self, state: BoardState, p: ParticipantGrade) -> str:
        return self._render("participant.html", p=p, **self.context(state))

    def update(self, state: BoardState, since: int, user: str | None) -> dict[str, Any]:
        """What changed since the page's version: status, summary, totals and the rows (or one participant's detail)."""
        ctx = {**self.context(state), "highlight": True}
        out: dict[str, Any] = {
            "version": state.version,
            "clock": ctx["clock"],
            "status_html": self._render("_status.html", **ctx),
        }
        by_user = {p.user: p for p in state.report.participants}
        if user:
            if user in by_user and state.versions.get(user, 0) > since:
                out["detail_html"] = self._render("_detail.html", p=by_user[user], **ctx)
            return out
        out["summary_html"] = self._render("_summary.html", **ctx)
        out["totals_html"] = self._render("_totals.html", **ctx)
        out["rows"] = {u: self._render("_row.html", p=p, **ctx) for u, p in by_user.items() if state.versions.get(u, 0) > since}
        return out


def api_state(report: GradeReport, state: BoardState) -> dict[str, Any]:
    data = report.to_dict()
    data["board"] = {"version": state.version, "status": state.status, "changed_at": state.changed_at}
    return data


def create_app(live: LiveBoard, redact: Redactor, allowed_hosts: list[str] | None = None) -> Starlette:
    pages = Pages(redact)

    async def index(request: Request) -> Response:
        return HTMLResponse(pages.board(live.state()))

    async def participant(request: Request) -> Response:
        state = live.state()
        user = request.path_params["user"]
        found = next((p for p in state.report.participants if p.user == user), None)
        if found is None:
            return HTMLResponse(redact.text(f"<!doctype html><title>not found</title><p>no participant {user!s:.40}</p>"), 404)
        return HTMLResponse(pages.participant(state, found))

    async def board_json(request: Request) -> Response:
        state = live.state()
        return Response(redact.text(json.dumps(api_state(state.report, state))), media_type="application/json")

    async def events(request: Request) -> Response:
        last = request.headers.get("last-event-id") or request.query_params.get("since") or "0"
        since = int(last) if last.isdigit() else 0
        user = request.query_params.get("user") or None

        async def stream() -> AsyncIterator[str]:
            version = since
            yield "retry: 2000\n\n"
            while True:
                state = await anyio.to_thread.run_sync(live.wait, version, 1.0)
                if state.version > version:
                    payload = pages.update(state, version, user)
                    version = state.version
                    yield f"event: update\nid: {version}\ndata: {json.dumps(payload)}\n\n"
                else:
                    yield f"event: tick\ndata: {json.dumps({'clock': clock()})}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "version": live.state().version})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/p/{user}", participant, methods=["GET"]),
        Route("/events", events, methods=["GET"]),
        Route("/api/board", board_json, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    return Starlette(routes=routes, middleware=middleware)
