"""The user name in any spelling: which placeholder names `--user` fills, and which typos of them are still typos."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.lesson import placeholders as ph

# names whose words say "the reader's user name" (issue 19: spellings of published tutorials, and the grammar's parts)
USER_NAMES = [
    "username",
    "USERNAME",
    "your-username",
    "yourUsername",
    "YourUserName",
    "yourusername",
    "YOUR_USERNAME",
    "user-name",
    "user_name",
    "User Name",
    "your username",
    "your-username-here",
    "change-this-to-your-username",
    "changeThisToYourUsername",
    "replace-with-your-username",
    "fill in your username",
    "enter-your-username",
    "insert_your_user_name_here",
    "my-own-username",
    "the-username",
    "login",
    "your-login",
    "YOUR_LOGIN_NAME",
]

# names that may be the user's but do not say so, user names of something else, user ids, keys
NOT_USER_NAMES = [
    "name",
    "user",
    "NUMBER",
    "your-name",
    "namespace",
    "your-user",
    "users",
    "your-user-id",
    "user-id",
    "userid",
    "uid",
    "github-username",
    "yourGithubUsername",
    "git-username",
    "docker_username",
    "admin-username",
    "new-username",
    "user.name",
    "username-namespace",
    "username2",
    "login-node",
    "hostname",
    "usernam",
    "yourUsernam",
    "here",
    "your",
]


@pytest.mark.parametrize("name", USER_NAMES)
def test_a_name_that_says_user_name_is_read_as_the_user_name(name):
    assert ph.reads_as_user_name(name)
    assert ph.fills_user_name(name, ["username"])
    assert ph.near_miss(name, ["username", "storage-class"]) is None  # a spelling is not a typo


@pytest.mark.parametrize("name", NOT_USER_NAMES)
def test_a_name_that_only_may_be_one_is_not(name):
    assert not ph.reads_as_user_name(name)
    assert not ph.fills_user_name(name, ["username"])


@pytest.mark.parametrize(
    "name", ["usernam", "USERNAM", "yourUsernam", "your-usrname", "YOUR_USER_NAM", "changethistoyourusernme", "yourusernam"]
)
def test_a_near_miss_of_a_spelling_is_a_typo_of_username(name):
    assert ph.user_name_typo(name)
    assert ph.near_miss(name, ["username"]) == "username"


@pytest.mark.parametrize("name", ["name", "user", "your-name", "github-username", "git-username", "log", "logo", "user-id"])
def test_other_names_are_not_typos_of_the_user_name(name):
    assert ph.near_miss(name, ["username"]) is None


def test_a_spelling_the_lesson_declares_is_a_value_of_its_own():
    """Front matter that declares `user-name` (a database user, say) keeps it: --user does not fill it."""
    assert not ph.fills_user_name("user-name", ["username", "user-name"])
    assert ph.fills_user_name("username", ["username", "user-name"])


def test_words_may_be_glued_but_not_split():
    """Case-folding glues camelCase: `yourUSERname` is "your user name"; a separator inside a word is no word of it."""
    assert ph.reads_as_user_name("yourUSERname") and ph.reads_as_user_name("changethistoyourusername")
    assert not ph.reads_as_user_name("us-ername") and not ph.reads_as_user_name("your-user-na-me")
    assert not ph.reads_as_user_name("user.name") and not ph.reads_as_user_name("username-")


def test_a_long_run_of_separators_is_read_in_linear_time():
    assert not ph.reads_as_user_name("change" + "-" * 5000 + "x")
    assert ph.reads_as_user_name("change" + "-_ " * 2000 + "your username")


def test_as_user_name_writes_every_spelling_as_username():
    text = "pod-<yourUsername> <YOUR NAME> <your username> <name> <USERNAME>"
    assert ph.as_user_name(text, ["username"]) == "pod-<username> <YOUR NAME> <username> <name> <username>"


# ---- any casing, any separators ---------------------------------------------------------------------------------


def _spelled(phrase: tuple[str, ...], draw) -> str:
    """`phrase` with every letter in a drawn case and the words joined by drawn separators (`-`, `_`, space, none)."""
    out = ""
    for i, word in enumerate(phrase):
        if i:
            out += draw(st.sampled_from(["-", "_", " ", "", "--", "_-"]))
        upper = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
        out += "".join(c.upper() if up else c for c, up in zip(word, upper, strict=True))
    return out


@st.composite
def spellings_of(draw, phrases):
    return _spelled(draw(st.sampled_from(phrases)), draw)


YOUR_USER_NAME = [
    ("your", "user", "name"),
    ("your", "username"),
    ("user", "name"),
    ("username",),
    ("my", "username"),
    ("change", "this", "to", "your", "user", "name"),
    ("your", "user", "name", "here"),
]
NOT_IT = [("name",), ("user",), ("your", "name"), ("your", "user"), ("user", "id"), ("your", "user", "id"), ("my", "name")]


@given(spellings_of(YOUR_USER_NAME))
def test_any_casing_and_separators_of_your_user_name_read_as_the_user_name(name):
    assert ph.reads_as_user_name(name), name
    assert ph.near_miss(name, ["username"]) is None


@given(spellings_of(NOT_IT))
def test_no_casing_or_separators_make_name_or_user_the_user_name(name):
    assert not ph.reads_as_user_name(name), name
    assert not ph.fills_user_name(name, ["username"])


@given(st.sampled_from(YOUR_USER_NAME), st.data())
def test_a_letter_dropped_from_user_name_in_any_spelling_is_a_typo(phrase, data):
    core = [i for i, w in enumerate(phrase) if w in ("user", "name", "username")]
    word = data.draw(st.sampled_from(core))
    at = data.draw(st.integers(0, len(phrase[word]) - 1))
    dropped = (*phrase[:word], phrase[word][:at] + phrase[word][at + 1 :], *phrase[word + 1 :])
    typo = _spelled(dropped, data.draw)
    assert not ph.reads_as_user_name(typo)
    assert ph.near_miss(typo, ["username"]) == "username", typo
