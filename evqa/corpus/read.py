"""Reading a corpus: all at once (``read_corpus``) or one article at a time (``iter_corpus``).
Articles with a repeated id are bad input; a repeated text is skipped with a warning
(``duplicates``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from evqa.corpus.article_file import read_source_file
from evqa.corpus.duplicates import distinct_texts
from evqa.corpus.files import corpus_files, is_jsonl
from evqa.corpus.jsonl import read_jsonl, stream_jsonl
from evqa.corpus.report import Report
from evqa.errors import CorpusError
from evqa.types import Article


@dataclass(frozen=True)
class CorpusRead:
    articles: tuple[Article, ...]
    warnings: tuple[str, ...]


@dataclass
class CorpusStream:
    """A corpus read one article at a time (bounded memory, for big builds).

    ``total`` counts the items that may hold an article (files, or non-empty JSONL
    lines), for progress; ``warnings`` fills up as ``articles`` is consumed. Articles come
    in file order (folders: sorted by relative path), a repeated id is bad input, a
    repeated text skipped."""

    total: int
    articles: Iterator[Article]
    warnings: list[str] = field(default_factory=list)


def read_corpus(
    path: Path, *, skip_bad: bool = False, base: Path | None = None, added: bool = False
) -> CorpusRead:
    """Read every article under ``path`` (folder, .jsonl file or one supported file).
    Files' ids are their paths relative to ``base`` (a corpus folder holding ``path``),
    else relative to ``path``. ``added``: ``path`` is one an add reads, not a corpus (a
    missing one is said so). Every bad item is named in one CorpusError (unless
    ``skip_bad``), raised before any article is returned."""
    path = _existing_corpus(path, added=added)
    report = Report(skip_bad, collect=True)  # every problem in one error
    articles = read_jsonl(path, report) if is_jsonl(path) else _read_files(path, report, base)
    report.check(path)
    articles = list(distinct_texts(articles, report))
    if not articles:
        detail = ""
        if report.warnings:
            detail = f" ({len(report.warnings)} item(s) skipped, first: {report.warnings[0]})"
        raise CorpusError(f"no readable articles in {path}{detail}; add non-empty text articles")
    articles.sort(key=lambda a: a.id)
    return CorpusRead(tuple(articles), tuple(report.warnings))


def iter_corpus(
    path: Path, *, skip_bad: bool = False, base: Path | None = None, added: bool = False
) -> CorpusStream:
    """Like :func:`read_corpus`, but streaming: only the ids seen so far stay in memory,
    and the first bad item raises (articles before it were already handed out)."""
    path = _existing_corpus(path, added=added)
    report = Report(skip_bad)
    items, files = _items(path, base, report)
    if files is None:
        with open(path, "rb") as f:
            total = sum(1 for line in f if line.strip())
    else:
        total = len(files)
    articles = distinct_texts(_unique(items, report, path), report)
    return CorpusStream(total, articles, report.warnings)


def check_corpus(
    path: Path, *, skip_bad: bool = False, base: Path | None = None, added: bool = False
) -> list[str]:
    """Read ``path`` once, as :func:`iter_corpus` streams it, keeping only the ids: every
    bad item is named in one CorpusError (unless ``skip_bad``), as :func:`read_corpus`
    names them. A streaming build or add runs it before it writes anything, so that bad
    input never leaves an index half-written. Returns the ids of the articles read."""
    path = _existing_corpus(path, added=added)
    report = Report(skip_bad, collect=True)
    items, _ = _items(path, base, report)
    ids = [a.id for a in distinct_texts(_unique(items, report, path), report)]
    report.check(path)
    return ids


def _items(path: Path, base: Path | None, report: Report) -> tuple[Iterator, list | None]:
    """The (article or None, where) pairs of ``path``, read as they are asked for, and the
    folder's files (None for a .jsonl file)."""
    if is_jsonl(path):
        return stream_jsonl(path, report), None
    files = corpus_files(path, base, report)
    return ((read_source_file(item, report), item.rel) for item in files), files


def _unique(
    items: Iterable[tuple[Article | None, str]], report: Report, path: Path
) -> Iterator[Article]:
    """The articles of (article or None, where) ``items``, a repeated id reported as bad."""
    seen: set[str] = set()
    for article, where in items:
        if article is None:
            continue
        if article.id in seen:
            report.bad(f"{where}: duplicate article id {article.id!r}", kept="the first one")
            continue
        seen.add(article.id)
        yield article
    if not seen:
        raise CorpusError(f"no readable articles in {path}; add non-empty text articles")


def _existing_corpus(path: Path, *, added: bool = False) -> Path:
    """``path`` as a Path; CorpusError if there is nothing there (``added``: a path an add
    reads, not a corpus)."""
    path = Path(path)
    if path.exists():
        return path
    if added:
        raise CorpusError(
            f"{path} does not exist; check the path, and add a .txt/.md/.html file, a folder "
            "of articles or a .jsonl file"
        )
    raise CorpusError(
        f"corpus path {path} does not exist; pass a folder of .txt/.md/.html files or a .jsonl file"
    )


def _read_files(root: Path, report: Report, base: Path | None = None) -> list[Article]:
    articles: dict[str, Article] = {}
    origin: dict[str, str] = {}
    for item in corpus_files(root, base, report):
        article = read_source_file(item, report)
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
