"""The board's door: every request shows its key (a cookie, a bearer header, or `?key=` once) or gets nothing of the class.

A key in the address is exchanged for an HttpOnly, SameSite=Strict cookie
scoped to what it opens (`/` for the instructor, `/p/<user>` for a
participant, `/room` for the room), and the address bar is cleaned: the
answer is a small page that sets the cookie and moves on to the same path
without the key. It is a page and not a 303 because a browser does not send
a SameSite=Strict cookie on a redirect of a navigation that began on another
site (a participant's link in a mail or an LMS); the move our own page makes
is same-site, so the cookie goes with it.

Without any key: 401. With keys, none of which opens the route: 403. Neither
answer shows anything of the class, nor the key that was given.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from runner.web.access import LOCAL, BoardKeys, Viewer
from runner.web.access import Scope as Access

COOKIE_MAX_AGE = 24 * 3600  # a workshop day; the link opens the page again after that
PAGES = ("/", "/room")  # pages whose address may carry ?key= (and /p/<user>): the key is exchanged for a cookie


def _is_page(path: str, access: Access) -> bool:
    return path in PAGES or (access is Access.PARTICIPANT and not path.endswith("/events"))


COOKIES = {Access.CLASS: "board_key", Access.ROOM: "board_room", Access.PARTICIPANT: "board_p"}


def route_scope(path: str) -> tuple[Access, str | None]:
    """Which key opens `path`, and whose page it is: one table for the whole board."""
    if path.startswith("/static/") or path in ("/healthz", "/favicon.ico"):
        return Access.PUBLIC, None
    if path in ("/room", "/room/events"):
        return Access.ROOM, None
    if path.startswith("/p/"):
        user = unquote(path[3:].removesuffix("/events"))
        if user and "/" not in user:
            return Access.PARTICIPANT, user
    return Access.CLASS, None


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, read as browsers send them: another site's cookie on the same host (JSON, spaces) must
    not hide ours (`SimpleCookie` gives up on the whole header then)."""
    jar: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar.update(cookie_parser(value.decode("latin-1")))
    return jar


def _bearer(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            if kind.lower() == "bearer":
                return token.strip()
    return ""


def _page(status: int, title: str, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, list, bytes]:
    body = f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title><p>{text}</p></html>'.encode()
    return status, [(b"content-type", b"text/html; charset=utf-8"), *(headers or [])], body


class KeyGuard:
    """ASGI middleware: no route but the public ones answers without a key that opens it."""

    def __init__(self, app: ASGIApp, keys: BoardKeys | None, secure: bool = False) -> None:
        self.app = app
        self.keys = keys
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        path = scope.get("path", "/")
        access, user = route_scope(path)
        if self.keys is None:  # a loopback board: the instructor's own laptop
            state["viewer"] = LOCAL
            await self.app(scope, receive, send)
            return
        if access is Access.PUBLIC:
            state["viewer"] = None
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "key"]
        jar = _cookies(scope)
        presented = [_bearer(scope), *(value for name, value in jar.items() if name in COOKIES.values())]
        if given:  # a key in the address decides alone: it opens this page, or the answer is 403
            viewer = self.keys.viewer(given[0], access, user)
            if viewer is None:
                await self._answer(send, *_page(403, "not this key", "This key does not open this page."))
                return
            if scope.get("method") == "GET" and _is_page(path, access):
                await self._exchange(send, path, [(k, v) for k, v in query if k != "key"], given[0], viewer, user)
                return
        else:
            viewer = self._first(presented, access, user)
        if viewer is None:
            if any(presented):
                await self._answer(send, *_page(403, "not allowed", "Your key does not open this page."))
            else:
                await self._answer(
                    send,
                    *_page(401, "key needed", "This board needs a key: open the link you were given."),
                    www=True,
                )
            return
        state["viewer"] = viewer
        await self.app(scope, receive, send)

    def _first(self, presented: list[str], access: Access, user: str | None) -> Viewer | None:
        assert self.keys is not None
        for key in presented:
            viewer = self.keys.viewer(key, access, user)
            if viewer is not None:
                return viewer
        return None

    async def _exchange(
        self, send: Send, path: str, rest: list[tuple[str, str]], key: str, viewer: Viewer, user: str | None
    ) -> None:
        """Set the key's cookie on the path it opens, and move on to the same address without the key."""
        name, cookie_path = {
            "instructor": (COOKIES[Access.CLASS], "/"),
            "room": (COOKIES[Access.ROOM], "/room"),
            "participant": (COOKIES[Access.PARTICIPANT], f"/p/{quote(user or '', safe='')}"),
        }[viewer.role]
        attrs = f"{name}={key}; Path={cookie_path}; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Strict"
        if self.secure:
            attrs += "; Secure"
        clean = quote(path, safe="/") + (f"?{urlencode(rest)}" if rest else "")
        status, headers, body = _page(
            200, "opening the board", f'<meta http-equiv="refresh" content="0;url={clean}"><a href="{clean}">Open the board</a>'
        )
        headers.append((b"set-cookie", attrs.encode("latin-1")))
        await self._answer(send, status, headers, body)

    async def _answer(self, send: Send, status: int, headers: list, body: bytes, www: bool = False) -> None:
        if www:
            headers = [*headers, (b"www-authenticate", b'Bearer realm="board"')]
        await send(
            {"type": "http.response.start", "status": status, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        )
        await send({"type": "http.response.body", "body": body})
