"""Shell words in linear time: what `shlex` (POSIX mode, `whitespace_split`) gives, without its quadratic cost.

`shlex` builds each token one character at a time (`token = token + c` on an
attribute), so a single word of 1 MB takes minutes; and asking "is a quote
still open?" of a growing command again for each of its lines is quadratic
too. `split_words` gives the same tokens as `shlex.split` (and, with
`punctuation`, as `shlex.shlex(posix=True, punctuation_chars=True)` with
`whitespace_split`), consuming runs of plain characters with one regular
expression step; `Quotes` answers the open-quote question line by line, each
line read once. `tests/unit/test_lexer.py` compares both with `shlex` on
generated input.
"""

from __future__ import annotations

import re

WHITESPACE = " \t\r\n"
PUNCTUATION = "();<>|&"
_QUOTES = "'\""


def _plain(special: str) -> re.Pattern[str]:
    return re.compile("[^" + re.escape(special) + "]+")


_RUNS = {
    (punct, comments): _plain(WHITESPACE + _QUOTES + "\\" + ("#" if comments else "") + (PUNCTUATION if punct else ""))
    for punct in (False, True)
    for comments in (False, True)
}
_DOUBLE_RUN = _plain('"\\')
_PUNCT_RUN = re.compile("[" + re.escape(PUNCTUATION) + "]+")


def split_words(text: str, *, punctuation: bool = False, comments: bool = False) -> list[str]:
    """The tokens `shlex` would give; ValueError("No closing quotation" / "No escaped character") like it.

    `punctuation`: runs of `();<>|&` are tokens of their own (`a|b` -> a, |, b).
    `comments`: `#` outside quotes ends the line (shlex's default commenters).
    """
    run = _RUNS[(punctuation, comments)]
    puncts = PUNCTUATION if punctuation else ""
    out: list[str] = []
    token: list[str] = []
    quoted = False
    state = " "  # " " between tokens, "a" in a word, "c" in a run of punctuation
    i, n = 0, len(text)

    def emit() -> None:
        nonlocal token, quoted
        if token or quoted:
            out.append("".join(token))
        token, quoted = [], False

    while True:
        if i >= n:
            if state != " ":
                emit()
            return out
        ch = text[i]
        if state == "c":
            if ch in puncts:
                m = _PUNCT_RUN.match(text, i)
                assert m is not None
                token.append(m.group(0))
                i = m.end()
                continue
            emit()
            state = " "
            if ch in WHITESPACE:
                i += 1
            elif comments and ch == "#":
                i = _after_line(text, i)
            continue  # anything else is read again between tokens
        if ch in WHITESPACE:
            if state == "a":
                emit()
                state = " "
            i += 1
        elif comments and ch == "#":
            i = _after_line(text, i)
            if state == "a":
                emit()
                state = " "
        elif ch == "\\":
            if i + 1 >= n:
                raise ValueError("No escaped character")
            token.append(text[i + 1])
            i += 2
            state = "a"
        elif ch in _QUOTES:
            quoted = True
            i = _quoted(text, i + 1, ch, token)
            state = "a"
        elif ch in puncts:
            if state == "a":
                emit()
            token.append(ch)
            i += 1
            state = "c"
        else:
            m = run.match(text, i)
            assert m is not None
            token.append(m.group(0))
            i = m.end()
            state = "a"


def _after_line(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end + 1


def _quoted(text: str, i: int, quote: str, token: list[str]) -> int:
    """Read a quoted part from `i` (just past the opening quote) into `token`; the index past the closing quote."""
    n = len(text)
    if quote == "'":
        end = text.find("'", i)
        if end < 0:
            raise ValueError("No closing quotation")
        token.append(text[i:end])
        return end + 1
    while True:
        m = _DOUBLE_RUN.match(text, i)
        if m:
            token.append(m.group(0))
            i = m.end()
        if i >= n:
            raise ValueError("No closing quotation")
        if text[i] == '"':
            return i + 1
        # a backslash: in double quotes it escapes only `"` and itself, else it stays
        if i + 1 >= n:
            raise ValueError("No escaped character")
        nxt = text[i + 1]
        if nxt not in '"\\':
            token.append("\\")
        token.append(nxt)
        i += 2


_OUTSIDE = re.compile(r"['\"\\]")
_IN_DOUBLE = re.compile(r'["\\]')


class Quotes:
    """Whether the text fed so far ends inside a quote or right after a backslash, fed piece by piece.

    Each piece is read once, so a command of many lines is read in linear
    time however long it grows (asking `shlex` again for each line is
    quadratic).
    """

    def __init__(self) -> None:
        self.quote: str | None = None  # "'" or '"' while inside one
        self.escaped = False  # a backslash whose character has not come yet

    @property
    def open(self) -> bool:
        return self.quote is not None or self.escaped

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        if self.escaped and n:
            self.escaped, i = False, 1
        while i < n:
            if self.quote == "'":
                end = text.find("'", i)
                if end < 0:
                    return
                self.quote, i = None, end + 1
                continue
            m = (_IN_DOUBLE if self.quote == '"' else _OUTSIDE).search(text, i)
            if m is None:
                return
            ch, i = m.group(0), m.end()
            if ch == "\\":
                if i >= n:
                    self.escaped = True
                    return
                i += 1
            elif self.quote == '"':
                self.quote = None
            else:
                self.quote = ch
