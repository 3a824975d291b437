"""Which files a folder corpus holds (evqa.corpus.files)."""

from __future__ import annotations

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
