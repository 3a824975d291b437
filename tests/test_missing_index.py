"""evqa.missing_index: the command a missing index's error suggests works where it is run."""

from __future__ import annotations

import json

from evqa.missing_index import no_index_message


def test_a_missing_or_empty_folder_is_built_in_place(tmp_path):
    assert no_index_message(tmp_path / "new").endswith(
        f"evqa index build --corpus PATH/TO/ARTICLES --index {tmp_path / 'new'}"
    )
    (tmp_path / "empty").mkdir()
    assert f"--index {tmp_path / 'empty'}" in no_index_message(tmp_path / "empty")


def test_a_folder_of_articles_is_indexed_beside_it(tmp_path, corpus):
    message = no_index_message(corpus)
    assert message.startswith(f"no index at {corpus}: it is a folder of articles, not an index")
    assert f"evqa index build --corpus {corpus} --index {corpus}.idx" in message


def test_articles_in_a_sub_folder_count(tmp_path, corpus):
    outer = tmp_path / "outer"
    outer.mkdir()
    corpus.rename(outer / "news")
    assert f"--corpus {outer} --index {outer}.idx" in no_index_message(outer)


def test_a_folder_of_jsonl_files_is_indexed_from_the_first(tmp_path):
    folder = tmp_path / "j"
    folder.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        (folder / name).write_text(json.dumps({"id": name, "text": "Some text."}) + "\n")
    message = no_index_message(folder)
    assert "it holds articles in a.jsonl" in message
    assert f"evqa index build --corpus {folder / 'a.jsonl'} --index {folder}.idx" in message
    assert f"evqa index add FILE --index {folder}.idx" in message


def test_an_index_beside_the_articles_is_suggested(tmp_path, corpus):
    (tmp_path / "corpus.idx").mkdir()
    (tmp_path / "corpus.idx" / "CURRENT").write_text("gen-x\n")
    message = no_index_message(corpus)
    assert f"if {corpus}.idx is their index, pass --index {corpus}.idx" in message
    assert f"--corpus {corpus} --index NEW_FOLDER" in message


def test_a_taken_name_beside_is_left_to_the_user(tmp_path, corpus):
    (tmp_path / "corpus.idx").mkdir()
    (tmp_path / "corpus.idx" / "notes.txt").write_text("mine")
    assert f"--corpus {corpus} --index NEW_FOLDER" in no_index_message(corpus)


def test_a_folder_of_other_files_names_a_new_folder(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "photos" / ".hidden.txt").write_text("not an article")
    message = no_index_message(tmp_path / "photos")
    assert "it holds other files, so none can be built there" in message
    assert message.endswith("--index NEW_FOLDER")
