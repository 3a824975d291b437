"""Read a corpus: a folder of .txt/.md/.html files, or one .jsonl file.

* A folder is read recursively; hidden files and folders (".name") and other
  extensions are ignored, and so are broken links (with a warning). The article id is
  the file's path relative to the folder without its extension: "story" for
  story.txt, "2024/jan/story" for 2024/jan/story.txt.
  A ``<stem>.meta.json`` sidecar next to a file gives explicit title/date/url/source.
* A .jsonl file holds one article per line: ``id`` and ``text`` are required,
  ``title``, ``date``, ``url`` and ``source`` optional (strings or null).

Articles come back sorted by id. Problems that lose data (malformed JSONL line, bad
sidecar, duplicate id, unreadable file) raise CorpusError unless ``skip_bad`` is set,
then the item is skipped with a warning. Files that hold no article (binary, empty,
only boilerplate) are always skipped with a warning. Warnings are returned, never printed.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from evqa.cleaning import clean_text, extract_html, strip_markdown
from evqa.errors import CorpusError, InputError
from evqa.metadata import (
    extract_metadata,
    field_type_errors,
    normalize_fields,
    split_front_matter,
)
from evqa.types import Article

__all__ = [
    "JSONL_SUFFIXES",
    "SIDECAR_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "CorpusRead",
    "SourceFile",
    "article_hash",
    "clean_article",
    "corpus_fingerprint",
    "decode_text",
    "is_binary",
    "iter_corpus",
    "list_files",
    "printable",
    "read_article_file",
    "read_corpus",
    "safe_id",
]

SUPPORTED_SUFFIXES = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SIDECAR_SUFFIX = ".meta.json"
SKIP_HINT = "fix it, or pass --skip-bad to skip it with a warning"
MAX_ID_CHARS = 200


@dataclass(frozen=True)
class CorpusRead:
    articles: tuple[Article, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class SourceFile:
    """A supported file of a corpus folder."""

    path: Path
    rel: str  # posix path relative to the corpus root
    kind: str  # txt | md | html
    sidecar: Path | None = None


class _Report:
    """Collects warnings; `bad` raises unless bad input is to be skipped."""

    def __init__(self, skip_bad: bool) -> None:
        self.skip_bad = skip_bad
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(printable(message))

    def bad(self, message: str, kept: str | None = None) -> None:
        """Raise, or with skip_bad warn that the item is skipped (``kept``: what stays
        instead, e.g. the first of two articles with one id)."""
        message = printable(message)
        if not self.skip_bad:
            then = f" ({kept} is then kept)" if kept else ""
            raise CorpusError(f"{message}; {SKIP_HINT}{then}")
        self.warnings.append(f"{message}; skipped" + (f", {kept} is kept" if kept else ""))


# --- public entry points --------------------------------------------------------------------


def read_corpus(path: Path, *, skip_bad: bool = False, base: Path | None = None) -> CorpusRead:
    """Read every article under ``path`` (folder, .jsonl file or one supported file).
    Files' ids are their paths relative to ``base`` (a corpus folder holding ``path``),
    else relative to ``path``."""
    path = _existing_corpus(path)
    report = _Report(skip_bad)
    if path.is_file() and path.suffix.lower() in JSONL_SUFFIXES:
        articles = _read_jsonl(path, report)
    else:
        articles = _read_files(path, report, base)
    if not articles:
        detail = ""
        if report.warnings:
            detail = f" ({len(report.warnings)} item(s) skipped, first: {report.warnings[0]})"
        raise CorpusError(f"no readable articles in {path}{detail}; add non-empty text articles")
    articles.sort(key=lambda a: a.id)
    return CorpusRead(tuple(articles), tuple(report.warnings))


@dataclass
class CorpusStream:
    """A corpus read one article at a time (bounded memory, for big builds).

    ``total`` counts the items that may hold an article (files, or non-empty JSONL
    lines), for progress; ``warnings`` fills up as ``articles`` is consumed. Articles come
    in file order (folders: sorted by relative path), a repeated id is bad input."""

    total: int
    articles: Iterator[Article]
    warnings: list[str] = field(default_factory=list)


def iter_corpus(path: Path, *, skip_bad: bool = False, base: Path | None = None) -> CorpusStream:
    """Like :func:`read_corpus`, but streaming: only the ids seen so far stay in memory."""
    path = _existing_corpus(path)
    report = _Report(skip_bad)
    if path.is_file() and path.suffix.lower() in JSONL_SUFFIXES:
        with open(path, "rb") as f:
            total = sum(1 for line in f if line.strip())
        items = _stream_jsonl(path, report)
    else:
        files = _corpus_files(path, base, report)
        total = len(files)
        items = ((_read_file(item, report), item.rel) for item in files)

    def articles() -> Iterator[Article]:
        seen: set[str] = set()
        n = 0
        for article, where in items:
            if article is None:
                continue
            if article.id in seen:
                report.bad(f"{where}: duplicate article id {article.id!r}", kept="the first one")
                continue
            seen.add(article.id)
            n += 1
            yield article
        if not n:
            raise CorpusError(f"no readable articles in {path}; add non-empty text articles")

    return CorpusStream(total, articles(), report.warnings)


def _existing_corpus(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise CorpusError(
            f"corpus path {path} does not exist; pass a folder of .txt/.md/.html files "
            "or a .jsonl file"
        )
    return path


def _corpus_files(
    root: Path, base: Path | None = None, report: _Report | None = None
) -> list[SourceFile]:
    if report is not None:
        for name in _jsonl_inside(root):
            report.warn(
                f"{name}: a .jsonl file inside a folder corpus is not read; add its articles "
                f"with: evqa index add {Path(root) / name}"
            )
    files = list_files(root, base)
    if not files:
        raise CorpusError(
            f"no .txt, .md or .html files found in {root} (hidden files are ignored); "
            "point the corpus at a folder of articles or a .jsonl file"
        )
    return files


def _jsonl_inside(root: Path) -> list[str]:
    """The .jsonl files (relative paths) in folder ``root``, which a folder corpus skips."""
    if not Path(root).is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [
            Path(folder, n).relative_to(root).as_posix()
            for n in files
            if n.lower().endswith(JSONL_SUFFIXES) and not n.startswith(".")
        ]
    return sorted(found)


def _stream_jsonl(path: Path, report: _Report) -> Iterator[tuple[Article | None, str]]:
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, start=1):
            if line.strip():
                where = f"{path.name} line {lineno}"
                yield _jsonl_article(line, where, f"{path.name}:{lineno}", report), where


def read_article_file(
    path: Path, *, doc_id: str | None = None, skip_bad: bool = False
) -> tuple[Article | None, tuple[str, ...]]:
    """Read one .txt/.md/.html file (and its sidecar). Returns (article or None if the
    file holds no article, warnings). Used for adding a single file to an index."""
    path = Path(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise CorpusError(
            f"{path} is not a supported file; use .txt, .md or .html (or a .jsonl corpus)"
        )
    if not path.is_file():
        raise CorpusError(f"{path} does not exist or is not a file; check the path")
    sidecar = path.with_name(_stem(path.name) + SIDECAR_SUFFIX)
    source = SourceFile(path, path.name, kind, sidecar if sidecar.is_file() else None)
    report = _Report(skip_bad)
    article = _read_file(source, report, doc_id=doc_id)
    return article, tuple(report.warnings)


def clean_article(
    raw_text: str,
    doc_id: str,
    *,
    kind: str = "txt",
    meta: dict[str, str | None] | None = None,
    source: str | None = None,
    warnings: list[str] | None = None,
) -> Article:
    """Clean raw text and find its metadata. ``kind`` is "txt", "md" or "html".

    Precedence: ``meta`` (sidecar / JSONL fields, already validated) > front matter >
    HTML metadata > a leading Markdown '# Heading' > heuristics on the text head.
    The returned text may be empty (the input was only boilerplate); problems with
    front matter are appended to ``warnings``.
    """
    if kind not in ("txt", "md", "html"):
        raise InputError(f"unknown document kind {kind!r}; use 'txt', 'md' or 'html'")
    notes = [] if warnings is None else warnings
    declared, body = _declared_metadata(raw_text, kind, notes)
    explicit = {**declared, **(meta or {})}
    text = clean_text(body)
    found = extract_metadata(text, title_hint=explicit.get("title"))
    return Article(
        id=doc_id,
        text=found.text,
        title=explicit.get("title") or found.title,
        date=explicit.get("date", found.date),
        url=explicit.get("url"),
        source=explicit.get("source") or source,
    )


def corpus_fingerprint(path: Path) -> str:
    """Content-based sha256 (hex) of a corpus: of the .jsonl bytes, or of the sorted
    (relative path, sha256 of bytes) of every supported file and sidecar."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"corpus path {path} does not exist; check the corpus path")
    digest = hashlib.sha256(b"evqa-corpus-v1\0")
    if path.is_file() and path.suffix.lower() in JSONL_SUFFIXES:
        digest.update(b"jsonl\0" + _file_digest(path))
        return digest.hexdigest()
    for item in list_files(path):
        for file, rel in ((item.path, item.rel), (item.sidecar, _sidecar_rel(item))):
            if file is not None and file.exists():  # a broken link holds no article
                name = rel.encode("utf-8", "surrogateescape")
                digest.update(name + b"\0" + _file_digest(file))
    return digest.hexdigest()


def article_hash(article: Article) -> str:
    """sha256 (hex) over id, text, title, date and url."""
    fields = [article.id, article.text, article.title, article.date, article.url]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


# --- folders --------------------------------------------------------------------------------


def list_files(root: Path, base: Path | None = None) -> list[SourceFile]:
    """Supported files under ``root`` (a folder or one file), sorted by relative path:
    relative to ``base`` (a folder holding ``root``) if given, else to ``root``."""
    root = Path(root)
    if root.is_file():
        kind = SUPPORTED_SUFFIXES.get(root.suffix.lower())
        if kind is None:
            return []
        sidecar = root.with_name(_stem(root.name) + SIDECAR_SUFFIX)
        rel = _relative(root, base) if base is not None else root.name
        return [SourceFile(root, rel, kind, sidecar if sidecar.is_file() else None)]
    found: list[SourceFile] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        names = set(files)
        for name in files:
            kind = SUPPORTED_SUFFIXES.get(os.path.splitext(name)[1].lower())
            if kind is None or name.startswith("."):
                continue
            path = Path(folder, name)
            sidecar_name = _stem(name) + SIDECAR_SUFFIX
            sidecar = Path(folder, sidecar_name) if sidecar_name in names else None
            rel = _relative(path, base) if base is not None else path.relative_to(root).as_posix()
            found.append(SourceFile(path, rel, kind, sidecar))
    found.sort(key=lambda f: f.rel)
    return found


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.realpath(path)).relative_to(os.path.realpath(base)).as_posix()


def _read_files(root: Path, report: _Report, base: Path | None = None) -> list[Article]:
    files = _corpus_files(root, base, report)
    articles: dict[str, Article] = {}
    origin: dict[str, str] = {}
    for item in files:
        article = _read_file(item, report)
        if article is None:
            continue
        if article.id in articles:
            report.bad(
                f"{item.rel}: duplicate article id {article.id!r} (also {origin[article.id]})",
                kept=origin[article.id],
            )
            continue
        articles[article.id] = article
        origin[article.id] = item.rel
    return list(articles.values())


def _read_file(item: SourceFile, report: _Report, *, doc_id: str | None = None) -> Article | None:
    if not item.path.exists():  # a link to nothing
        report.warn(f"{item.rel}: a broken link (nothing at {_link_target(item.path)}); skipped")
        return None
    doc_id = doc_id if doc_id is not None else _file_id(item, report)
    if doc_id is None:
        return None
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        report.bad(f"{item.rel}: cannot be read ({exc.strerror or exc})")
        return None
    raw, encoding = decode_text(data)
    if raw is None:
        report.warn(f"{item.rel}: looks like a binary file, not text; skipped")
        return None
    if encoding:
        report.warn(f"{item.rel}: not valid UTF-8; decoded as {encoding}")
    meta = _read_sidecar(item, report)
    if meta is None:
        return None
    notes: list[str] = []
    article = clean_article(
        raw, doc_id, kind=item.kind, meta=meta, source=printable(item.rel), warnings=notes
    )
    for note in notes:
        report.warn(f"{item.rel}: {note}")
    if not article.text:
        report.warn(f"{item.rel}: no article text (empty, or only boilerplate); skipped")
        return None
    return article


def _file_id(item: SourceFile, report: _Report) -> str | None:
    """The path relative to the corpus root without extension: unique in the folder, and
    just the file name's stem for a file at the top (as ids always were there)."""
    stem = _stem(item.rel)
    doc_id = safe_id(stem)
    if not doc_id:
        report.bad(f"{item.rel}: the file name gives no usable article id; rename the file")
        return None
    if doc_id != stem:
        report.warn(
            f"{item.rel}: unsafe characters in the file name; article id is {printable(doc_id)!r}"
        )
    return doc_id


def _link_target(path: Path) -> str:
    try:
        return printable(os.readlink(path))
    except OSError:
        return "its target"


_SURROGATES = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with the undecodable bytes of a file name (Python's surrogate escapes)
    shown as U+FFFD, so it can be printed, stored as UTF-8 and sent as JSON."""
    return _SURROGATES.sub("\ufffd", text)


def _read_sidecar(item: SourceFile, report: _Report) -> dict[str, str | None] | None:
    """Validated sidecar fields ({} without a sidecar), or None if the file must be skipped."""
    if item.sidecar is None:
        return {}
    where = _sidecar_rel(item)
    try:
        data = json.loads(item.sidecar.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.bad(f"{where}: not a readable UTF-8 JSON file ({exc})")
        return None
    if not isinstance(data, dict):
        report.bad(f"{where}: must hold a JSON object with title/date/url/source")
        return None
    errors = field_type_errors(data)
    if errors:
        report.bad(f"{where}: {'; '.join(errors.values())}")
        return None
    fields, warnings = normalize_fields(data)
    for warning in warnings:
        report.warn(f"{where}: {warning}")
    return fields


def _sidecar_rel(item: SourceFile) -> str:
    if item.sidecar is None:
        return ""
    return str(Path(item.rel).with_name(item.sidecar.name).as_posix())


def _stem(name: str) -> str:
    return os.path.splitext(name)[0]


# --- JSONL ----------------------------------------------------------------------------------


def _read_jsonl(path: Path, report: _Report) -> list[Article]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc.strerror or exc}); check it") from None
    text, encoding = decode_text(data)
    if text is None:
        raise CorpusError(f"{path} looks like a binary file; a .jsonl corpus must be text")
    if encoding:
        report.warn(f"{path.name}: not valid UTF-8; decoded as {encoding}")
    articles: dict[str, Article] = {}
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {lineno}"
        article = _jsonl_article(line, where, f"{path.name}:{lineno}", report)
        if article is None:
            continue
        if article.id in articles:
            report.bad(
                f"{where}: duplicate article id {article.id!r} "
                f"(first on line {first_line[article.id]})",
                kept=f"line {first_line[article.id]}",
            )
            continue
        articles[article.id] = article
        first_line[article.id] = lineno
    return list(articles.values())


def _jsonl_article(line: str, where: str, source: str, report: _Report) -> Article | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        report.bad(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
        return None
    if not isinstance(record, dict):
        report.bad(f"{where}: must be a JSON object with 'id' and 'text'")
        return None
    problem = _jsonl_problem(record)
    if problem:
        report.bad(f"{where}: {problem}")
        return None
    fields, warnings = normalize_fields(record)
    for warning in warnings:
        report.warn(f"{where}: {warning}")
    notes: list[str] = []
    doc_id = record["id"].strip()
    article = clean_article(
        record["text"], doc_id, kind="txt", meta=fields, source=printable(source), warnings=notes
    )
    for note in notes:
        report.warn(f"{where}: {note}")
    if not article.text:
        report.warn(f"{where}: article {article.id!r} has no text after cleaning; skipped")
        return None
    return article


def _jsonl_problem(record: dict) -> str | None:
    for key in ("id", "text"):
        value = record.get(key)
        if value is None:
            return f"missing required field {key!r}"
        if not isinstance(value, str):
            return f"field {key!r} must be a string, not {type(value).__name__}"
        if not value.strip():
            return f"field {key!r} is empty"
    doc_id = record["id"]
    if safe_id(doc_id) != doc_id.strip():
        return f"id {doc_id!r} contains control characters or is too long; use a plain id"
    errors = field_type_errors(record)
    return "; ".join(errors.values()) if errors else None


# --- bytes and ids --------------------------------------------------------------------------

_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\b\x1b")


def decode_text(data: bytes) -> tuple[str | None, str | None]:
    """Decode file bytes. Returns (text, fallback encoding used or None); text is None
    for binary data. UTF-8 (with or without BOM) and UTF-16 with BOM are read as is;
    other bytes fall back to cp1252, then latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, None
        return (None, None) if "\x00" in text else (text, None)
    if is_binary(data):
        return None, None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def is_binary(data: bytes) -> bool:
    """NUL bytes, a known binary signature, or many control bytes in the first 4 KB."""
    if b"\x00" in data or data.startswith(_BINARY_MAGIC):
        return True
    head = data[:4096]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return bool(head) and controls / len(head) > 0.1


def safe_id(raw: str) -> str:
    """``raw`` trimmed, with control, format and line-break characters replaced by "_"
    and cut to MAX_ID_CHARS. May be empty."""
    cleaned = "".join("_" if _unsafe_char(c) else c for c in raw.strip())
    return cleaned.strip()[:MAX_ID_CHARS]


def _unsafe_char(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _file_digest(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").digest()
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc.strerror or exc}); check it") from None


def _declared_metadata(raw: str, kind: str, notes: list[str]) -> tuple[dict[str, str | None], str]:
    """Metadata the document itself declares (HTML head, front matter, '# Heading'),
    validated, and the body text still to clean."""
    if kind == "html":
        page = extract_html(raw)
        fields, problems = normalize_fields(
            {"title": page.title, "date": page.date, "url": page.url}
        )
        notes.extend(problems)
        return fields, page.text
    front, body, problems = split_front_matter(raw)
    notes.extend(problems)
    type_errors = field_type_errors(front)
    notes.extend(f"front matter {e}; it was ignored" for e in type_errors.values())
    front = {k: v for k, v in front.items() if k not in type_errors}
    fields, problems = normalize_fields(front)
    notes.extend(f"front matter {p}" for p in problems)
    if kind == "md":
        body, heading = strip_markdown(body)
        if heading and "title" not in fields:
            fields["title"] = " ".join(heading.split())
    return fields, body
