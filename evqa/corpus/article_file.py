"""One file of a folder corpus read into an Article: its bytes decoded, its sidecar applied,
its text cleaned; a file that holds no article is skipped with a warning."""

from __future__ import annotations

import os
from pathlib import Path

from evqa.corpus.clean import clean_reported
from evqa.corpus.decode import decode_text, printable
from evqa.corpus.files import SourceFile
from evqa.corpus.ids import file_id
from evqa.corpus.report import Report
from evqa.corpus.sidecar import read_sidecar
from evqa.types import Article


def read_source_file(item: SourceFile, report: Report) -> Article | None:
    """The article in ``item``, or None if it holds none."""
    if not item.path.exists():  # a link to nothing
        report.warn(f"{item.rel}: a broken link (nothing at {_link_target(item.path)}); skipped")
        return None
    doc_id = file_id(item, report)
    if doc_id is None:
        return None
    raw = _decoded(item, report)
    if raw is None:
        return None
    meta = read_sidecar(item, report)
    article = clean_reported(
        raw, doc_id, kind=item.kind, meta=meta, source=item.rel, report=report, where=item.rel
    )
    if not article.text:
        report.warn(f"{item.rel}: no article text (empty, or only boilerplate); skipped")
        return None
    return article


def _decoded(item: SourceFile, report: Report) -> str | None:
    """The file's text, or None (reported) if it cannot be read or is binary."""
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        report.bad(f"{item.rel}: cannot be read ({exc.strerror or exc})")
        return None
    raw, encoding = decode_text(data, html=item.kind == "html")
    if raw is None:
        report.warn(f"{item.rel}: looks like a binary file, not text; skipped")
        return None
    if encoding:
        report.warn(f"{item.rel}: not valid UTF-8; decoded as {encoding}")
    return raw


def _link_target(path: Path) -> str:
    try:
        return printable(os.readlink(path))
    except OSError:
        return "its target"
