"""The files of a corpus folder: supported suffixes, sidecars beside them, paths relative to
the corpus root (hidden files and folders ignored; the other files it holds named in
warnings)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from evqa.corpus.report import Report
from evqa.errors import CorpusError
from evqa.folders import visible_files

SUPPORTED_SUFFIXES = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SIDECAR_SUFFIX = ".meta.json"
MAX_NAMED = 5  # unsupported files named one by one; more are counted


@dataclass(frozen=True)
class SourceFile:
    """A supported file of a corpus folder."""

    path: Path
    rel: str  # posix path relative to the corpus root
    kind: str  # txt | md | html
    sidecar: Path | None = None


def list_files(root: Path, base: Path | None = None) -> list[SourceFile]:
    """Supported files under ``root`` (a folder or one file), sorted by relative path:
    relative to ``base`` (a folder holding ``root``) if given, else to ``root``."""
    root = Path(root)
    if root.is_file():
        kind = SUPPORTED_SUFFIXES.get(root.suffix.lower())
        if kind is None:
            return []
        rel = _relative(root, base) if base is not None else root.name
        return [SourceFile(root, rel, kind, sidecar_beside(root))]
    found: list[SourceFile] = []
    # a file's path inside root (through a link to a folder, maybe), under root's inside base
    prefix = Path(_relative(root, base)) if base is not None else Path()
    for folder, files in visible_files(root):
        names = set(files)
        for name in files:
            kind = SUPPORTED_SUFFIXES.get(os.path.splitext(name)[1].lower())
            if kind is None:
                continue
            path = Path(folder, name)
            sidecar_name = stem(name) + SIDECAR_SUFFIX
            sidecar = Path(folder, sidecar_name) if sidecar_name in names else None
            rel = (prefix / path.relative_to(root)).as_posix()
            found.append(SourceFile(path, rel, kind, sidecar))
    found.sort(key=lambda f: f.rel)
    return found


def sidecar_beside(path: Path) -> Path | None:
    """The ``<stem>.meta.json`` next to ``path``, if there is one."""
    sidecar = path.with_name(stem(path.name) + SIDECAR_SUFFIX)
    return sidecar if sidecar.is_file() else None


def is_jsonl(path: Path) -> bool:
    """Whether ``path`` is a .jsonl corpus file (not a folder of articles)."""
    return path.is_file() and path.suffix.lower() in JSONL_SUFFIXES


def stem(name: str) -> str:
    return os.path.splitext(name)[0]


def _relative(path: Path, base: Path) -> str:
    """``path`` inside folder ``base``: as written (through a link to a folder, maybe), else
    by their real paths."""
    for resolve in (os.path.abspath, os.path.realpath):
        with contextlib.suppress(ValueError):
            return Path(resolve(path)).relative_to(resolve(base)).as_posix()
    raise ValueError(f"{path} is not inside {base}")


def corpus_files(
    root: Path, base: Path | None = None, report: Report | None = None
) -> list[SourceFile]:
    """The files of a folder corpus (CorpusError if there are none); ``report`` is warned
    of the files in it that are not read: a .jsonl file, and any other unsupported file
    (not hidden ones, nor ``.meta.json`` sidecars)."""
    if report is not None:
        jsonl, unsupported = _unread_files(root)
        for name in jsonl:
            report.warn(
                f"{name}: a .jsonl file inside a folder corpus is not read; add its articles "
                f"with: evqa index add {Path(root) / name}"
            )
        for warning in _unsupported_warnings(unsupported):
            report.warn(warning)
    files = list_files(root, base)
    if not files and Path(root).is_file():
        raise CorpusError(
            f"{root} is not a .txt, .md, .html or .jsonl file (the types evqa reads); save "
            "the article as a .txt file, or pass a folder of articles or a .jsonl file"
        )
    if not files:
        raise CorpusError(
            f"no .txt, .md or .html files found in {root} (hidden files are ignored); "
            "point the corpus at a folder of articles or a .jsonl file"
        )
    return files


def _unsupported_warnings(names: list[str], shown: int = MAX_NAMED) -> list[str]:
    """One warning per unsupported file, or, for more than ``shown`` of them, one warning
    that counts them and names the first few."""
    if len(names) <= shown:
        return [f"{name}: not a .txt/.md/.html file; skipped" for name in names]
    first = ", ".join(names[:shown])
    return [
        f"{len(names)} files that are not .txt/.md/.html files were skipped "
        f"({first} and {len(names) - shown} more)"
    ]


def _unread_files(root: Path) -> tuple[list[str], list[str]]:
    """The .jsonl files and the other unsupported files (relative paths, sorted) in folder
    ``root``, which a folder corpus does not read; hidden files and sidecars left out."""
    if not Path(root).is_dir():
        return [], []
    jsonl: list[str] = []
    other: list[str] = []
    for folder, files in visible_files(root):
        for name in files:
            lower = name.lower()
            if lower.endswith(SIDECAR_SUFFIX):
                continue
            if lower.endswith(JSONL_SUFFIXES):
                found = jsonl
            elif os.path.splitext(lower)[1] not in SUPPORTED_SUFFIXES:
                found = other
            else:
                continue
            found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(jsonl), sorted(other)
