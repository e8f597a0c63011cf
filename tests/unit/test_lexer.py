"""The linear shell lexer gives exactly what `shlex` gives (tokens, or the same ValueError), on generated input."""

from __future__ import annotations

import shlex

from hypothesis import example, given, settings
from hypothesis import strategies as st

from runner.syntax.lexer import Quotes, split_words

TEXT = st.text(alphabet=" \t\n\\'\"#|&;()<>ab=$-.x", max_size=40)


def _shlex(text: str, punctuation: bool, comments: bool) -> list[str] | str:
    try:
        if not punctuation:
            return shlex.split(text, comments=comments)
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        if not comments:
            lexer.commenters = ""
        return list(lexer)
    except ValueError as exc:
        return str(exc)


def _ours(text: str, punctuation: bool, comments: bool) -> list[str] | str:
    try:
        return split_words(text, punctuation=punctuation, comments=comments)
    except ValueError as exc:
        return str(exc)


@settings(max_examples=500, deadline=None)
@given(text=TEXT, punctuation=st.booleans(), comments=st.booleans())
@example(text='a|\'b\'&&"c\\"d"#e\nf', punctuation=True, comments=True)
@example(text="''", punctuation=False, comments=False)
@example(text='"a\\', punctuation=False, comments=False)
def test_same_tokens_as_shlex(text, punctuation, comments):
    assert _ours(text, punctuation, comments) == _shlex(text, punctuation, comments)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(TEXT.filter(lambda t: "\n" not in t), min_size=1, max_size=6))
def test_open_quote_fed_line_by_line_agrees_with_shlex(lines):
    quotes = Quotes()
    for i, line in enumerate(lines):
        quotes.feed(line if i == 0 else "\n" + line)
        whole = "\n".join(lines[: i + 1])
        assert quotes.open == isinstance(_shlex(whole, False, False), str)


def test_a_nul_marker_in_the_command_itself_stays_as_written():
    from runner.syntax.shell import segments

    assert segments("echo \x005\x00 <user>")[0][:2] == ["echo", "\x005\x00"]  # raised IndexError
