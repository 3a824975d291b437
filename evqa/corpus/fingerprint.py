"""Content hashes: of a whole corpus (to tell whether it changed since a build) and of one
article (to reuse its index-time analysis)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from evqa.corpus.files import is_jsonl, list_files
from evqa.corpus.sidecar import sidecar_rel
from evqa.errors import CorpusError
from evqa.types import Article


def corpus_fingerprint(path: Path) -> str:
    """Content-based sha256 (hex) of a corpus: of the .jsonl bytes, or of the sorted
    (relative path, sha256 of bytes) of every supported file and sidecar."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"corpus path {path} does not exist; check the corpus path")
    digest = hashlib.sha256(b"evqa-corpus-v1\0")
    if is_jsonl(path):
        digest.update(b"jsonl\0" + _file_digest(path))
        return digest.hexdigest()
    for item in list_files(path):
        for file, rel in ((item.path, item.rel), (item.sidecar, sidecar_rel(item))):
            if file is not None and file.exists():  # a broken link holds no article
                name = rel.encode("utf-8", "surrogateescape")
                digest.update(name + b"\0" + _file_digest(file))
    return digest.hexdigest()


def article_hash(article: Article) -> str:
    """sha256 (hex) over id, text, title, date and url."""
    fields = [article.id, article.text, article.title, article.date, article.url]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _file_digest(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").digest()
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc.strerror or exc}); check it") from None
