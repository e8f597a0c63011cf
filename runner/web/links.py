"""The board's addresses: the instructor's, each participant's own, the room's; and the links file handed out.

One place builds every URL that carries a key, so that what is printed at
start, what `--links` writes and what the guard accepts cannot disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from runner.web.access import BoardKeys


@dataclass(frozen=True)
class BoardLinks:
    base: str  # ends in "/"
    keys: BoardKeys | None  # None: a loopback board without keys, whose links carry none

    def _with_key(self, path: str, key: str | None) -> str:
        return self.base + path + (f"?key={quote(key, safe='')}" if key else "")

    @property
    def instructor(self) -> str:
        return self._with_key("", self.keys.instructor if self.keys else None)

    def participant(self, user: str) -> str:
        return self._with_key(f"p/{quote(user, safe='')}", self.keys.participant(user) if self.keys else None)

    @property
    def room(self) -> str:
        return self._with_key("room", self.keys.room if self.keys else None)

    def csv(self, people: Iterable[tuple[str, str]]) -> str:
        """kind,user,name,url: the room's view first (for the projector), then one row per (user, name)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["kind", "user", "name", "url"])
        w.writerow(["room", "", "", self.room])
        for user, name in people:
            w.writerow(["participant", user, name, self.participant(user)])
        return out.getvalue()
