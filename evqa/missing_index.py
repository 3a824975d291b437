"""What to say when there is no index at ``--index DIR``: the command that builds one.

A build writes only into a new, empty or index folder (``store.check_index_folder``), so
for a folder that holds other files the command must name another folder: beside a folder
of articles (the usual slip: ``--index`` given the corpus), ``DIR.idx`` built from them."""

from __future__ import annotations

import os
from pathlib import Path

from evqa import config

MAX_FOLDERS = 1000  # folders looked through for articles before giving up
NEW_FOLDER = "NEW_FOLDER"


def no_index_message(root: Path) -> str:
    """Why there is no index at ``root`` (a folder without CURRENT, or nothing at all) and
    the command that builds one that works."""
    from evqa import store

    root = Path(root)
    if root.resolve() == Path(config.DEFAULTS["index"]).resolve():
        return f"no index at {root}; build one with: evqa index build --index {root}"
    if not store.holds_other_files(root):
        return (
            f"no index at {root}; build one with: "
            f"evqa index build --corpus PATH/TO/ARTICLES --index {root}"
        )
    folder_corpus, jsonl = _articles_in(root)
    if not folder_corpus and not jsonl:
        return (
            f"no index at {root}, and it holds other files, so none can be built there; "
            f"build one into a new folder with: evqa index build --corpus PATH/TO/ARTICLES "
            f"--index {NEW_FOLDER}"
        )
    corpus = root if folder_corpus else jsonl[0]
    what = "is a folder of articles" if folder_corpus else f"holds articles in {jsonl[0].name}"
    return f"no index at {root}: it {what}, not an index; " + _build_beside(
        root, corpus, others=[] if folder_corpus else jsonl[1:]
    )


def _build_beside(root: Path, corpus: Path, others: list[Path]) -> str:
    """The command that indexes ``corpus`` (found in ``root``) into a folder beside
    ``root``; ``others``: more .jsonl files there, to add after."""
    index = index_beside(root)
    if index is None:  # DIR.idx holds other files: leave the name to the user
        return f"build one with: evqa index build --corpus {corpus} --index {NEW_FOLDER}"
    if (index / "CURRENT").exists():
        return (
            f"if {index} is their index, pass --index {index}; else build one with: "
            f"evqa index build --corpus {corpus} --index {NEW_FOLDER}"
        )
    text = f"build one with: evqa index build --corpus {corpus} --index {index}"
    if others:
        text += f", add the other .jsonl files with: evqa index add FILE --index {index}"
    return text + f", then pass --index {index}"


def index_beside(root: Path) -> Path | None:
    """``DIR.idx`` beside folder ``root``, or None when it holds other files (no build
    could write there)."""
    from evqa import store

    base = root if root.name not in ("", ".", "..") else root.resolve()
    index = base.with_name(base.name + ".idx")
    return None if store.holds_other_files(index) else index


def _articles_in(root: Path) -> tuple[bool, list[Path]]:
    """Whether folder ``root`` holds .txt/.md/.html files (a folder corpus), and its .jsonl
    files (each a corpus of its own), hidden files and folders left out."""
    from evqa.corpus.files import JSONL_SUFFIXES, SUPPORTED_SUFFIXES
    from evqa.folders import visible_files

    jsonl: list[Path] = []
    for n, (folder, files) in enumerate(visible_files(root)):
        for name in files:
            suffix = os.path.splitext(name)[1].lower()
            if suffix in SUPPORTED_SUFFIXES:
                return True, []
            if suffix in JSONL_SUFFIXES:
                jsonl.append(Path(folder, name))
        if n + 1 >= MAX_FOLDERS:
            break
    return False, jsonl
