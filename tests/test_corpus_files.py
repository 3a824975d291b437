"""Which files a folder corpus holds (evqa.corpus.files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus_fakes import BODY, write

from evqa.corpus import iter_corpus, read_corpus
from evqa.errors import CorpusError


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \.txt, \.md or \.html files"):
        read_corpus(tmp_path)


def test_folder_without_supported_files(tmp_path: Path) -> None:
    write(tmp_path / "a.pdf", "x")
    write(tmp_path / ".hidden.txt", BODY)
    with pytest.raises(CorpusError, match="no .txt"):
        read_corpus(tmp_path)


def test_a_jsonl_file_inside_a_folder_corpus_is_named_in_a_warning(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Ferries ran late on Monday, the operator said.")
    (folder / "wire").mkdir()
    (folder / "wire" / "wire.jsonl").write_text('{"id": "w1", "text": "Wire story."}\n')
    read = read_corpus(folder)
    assert [a.id for a in read.articles] == ["a"]
    assert any("wire/wire.jsonl" in w and "evqa index add" in w for w in read.warnings)
    stream = iter_corpus(folder)
    list(stream.articles)
    assert any("wire/wire.jsonl" in w for w in stream.warnings)


def test_files_a_folder_corpus_does_not_read_are_named_in_warnings(tmp_path: Path) -> None:
    write(tmp_path / "story.txt", BODY)
    write(tmp_path / "story.meta.json", '{"title": "Story"}')  # the story's sidecar
    write(tmp_path / "lonely.meta.json", "{}")  # a sidecar is never "not read"
    write(tmp_path / "report.docx", b"PK\x03\x04")
    write(tmp_path / "sub" / "paper.pdf", b"%PDF-1.4")
    write(tmp_path / ".DS_Store", b"\x00")
    write(tmp_path / ".git" / "config.yml", "x")
    expected = (
        "report.docx: not a .txt/.md/.html file; skipped",
        "sub/paper.pdf: not a .txt/.md/.html file; skipped",
    )
    assert read_corpus(tmp_path).warnings == expected
    stream = iter_corpus(tmp_path)
    assert [a.id for a in stream.articles] == ["story"]
    assert tuple(stream.warnings) == expected


def test_many_files_not_read_are_counted_in_one_warning(tmp_path: Path) -> None:
    write(tmp_path / "story.txt", BODY)
    for n in range(7):
        write(tmp_path / f"scan{n}.png", b"\x89PNG")
    (warning,) = read_corpus(tmp_path).warnings
    assert warning == (
        "7 files that are not .txt/.md/.html files were skipped "
        "(scan0.png, scan1.png, scan2.png, scan3.png, scan4.png and 2 more)"
    )


def test_visible_files_leaves_out_hidden_files_and_folders(tmp_path):
    from evqa.corpus.files import visible_files

    for rel in ("b.txt", "a.md", ".hidden.txt", "sub/c.html", ".git/d.txt", "sub/.e.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    seen = [(os.path.relpath(folder, tmp_path), names) for folder, names in visible_files(tmp_path)]
    assert seen == [(".", ["a.md", "b.txt"]), ("sub", ["c.html"])]
