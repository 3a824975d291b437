"""Raw text to an Article: the document's own metadata (HTML head, front matter, a leading
Markdown heading) read and validated, the body cleaned, the rest found by heuristics."""

from __future__ import annotations

from evqa.corpus.cleaning import (
    HtmlDoc,
    clean_text,
    extract_html,
    page_lines_before,
    strip_markdown,
)
from evqa.corpus.decode import printable
from evqa.corpus.metadata import (
    HEAD_LINES,
    date_problem,
    extract_metadata,
    field_type_errors,
    head_date,
    normalize_fields,
    parse_date,
    split_front_matter,
)
from evqa.corpus.report import Report
from evqa.errors import InputError
from evqa.types import Article


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
    HTML metadata > a leading Markdown '# Heading' > heuristics on the text head > (HTML,
    date only) a byline or dateline the page shows just above the article's text.
    The returned text may be empty (the input was only boilerplate); problems with
    front matter, and a date in the text's first lines that names no day ("Published
    February 30, 2024": the article is left undated), are appended to ``warnings``.
    """
    if kind not in ("txt", "md", "html"):
        raise InputError(f"unknown document kind {kind!r}; use 'txt', 'md' or 'html'")
    notes = [] if warnings is None else warnings
    declared, body = _declared_metadata(raw_text, kind, notes)
    explicit = {**declared, **(meta or {})}
    text = clean_text(body)
    found = extract_metadata(text, title_hint=explicit.get("title"))
    date = explicit.get("date", found.date)
    if kind == "html" and "date" not in explicit and date is None and found.text:
        # "Ritika Sharma · Ahmedabad · Published August 21, 2025" above the first paragraph
        first = found.text.split("\n", 1)[0]
        date = head_date(page_lines_before(raw_text, first, HEAD_LINES))
    if "date" not in explicit and date is None and found.date_problem:
        notes.append(f"{found.date_problem}; the article is left undated")
    return Article(
        id=doc_id,
        text=found.text,
        title=explicit.get("title") or found.title,
        date=date,
        url=explicit.get("url"),
        source=explicit.get("source") or source,
    )


def clean_reported(
    raw_text: str,
    doc_id: str,
    *,
    kind: str,
    meta: dict[str, str | None],
    source: str,
    report: Report,
    where: str,
) -> Article:
    """``clean_article`` of a corpus item, its problems reported as warnings about ``where``."""
    notes: list[str] = []
    article = clean_article(
        raw_text, doc_id, kind=kind, meta=meta, source=printable(source), warnings=notes
    )
    for note in notes:
        report.warn(f"{where}: {note}")
    return article


def _page_date(page: HtmlDoc) -> str | None:
    """An HTML page's publication date. First its <meta> tags' publication dates, as
    written, to be read by `parse_date` as every date is: the first that is a date, else
    the first that names no day ("2024-02-30": the page is left undated, with a warning);
    then htmldate's reading (of the page's JSON-LD, <time> and other dates, or of a form
    `parse_date` does not read); only then, as the last resort, the <meta> tags'
    modification dates, read the same way."""
    published = _first_date(page.meta_dates)
    return published or page.date or _first_date(page.modified_dates)


def _first_date(written: tuple[str, ...]) -> str | None:
    """The first of ``written`` that is a date, else the first that names no day."""
    read = next((w for w in written if parse_date(w) is not None), None)
    return read or next((w for w in written if date_problem(w)), None)


def _declared_metadata(raw: str, kind: str, notes: list[str]) -> tuple[dict[str, str | None], str]:
    """Metadata the document itself declares (HTML head, front matter, '# Heading'),
    validated, and the body text still to clean."""
    if kind == "html":
        page = extract_html(raw)
        fields, problems = normalize_fields(
            {"title": page.title, "date": _page_date(page), "url": page.url}
        )
        notes.extend(f"page metadata {p}" for p in problems)
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
