"""A .jsonl corpus: one article a line, ``id`` and ``text`` required, ``title``, ``date``,
``url``, ``source`` and ``format`` optional (strings or null).

``format`` says how ``text`` is read: "text" (as a .txt file), "markdown" (as a .md file:
its markup stripped, a pipe table read one row a line) or "html" (as an .html page); "txt"
and "md" are the same, case does not matter. A row without one is read as Markdown when its
text uses at least ``MIN_MARKDOWN_CONSTRUCTS`` kinds of Markdown syntax (see
`markdown_constructs`: headings, emphasis, links, bullet lists, pipe tables), else as text,
as every row was before; HTML is never guessed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from evqa.corpus.clean import clean_reported
from evqa.corpus.cleaning import markdown_constructs
from evqa.corpus.decode import decode_text
from evqa.corpus.ids import safe_id
from evqa.corpus.metadata import field_type_errors, normalize_fields
from evqa.corpus.report import Report
from evqa.errors import CorpusError
from evqa.types import Article

FORMATS = {"text": "txt", "txt": "txt", "markdown": "md", "md": "md", "html": "html"}
MIN_MARKDOWN_CONSTRUCTS = 2  # kinds of Markdown syntax that make a row without format Markdown


def read_jsonl(path: Path, report: Report) -> list[Article]:
    """Every article of the file, the first of any repeated id (a repeat is bad input)."""
    articles: dict[str, Article] = {}
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(_jsonl_text(path, report).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {lineno}"
        article = jsonl_article(line, where, f"{path.name}:{lineno}", report)
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


def _jsonl_text(path: Path, report: Report) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc.strerror or exc}); check it") from None
    text, encoding = decode_text(data)
    if text is None:
        raise CorpusError(f"{path} looks like a binary file; a .jsonl corpus must be text")
    if encoding:
        report.warn(f"{path.name}: not valid UTF-8; decoded as {encoding}")
    return text


def stream_jsonl(path: Path, report: Report) -> Iterator[tuple[Article | None, str]]:
    """(article or None, where) for each non-empty line, read one line at a time."""
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, start=1):
            if line.strip():
                where = f"{path.name} line {lineno}"
                yield jsonl_article(line, where, f"{path.name}:{lineno}", report), where


def jsonl_article(line: str, where: str, source: str, report: Report) -> Article | None:
    record = _record(line, where, report)
    if record is None:
        return None
    fields, warnings = normalize_fields(record)
    if problem := _format_problem(record.get("format")):
        warnings = [*warnings, f"{problem}: ignored, the text read as it looks"]
    for warning in warnings:
        report.warn(f"{where}: {warning}")
    doc_id = record["id"].strip()
    article = clean_reported(
        record["text"],
        doc_id,
        kind=text_kind(record),
        meta=fields,
        source=source,
        report=report,
        where=where,
    )
    if not article.text:
        report.warn(f"{where}: article {article.id!r} has no text after cleaning; skipped")
        return None
    return article


def text_kind(record: dict) -> str:
    """How a valid row's text is read, as a file of that kind ("txt", "md" or "html"): its
    ``format`` if it gives one of FORMATS, else "md" if the text looks like Markdown, else
    "txt". Another ``format`` (an export's own field: WordPress writes "standard") is
    ignored, with a warning (see :func:`jsonl_article`)."""
    declared = _declared_kind(record.get("format"))
    if declared is not None:
        return declared
    return "md" if looks_like_markdown(record["text"]) else "txt"


def _declared_kind(declared: object) -> str | None:
    """The kind a row's ``format`` names (FORMATS), or None if it names none of them."""
    return FORMATS.get(declared.strip().lower()) if isinstance(declared, str) else None


def looks_like_markdown(text: str) -> bool:
    """Whether ``text`` uses several kinds of Markdown syntax: one alone (a "# " line, a
    "**bold**" phrase) is too little to tell Markdown from plain text."""
    return len(markdown_constructs(text)) >= MIN_MARKDOWN_CONSTRUCTS


def _record(line: str, where: str, report: Report) -> dict | None:
    """The line's JSON object if it is a valid article record, else None (reported)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        report.bad(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
        return None
    except RecursionError:
        report.bad(f"{where}: not valid JSON (nested too deeply to read)")
        return None
    if not isinstance(record, dict):
        report.bad(f"{where}: must be a JSON object with 'id' and 'text'")
        return None
    problem = _jsonl_problem(record)
    if problem:
        report.bad(f"{where}: {problem}")
        return None
    return record


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


def _format_problem(declared: object) -> str | None:
    """What is wrong with a row's ``format`` field, if anything (null or "" is no format)."""
    if declared is None or _declared_kind(declared) is not None:
        return None
    if not isinstance(declared, str):
        return f"field 'format' is a {type(declared).__name__}, not 'text', 'markdown' or 'html'"
    if declared.strip():
        return f"field 'format' is {declared!r}, not 'text', 'markdown' or 'html'"
    return None
