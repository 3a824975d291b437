"""Reading whole corpora (evqa.corpus.read)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_fakes import BODY, SEEDS, write

from evqa.corpus import iter_corpus, read_corpus
from evqa.errors import CorpusError


def test_folder_is_read_recursively_and_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "B. " + BODY)
    write(tmp_path / "sub" / "a.md", f"# A heading here\n\n{BODY}")
    write(tmp_path / "sub" / "deeper" / "c.HTML", f"<html><body><p>C. {BODY}</p></body></html>")
    write(tmp_path / "notes.pdf", "ignored")
    write(tmp_path / "data.json", "{}")
    write(tmp_path / ".hidden.txt", BODY)
    write(tmp_path / ".git" / "x.txt", BODY)
    read = read_corpus(tmp_path)
    # ids are unique paths: a subfolder's files carry it, a top-level file is its name
    assert [a.id for a in read.articles] == ["b", "sub/a", "sub/deeper/c"]
    assert read.warnings == (  # the files not read are named, not the hidden ones
        "data.json: not a .txt/.md/.html file; skipped",
        "notes.pdf: not a .txt/.md/.html file; skipped",
    )
    a = read.articles[1]
    assert a.title == "A heading here"
    assert a.text == BODY
    assert a.source == "sub/a.md"  # relative to the corpus root, never absolute
    assert read.articles[2].text == "C. " + BODY


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_nothing_left_after_skipping(tmp_path: Path) -> None:
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "bin.txt", b"\x00\x01")
    with pytest.raises(CorpusError, match=r"no readable articles .*2 item\(s\) skipped"):
        read_corpus(tmp_path)


def test_duplicate_file_ids(tmp_path: Path) -> None:
    write(tmp_path / "x" / "same.md", "First one. " + BODY)
    write(tmp_path / "x" / "same.txt", "Second one. " + BODY)
    with pytest.raises(CorpusError, match="duplicate article id 'x/same'") as err:
        read_corpus(tmp_path)
    # the message speaks of the CLI flag and of what it would do, not of a kept article
    assert "--skip-bad" in str(err.value) and "skip_bad=True" not in str(err.value)
    assert "(x/same.md is then kept)" in str(err.value)
    read = read_corpus(tmp_path, skip_bad=True)
    assert [a.text[:10] for a in read.articles] == ["First one."]
    assert read.warnings[0] == (
        "x/same.txt: duplicate article id 'x/same' (also x/same.md); skipped, x/same.md is kept"
    )


def test_every_bad_file_of_a_folder_is_named_in_one_error(tmp_path: Path) -> None:
    write(tmp_path / "x" / "same.md", "First one. " + BODY)
    write(tmp_path / "x" / "same.txt", "Second one. " + BODY)
    write(tmp_path / "y.txt", "Third one. " + BODY)
    write(tmp_path / "y.meta.json", "[1]")
    with pytest.raises(CorpusError) as err:
        read_corpus(tmp_path)
    assert str(err.value).split("\n") == [
        f"{tmp_path} has 2 problems; fix them, or pass --skip-bad to leave each out with a "
        "warning:",
        "  x/same.txt: duplicate article id 'x/same' (also x/same.md)",
        "  y.meta.json: must hold a JSON object with title/date/url/source",
    ]


def test_a_missing_added_path_is_said_in_add_terms(tmp_path: Path) -> None:
    missing = tmp_path / "nosuch.txt"
    with pytest.raises(CorpusError, match=r"^corpus path .*nosuch\.txt does not exist"):
        read_corpus(missing)
    for read in (read_corpus, iter_corpus):
        with pytest.raises(CorpusError) as err:
            read(missing, added=True)
        assert str(err.value) == (
            f"{missing} does not exist; check the path, and add a .txt/.md/.html file, a "
            "folder of articles or a .jsonl file"
        )


def test_single_file_path_is_a_corpus(tmp_path: Path) -> None:
    path = write(tmp_path / "one.txt", BODY)
    assert [a.id for a in read_corpus(path).articles] == ["one"]


@pytest.mark.integration
def test_seed_corpus() -> None:
    read = read_corpus(SEEDS)
    assert read.warnings == ()
    by_id = {a.id: a for a in read.articles}
    assert list(by_id) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert by_id["000_435de727ab52d225"].date == "2023-12-28"
    assert by_id["001_ebd73b47b558b927"].title.startswith("China's Battery Titans BYD And CATL")
    assert by_id["003_9c872a3d12e3445f"].title == (
        "BAIC BJEV makes headway in development of solid-state batteries"
    )
    assert by_id["003_9c872a3d12e3445f"].date == "2020-12-25"
    assert by_id["003_9c872a3d12e3445f"].text.startswith("Shanghai (Gasgoo)- BAIC BluePark")
    assert by_id["004_1b31b26ffe040619"].date is None
    assert by_id["002_9549c912d5ab0164"].title is None
    assert by_id["004_1b31b26ffe040619"].title is None
    assert all(a.title is None or len(a.title) <= 200 for a in read.articles)


def test_check_corpus_keeps_only_ids_and_names_every_problem(tmp_path):
    from evqa.corpus import check_corpus

    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "b", "text": "Bee."}\n{"id": "a", "text": "Ay."}\n')
    assert check_corpus(good) == ["b", "a"]  # in reading order
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "Ay."}\n{oops\n{"id": "a", "text": "Again."}\n')
    with pytest.raises(CorpusError, match="has 2 problems") as e:
        check_corpus(bad)
    assert "line 2: not valid JSON" in str(e.value) and "line 3: duplicate" in str(e.value)
    assert check_corpus(bad, skip_bad=True) == ["a"]
