"""Articles that repeat an earlier one's text (evqa.corpus.duplicates)."""

from __future__ import annotations

from pathlib import Path

from corpus_fakes import BODY, write, write_jsonl

from evqa.corpus import iter_corpus, read_corpus


def test_a_copy_of_an_article_is_skipped_with_a_warning_naming_both(tmp_path: Path) -> None:
    write(tmp_path / "ferry.txt", f"Harbor Ferry Adds Electric Boats\n\n{BODY}")
    write(tmp_path / "ferry_copy.txt", f"Harbor Ferry Adds Electric Boats\n\n{BODY}")
    write(tmp_path / "other.md", f"# Another Headline Entirely\n\n{BODY}")  # same cleaned text
    write(tmp_path / "solar.txt", "The solar farm opened in Nevada on Monday.")
    expected = (
        "article 'ferry_copy' has the same text as 'ferry'; skipped, 'ferry' is kept",
        "article 'other' has the same text as 'ferry'; skipped, 'ferry' is kept",
    )
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["ferry", "solar"]
    assert read.warnings == expected
    stream = iter_corpus(tmp_path)
    assert [a.id for a in stream.articles] == ["ferry", "solar"]
    assert tuple(stream.warnings) == expected


def test_a_repeated_jsonl_text_keeps_the_first_line(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [
            {"id": "z2", "text": BODY},
            {"id": "a1", "text": "Another story about trains."},
            {"id": "a0", "text": f"  {BODY}\n"},  # the same once cleaned
        ],
    )
    warnings = ("article 'a0' has the same text as 'z2'; skipped, 'z2' is kept",)
    read = read_corpus(path)
    assert ([a.id for a in read.articles], read.warnings) == (["a1", "z2"], warnings)
    stream = iter_corpus(path)
    assert [a.id for a in stream.articles] == ["z2", "a1"]
    assert tuple(stream.warnings) == warnings
