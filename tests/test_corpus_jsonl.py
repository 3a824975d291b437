"""JSONL corpora (evqa.corpus.jsonl)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from corpus_fakes import BODY, write, write_jsonl

from evqa.corpus import read_corpus
from evqa.errors import CorpusError


def test_jsonl_corpus(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "id": "z",
                "text": f"Zed. {BODY}",
                "title": "Zed",
                "date": "May 3, 2024",
                "url": "u",
                "extra": 1,
            },
            "",
            {"id": "a", "text": f"Headline of article a here\n{BODY}", "title": None},
        ],
    )
    read = read_corpus(path)
    assert read.warnings == ()
    a, z = read.articles
    assert (a.id, a.title, a.text, a.source) == (
        "a",
        "Headline of article a here",
        BODY,
        f"{path.name}:3",
    )
    assert (z.title, z.date, z.url, z.source) == ("Zed", "2024-05-03", "u", f"{path.name}:1")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{broken", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"text"', "must be a JSON object"),
        (json.dumps({"text": BODY}), "missing required field 'id'"),
        (json.dumps({"id": "b"}), "missing required field 'text'"),
        (json.dumps({"id": " ", "text": BODY}), "field 'id' is empty"),
        (json.dumps({"id": "b", "text": "  "}), "field 'text' is empty"),
        (json.dumps({"id": 7, "text": BODY}), "field 'id' must be a string"),
        (json.dumps({"id": "b", "text": BODY, "title": 3}), "field 'title' must be a string"),
        (json.dumps({"id": "b", "text": BODY, "date": 2020}), "field 'date' must be a string"),
        (json.dumps({"id": "b\nc", "text": BODY}), "id '.+' contains control characters"),
        (  # nested deeper than Python's json can read: bad input, not a RecursionError
            '{"id": "b", "text": "Moles dig.", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}",
            r"not valid JSON \(nested too deeply to read\)",
        ),
    ],
)
def test_malformed_jsonl_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": BODY}, line])
    with pytest.raises(CorpusError, match=f"c.jsonl line 2: {message}"):
        read_corpus(path)
    read = read_corpus(path, skip_bad=True)
    assert [a.id for a in read.articles] == ["a"]
    assert len(read.warnings) == 1
    assert re.match(f"c.jsonl line 2: {message}", read.warnings[0])


def test_jsonl_duplicate_ids(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl", [{"id": "a", "text": BODY}, {"id": "a", "text": "Other."}]
    )
    with pytest.raises(CorpusError, match="line 2: duplicate article id 'a'"):
        read_corpus(path)
    read = read_corpus(path, skip_bad=True)
    assert [a.text for a in read.articles] == [BODY]
    assert "first on line 1" in read.warnings[0]


BAD_LINES = [
    '{"id": "a", "text": "Alpha."',
    json.dumps({"id": "b"}),
    json.dumps({"id": "c", "text": BODY, "title": 5}),
    json.dumps({"id": "d", "text": "Delta.", "date": "2024-02-30"}),  # a warning, not bad
    json.dumps({"id": "e", "text": "Echo."}),
    json.dumps({"id": "e", "text": "Echo again."}),
]


def test_every_bad_line_of_a_jsonl_file_is_named_in_one_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", BAD_LINES)
    with pytest.raises(CorpusError) as err:
        read_corpus(path)
    assert str(err.value).split("\n") == [
        f"{path} has 4 problems; fix them, or pass --skip-bad to leave each out with a warning:",
        "  c.jsonl line 1: not valid JSON (Expecting ',' delimiter at column 29)",
        "  c.jsonl line 2: missing required field 'text'",
        "  c.jsonl line 3: field 'title' must be a string, not int",
        "  c.jsonl line 6: duplicate article id 'e' (first on line 5)",
    ]
    read = read_corpus(path, skip_bad=True)  # the same problems, as warnings
    assert [a.id for a in read.articles] == ["d", "e"]
    assert [w.split(":")[0] for w in read.warnings] == [
        f"c.jsonl line {n}" for n in (1, 2, 3, 4, 6)
    ]


def test_a_jsonl_file_with_many_problems_lists_the_first_and_counts_the_rest(tmp_path):
    lines = [json.dumps({"id": f"x{n}"}) for n in range(1, 26)] + [json.dumps({"id": "y"})]
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": BODY}, *lines])
    with pytest.raises(CorpusError) as err:
        read_corpus(path)
    listed = str(err.value).split("\n")
    assert listed[0].startswith(f"{path} has 26 problems;")
    assert listed[1] == "  c.jsonl line 2: missing required field 'text'"
    assert listed[20] == "  c.jsonl line 21: missing required field 'text'"
    assert listed[21:] == ["  and 6 more"]


def test_jsonl_bad_date_and_empty_text_warn(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [{"id": "a", "text": BODY, "date": "someday"}, {"id": "b", "text": "Loading..."}],
    )
    read = read_corpus(path)
    assert [(a.id, a.date) for a in read.articles] == [("a", None)]
    assert [w.split(":")[0] for w in read.warnings] == ["c.jsonl line 1", "c.jsonl line 2"]


def test_empty_jsonl(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no readable articles"):
        read_corpus(write(tmp_path / "c.jsonl", "\n\n"))
