"""Which files a folder corpus holds (evqa.corpus.files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus_fakes import BODY, write

from evqa.corpus import corpus_fingerprint, iter_corpus, read_corpus
from evqa.corpus.files import list_files
from evqa.errors import CorpusError


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \.txt, \.md or \.html files"):
        read_corpus(tmp_path)


def test_folder_without_supported_files(tmp_path: Path) -> None:
    write(tmp_path / "a.pdf", "x")
    write(tmp_path / ".hidden.txt", BODY)
    with pytest.raises(CorpusError, match="no .txt"):
        read_corpus(tmp_path)


@pytest.mark.parametrize("name", ["report.docx", "notes", "data.json"])
def test_one_file_of_another_type_is_said_to_be_one(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "x")
    expected = (
        f"{path} is not a .txt, .md, .html or .jsonl file (the types evqa reads); save the "
        "article as a .txt file, or pass a folder of articles or a .jsonl file"
    )
    for read in (read_corpus, iter_corpus):
        with pytest.raises(CorpusError) as err:
            read(path, added=True)
        assert str(err.value) == expected
    with pytest.raises(CorpusError, match="^.*report.docx is not a .txt"):
        read_corpus(write(tmp_path / "report.docx", "x"))  # a corpus path too


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


def _link(link: Path, target: str) -> None:
    try:
        link.symlink_to(target, target_is_directory=True)
    except OSError:  # a system or file system without symbolic links
        pytest.skip("cannot make a symbolic link here")


def test_a_linked_folder_is_read_its_files_named_by_their_path_through_the_link(tmp_path):
    corpus, shared = tmp_path / "corpus", tmp_path / "shared"
    write(corpus / "otter.txt", "Otters were seen in the river Tay.")
    write(shared / "pel.txt", "The pelicans returned to Lake Ohrid in April, rangers said.")
    write(shared / "sub" / "crane.txt", "Cranes nested on the old chimney in Lund.")
    _link(corpus / "shared", "../shared")
    ids = ["otter", "shared/pel", "shared/sub/crane"]
    assert [a.id for a in read_corpus(corpus).articles] == ids
    assert [a.id for a in iter_corpus(corpus).articles] == ids
    # within a corpus folder, a path through the link keeps those ids (`index add`)
    rels = [f.rel for f in list_files(corpus / "shared", base=corpus)]
    assert rels == ["shared/pel.txt", "shared/sub/crane.txt"]


def test_a_folder_reached_twice_is_read_once_and_a_link_loop_ends(tmp_path: Path) -> None:
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    write(corpus / "zoo" / "zebra.txt", "Zebras grazed in the park, the keeper said.")
    write(outside / "owl.txt", "Owls hunted at night in the old forest near Bath.")
    _link(corpus / "a_zoo", "zoo")  # the folder itself is read, where it is
    _link(corpus / "loop", ".")  # back to the corpus folder
    _link(corpus / "out", "../outside")
    _link(outside / "back", "../corpus")  # out/back/out/back/...
    _link(corpus / "z_owls", "../outside")  # the first link to a folder reads it
    read = read_corpus(corpus)
    assert [a.id for a in read.articles] == ["out/owl", "zoo/zebra"]
    assert read.warnings == ()


def test_a_change_in_a_linked_folder_changes_the_corpus_fingerprint(tmp_path: Path) -> None:
    corpus, shared = tmp_path / "corpus", tmp_path / "shared"
    write(corpus / "otter.txt", "Otters were seen in the river Tay.")
    write(shared / "pel.txt", "The pelicans returned to Lake Ohrid in April.")
    _link(corpus / "shared", "../shared")
    before = corpus_fingerprint(corpus)
    write(shared / "pel.txt", "The pelicans returned to Lake Ohrid in May.")
    assert corpus_fingerprint(corpus) != before
