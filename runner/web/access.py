"""Who may see what on a web board: the instructor's key, each participant's key, the room's key.

Grades are student records. A board bound to loopback is the instructor's
own laptop and needs no key; on any other address every page needs one.
There is one secret, the instructor's key (random, or fixed with
`--key-file`); the other keys are HMACs of it, so no table is stored and a
participant's link stays valid as long as the instructor's key does:

- the instructor's key opens everything;
- a participant's key (HMAC of "participant", user) opens only that
  participant's page and its live updates;
- the room key (HMAC of "room") opens only `/room`, the view without names.

Keys are compared in constant time (`hmac.compare_digest`) and are never
written to a log, an error or a page, except the instructor URL printed once
at start and the links file the instructor asks for.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from runner.core.errors import UsageError

KEY_BYTES = 32  # the instructor's key: 256 random bits, base64url (43 characters)
DERIVED_CHARS = 32  # participant and room keys: 192 bits of an HMAC-SHA256, base64url
MIN_KEY_CHARS = 16
KEY_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{MIN_KEY_CHARS},}}")  # base64url: safe in an address, a cookie, a CSV cell


class Scope(Enum):
    """What a route shows, and so which key opens it."""

    PUBLIC = "public"  # the stylesheet, the script, /healthz: nothing of the class
    CLASS = "class"  # the class board, its events, /api/board: the instructor only
    ROOM = "room"  # counts per check, no names: the room key or the instructor
    PARTICIPANT = "participant"  # one participant's page: their key or the instructor


@dataclass(frozen=True)
class Viewer:
    """Who a request is, once its key was checked: what the pages show (links to the class board, the room link)."""

    role: str  # "instructor", "room", "participant", or "local" (a loopback board, no keys)
    user: str | None = None

    @property
    def instructor(self) -> bool:
        return self.role in ("instructor", "local")


LOCAL = Viewer("local")


def _derive(secret: str, purpose: str, user: str = "") -> str:
    import base64

    mac = hmac.new(secret.encode(), f"{purpose}\0{user}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:DERIVED_CHARS]


@dataclass(frozen=True)
class BoardKeys:
    """The instructor's key and the keys derived from it; `repr` never shows a key."""

    instructor: str

    def __repr__(self) -> str:
        return "BoardKeys(…)"

    @classmethod
    def generate(cls) -> BoardKeys:
        return cls(secrets.token_urlsafe(KEY_BYTES))

    @classmethod
    def from_file(cls, path: str | Path) -> BoardKeys:
        """Read the key from `path`, or write a new random one there (mode 0600) when the file does not exist yet."""
        p = Path(path)
        if not p.exists():
            keys = cls.generate()
            try:
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as e:
                raise UsageError(f"--key-file {path}: cannot create it ({e.strerror})") from None
            with os.fdopen(fd, "w") as f:
                f.write(keys.instructor + "\n")
            return keys
        try:
            text = p.read_text().strip()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"--key-file {path}: cannot read it ({getattr(e, 'strerror', None) or 'not text'})") from None
        if not KEY_SHAPE.fullmatch(text):
            raise UsageError(
                f"--key-file {path}: a key is at least {MIN_KEY_CHARS} letters, digits, - or _ (it travels in addresses "
                "and cookies; delete the file to have a random one written there)"
            )
        if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(f"--key-file {path}: others can read it; chmod 600 {path}")
        return cls(text)

    def participant(self, user: str) -> str:
        return _derive(self.instructor, "participant", user)

    @property
    def room(self) -> str:
        return _derive(self.instructor, "room")

    def viewer(self, presented: str, scope: Scope, user: str | None = None) -> Viewer | None:
        """Who `presented` is, if that key opens `scope` (for `user`'s page); every comparison in constant time."""
        if not presented:
            return None
        given = presented.encode()
        if hmac.compare_digest(given, self.instructor.encode()):
            return Viewer("instructor")
        if scope is Scope.ROOM and hmac.compare_digest(given, self.room.encode()):
            return Viewer("room")
        if scope is Scope.PARTICIPANT and user is not None and hmac.compare_digest(given, self.participant(user).encode()):
            return Viewer("participant", user)
        return None
