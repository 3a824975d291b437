"""The small immutable records that flow through evqa.

Offsets are always character offsets into the *cleaned* article text
(`Article.text`), so a citation can be checked with
``article.text[start:end] == quote``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Article:
    """One cleaned article with its metadata."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO 8601: YYYY-MM-DD, YYYY-MM or YYYY
    url: str | None = None
    # where it was read from: a path relative to the corpus root, or "file.jsonl:LINE"
    source: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict) -> Article:
        """The inverse of ``to_dict`` (extra keys are ignored); InputError for a row that
        is not a dict with a str ``id`` and ``text``."""
        from evqa.errors import InputError

        if not isinstance(row, dict):
            raise InputError(f"an article must be a dict, as to_dict gives it (got {row!r:.80})")
        bad = [k for k in ("id", "text") if not isinstance(row.get(k), str)]
        if bad:
            raise InputError(
                f"an article needs {' and '.join(map(repr, bad))} (str) in its dict (got the "
                f"keys {', '.join(map(repr, row))})"
            )
        return cls(
            id=row["id"],
            text=row["text"],
            title=row.get("title"),
            date=row.get("date"),
            url=row.get("url"),
            source=row.get("source"),
        )


@dataclass(frozen=True)
class Chunk:
    """A contiguous slice of an article: ``article.text[start:end] == text``."""

    id: str  # stable: f"{doc_id}#{ordinal}"
    doc_id: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Span:
    """A typed span found at index time (an entity, a number with a unit, a date...)."""

    start: int  # article offsets
    end: int
    label: str  # QUANTITY, PERCENT, MONEY, CARDINAL, DATE, PERSON, ORG, GPE, NOUN...
    text: str


@dataclass(frozen=True)
class RetrieverScore:
    """How one retriever saw a hit: its rank (1-based, None if it did not return
    it), its raw score, and its share of the fused score (0..1)."""

    rank: int | None
    score: float | None
    share: float


@dataclass(frozen=True)
class Hit:
    """A ranked chunk with the metadata of its article; ``explain`` maps a retriever's
    name to its RetrieverScore: given as any mapping, held as a read-only copy."""

    rank: int  # 1-based
    score: float
    chunk: Chunk
    title: str | None = None
    date: str | None = None
    explain: Mapping[str, RetrieverScore] = field(default_factory=dict, compare=False)
    title_derived: bool = False  # the title is a label derived from the article (evqa.labels)

    def __post_init__(self) -> None:
        # a copy, so the caller's dict is not the hit's, behind a read-only view of it
        object.__setattr__(self, "explain", MappingProxyType(dict(self.explain)))

    def __getstate__(self) -> dict:
        return {**self.__dict__, "explain": dict(self.explain)}  # a mappingproxy won't pickle

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    def to_dict(self, explain: bool = False) -> dict:
        d = {
            "rank": self.rank,
            "doc_id": self.chunk.doc_id,
            "chunk_id": self.chunk.id,
            "title": self.title,
            "title_derived": self.title_derived,
            "date": self.date,
            "text": self.chunk.text,
            "score": self.score,
            "start": self.chunk.start,
            "end": self.chunk.end,
        }
        if explain:
            d["explain"] = {k: asdict(v) for k, v in self.explain.items()}
        return d


@dataclass(frozen=True)
class Citation:
    """A verbatim quote of an article: ``article.text[start:end] == quote``."""

    n: int  # 1-based, as shown: [1], [2]
    doc_id: str
    title: str | None
    date: str | None
    quote: str
    start: int
    end: int
    title_derived: bool = False  # the title is a label derived from the article (evqa.labels)
    # the article's source: a JSONL, sidecar or front-matter ``source`` field, else where it
    # was read from ("news.jsonl:12", "sub/story.md")
    source: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Figure:
    """One of several answers shown side by side (e.g. cell vs pack energy density)."""

    answer: str
    sentence: str
    citation: int  # the Citation.n that holds it


@dataclass(frozen=True)
class BestGuess:
    """The reader's best span when its confidence was too low to answer: a hint, not an
    answer (its probability of being right is the abstained Answer's ``confidence``)."""

    answer: str
    doc_id: str
    title: str | None
    title_derived: bool = False  # the title is a label derived from the article (evqa.labels)


@dataclass(frozen=True)
class Answer:
    """The result of asking a question. ``to_dict`` is the ``--json`` schema (which adds
    ``warnings``)."""

    question: str
    answer: str | None
    answer_sentence: str | None
    confidence: float
    abstained: bool
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = ()
    figures: tuple[Figure, ...] = ()
    # offsets of the answer span inside answer_sentence, for highlighting
    answer_start: int | None = None
    answer_end: int | None = None
    reason: str | None = None  # why the question was not answered, when the question says
    best_guess: BestGuess | None = None  # abstained for low confidence: the best span

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "answer_sentence": self.answer_sentence,
            "answer_offsets": (
                None if self.answer_start is None else [self.answer_start, self.answer_end]
            ),
            "confidence": round(self.confidence, 4),
            "abstained": self.abstained,
            "reason": self.reason,
            "best_guess": None if self.best_guess is None else asdict(self.best_guess),
            "figures": [asdict(f) for f in self.figures],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
        }
