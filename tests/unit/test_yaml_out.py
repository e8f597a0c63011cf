"""The YAML written for kubectl reads back as exactly what was written, under YAML 1.1 and 1.2 rules alike.

kubectl reads YAML as Go does: `8e1234` is a number there, while PyYAML (YAML
1.1) writes that string plain. A run id like that in a label made kubectl
refuse a lesson's manifest at random (about one run in 70).
"""

from __future__ import annotations

import io

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from runner.syntax.yaml import dump, dump_all

YAML12 = YAML(typ="safe", pure=True)

TRICKY = [
    "8e1234",  # a run id, once
    "52e71234",
    "1E5",
    "+1e-3",
    ".5",
    "1.",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    ".inf",
    "-.Inf",
    ".NaN",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "N",
    "true",
    "False",
    "null",
    "~",
    "",
    "12:30",
    "2026-12-01",
    "007",
]


def _both(text: str) -> tuple[object, object]:
    return yaml.safe_load(text), YAML12.load(io.StringIO(text))


def test_strings_that_look_like_numbers_booleans_or_null_stay_strings():
    labels = {f"k{i}": value for i, value in enumerate(TRICKY)}
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": labels}, "data": labels}
    for read in _both(dump(body)):
        assert read == body


def test_an_exponent_without_a_dot_is_quoted_where_pyyaml_would_not():
    # the test above can fail: PyYAML alone writes it plain, and a YAML 1.2 reader gets a number
    assert yaml.safe_dump({"run": "8e1234"}).strip() == "run: 8e1234"
    assert YAML12.load(io.StringIO(yaml.safe_dump({"run": "8e1234"}))) == {"run": float("inf")}
    assert dump({"run": "8e1234"}).strip() == 'run: "8e1234"'


def test_ordinary_strings_stay_plain():
    assert dump({"name": "s1-bob", "image": "rockylinux:8", "run": "a3f9c2d1"}).splitlines() == [
        "name: s1-bob",
        "image: rockylinux:8",
        "run: a3f9c2d1",
    ]


def test_several_documents():
    docs = [{"a": "1e5"}, {"b": ["on", 1, 2.5, None, True]}]
    for read in (list(yaml.safe_load_all(dump_all(docs))), list(YAML12.load_all(io.StringIO(dump_all(docs))))):
        assert read == docs


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789eExXoObB.+-_:~ yYnNtruefalsOFinaIN", max_size=12))
def test_any_string_of_number_like_characters_reads_back_as_itself(value):
    for read in _both(dump({"v": value, "l": [value]})):
        assert read == {"v": value, "l": [value]}


def test_a_dot_and_underscores_is_quoted():
    """`._` and `._1` are floats to a YAML 1.1 resolver (ruamel raised on `._`); hypothesis found them."""
    for value in ("._", "._1", "+._5", "-_", "+_", "_1"):
        for read in _both(dump({"v": value})):
            assert read == {"v": value}
