"""Article ids: any id made safe (no control or line-break characters, bounded length), and a
file's id, its path relative to the corpus root without the extension."""

from __future__ import annotations

import unicodedata

from evqa.corpus.decode import printable
from evqa.corpus.files import SourceFile, stem
from evqa.corpus.report import Report

MAX_ID_CHARS = 200


def safe_id(raw: str) -> str:
    """``raw`` trimmed, with control, format and line-break characters replaced by "_"
    and cut to MAX_ID_CHARS. May be empty."""
    cleaned = "".join("_" if _unsafe_char(c) else c for c in raw.strip())
    return cleaned.strip()[:MAX_ID_CHARS]


def _unsafe_char(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def file_id(item: SourceFile, report: Report) -> str | None:
    """The path relative to the corpus root without extension: unique in the folder, and
    just the file name's stem for a file at the top (as ids always were there)."""
    name = stem(item.rel)
    doc_id = safe_id(name)
    if not doc_id:
        report.bad(f"{item.rel}: the file name gives no usable article id; rename the file")
        return None
    if doc_id != name:
        report.warn(
            f"{item.rel}: unsafe characters in the file name; article id is {printable(doc_id)!r}"
        )
    return doc_id
