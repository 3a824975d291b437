"""JSONL corpora (evqa.corpus.jsonl)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from corpus_fakes import BODY, write, write_jsonl

from evqa.corpus import iter_corpus, read_corpus
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


@pytest.mark.parametrize("declared", ["standard", "pdf", 1])
def test_a_format_evqa_does_not_know_is_ignored_with_a_warning(tmp_path: Path, declared) -> None:
    # an export's own "format" field (WordPress writes "standard") must not make its rows bad
    row = {"id": "a", "text": MARKDOWN, "format": declared}
    read = read_corpus(write_jsonl(tmp_path / "c.jsonl", [row]))
    plain = read_corpus(write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": MARKDOWN}]))
    assert [a.text for a in read.articles] == [a.text for a in plain.articles]
    assert "**" not in read.articles[0].text  # read as it looks: Markdown
    [warning] = read.warnings
    assert warning.startswith("c.jsonl line 1: field 'format' is ") and "ignored" in warning


def test_empty_jsonl(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no readable articles"):
        read_corpus(write(tmp_path / "c.jsonl", "\n\n"))


MARKDOWN = """# Gotion Starts Pilot Line

Gotion said its battery entered **pilot production** in [Hefei](https://example.com/h).
It plans a 2 GWh line.

* Chemistry: LFP
* Format: prismatic

| Cell | Energy density |
|------|---------------:|
| G1   | 190 Wh/kg      |
"""
HEADING_ONLY = f"# Gotion Starts Pilot Line\n\n{BODY}"  # one kind of Markdown: not told from text


def _as_file(tmp_path: Path, text: str, suffix: str) -> tuple[str, str | None, str | None]:
    """(text, title, date) of ``text`` read from a file of that suffix."""
    (article,) = read_corpus(write(tmp_path / suffix / f"a.{suffix}", text)).articles
    return article.text, article.title, article.date


def _as_row(tmp_path: Path, row: dict) -> tuple[str, str | None, str | None]:
    """(text, title, date) of ``row`` read from a .jsonl file, read whole and streamed."""
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", **row}])
    (article,) = read_corpus(path).articles
    assert list(iter_corpus(path).articles) == [article]
    return article.text, article.title, article.date


def test_a_markdown_row_is_read_as_the_same_text_in_a_md_file(tmp_path: Path) -> None:
    text, title, date = _as_row(tmp_path, {"text": MARKDOWN})
    assert (text, title, date) == _as_file(tmp_path, MARKDOWN, "md")
    assert title == "Gotion Starts Pilot Line"
    assert text == (
        "Gotion said its battery entered pilot production in Hefei.\nIt plans a 2 GWh line."
        "\n\nChemistry: LFP\nFormat: prismatic\n\nG1 — Energy density: 190 Wh/kg."
    )


@pytest.mark.parametrize(
    ("text", "row_format", "read_as"),
    [
        (MARKDOWN, "text", "txt"),  # the field wins over what the text looks like
        (MARKDOWN, "TXT", "txt"),
        (MARKDOWN, None, "md"),  # null, or "", is no format: the text decides
        (MARKDOWN, "", "md"),
        (HEADING_ONLY, "markdown", "md"),
        (HEADING_ONLY, " Markdown ", "md"),
        (HEADING_ONLY, "md", "md"),
        (HEADING_ONLY, None, "txt"),
    ],
)
def test_a_rows_format_says_how_its_text_is_read(
    tmp_path: Path, text: str, row_format: str | None, read_as: str
) -> None:
    row = {"text": text, "format": row_format}
    assert _as_row(tmp_path, row) == _as_file(tmp_path, text, read_as)


def test_a_row_of_format_html_is_read_as_the_same_page_in_a_html_file(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Gotion Starts Pilot Line</title></head><body><article>"
        f"<h1>Gotion Starts Pilot Line</h1><p>{BODY}</p></article></body></html>"
    )
    read = _as_row(tmp_path, {"text": page, "format": "html"})
    assert read == _as_file(tmp_path, page, "html")
    assert read[0] == BODY
    assert _as_row(tmp_path, {"text": page})[0].startswith("<html>")  # never guessed


@pytest.mark.parametrize(
    "text",
    [
        f"Sales rose 5%* in the quarter, a 5* hotel rated *****. {BODY}\n*Excluding fuel.",
        f"Fans cheered with #tag and #GotionPilot.\n#1 in Asia. {BODY}",
        f"# of cells: 4,000 (one kind of Markdown alone)\n\n{BODY}",
        f"Only **one** kind of markup here. {BODY}",
        f"- first point\n- second point\n\n{BODY}",
        f"The C# team [sic] (twice) met at snake_case and __init__. a | b\nc | d\n{BODY}",
    ],
)
def test_plain_text_with_a_stray_markup_character_is_read_as_text(
    tmp_path: Path, text: str
) -> None:
    assert _as_row(tmp_path, {"text": text}) == _as_file(tmp_path, text, "txt")
