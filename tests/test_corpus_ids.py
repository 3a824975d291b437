"""Article ids from file names, made safe (evqa.corpus.ids)."""

from __future__ import annotations

from pathlib import Path

from corpus_fakes import BODY, write

from evqa.corpus import corpus_fingerprint, read_corpus, safe_id


def test_same_file_name_in_nested_folders_gives_distinct_ids(tmp_path: Path) -> None:
    write(tmp_path / "2023" / "jan" / "story.txt", "Old story. " + BODY)
    write(tmp_path / "2024" / "jan" / "story.txt", "New story. " + BODY)
    write(tmp_path / "000_435de727ab52d225.txt", "Top level. " + BODY)
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == [
        "000_435de727ab52d225",  # files at the top keep their name as id
        "2023/jan/story",
        "2024/jan/story",
    ]
    assert read.warnings == ()


def test_unsafe_file_name_is_sanitised(tmp_path: Path) -> None:
    write(tmp_path / "bad\nname\x01.txt", BODY)
    read = read_corpus(tmp_path)
    assert read.articles[0].id == "bad_name_"
    assert "unsafe characters" in read.warnings[0]


def test_an_undecodable_file_name_is_read_and_shown_printably(tmp_path: Path) -> None:
    import os

    with open(os.fsencode(tmp_path) + b"/caf\xe9 news.txt", "wb") as f:
        f.write(b"Renault cut prices of its electric cars on Monday, dealers said.\n")
    read = read_corpus(tmp_path)
    article = read.articles[0]
    assert article.id == "caf_ news"
    assert article.source == "caf\ufffd news.txt"  # storable as UTF-8, printable
    assert read.warnings == (
        "caf\ufffd news.txt: unsafe characters in the file name; article id is 'caf_ news'",
    )
    assert corpus_fingerprint(tmp_path)


def test_safe_id() -> None:
    assert safe_id("  004_1b31 ") == "004_1b31"
    assert safe_id("a\tb\u2028c\u200bd") == "a_b_c_d"
    assert safe_id("\n") == ""
