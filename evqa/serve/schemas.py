"""Request bodies of the JSON API. Types are checked here; ranges and values (k, mode,
the question itself) are checked by the library, so the messages are the CLI's. The
schema still documents those limits (``documented``), without enforcing them twice."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evqa import config
from evqa.dates import DATE_PATTERN
from evqa.engine import undated_warning


def documented(description: str, **schema: Any) -> Any:
    return Field(default=None, description=description, json_schema_extra=schema)


K = documented("number of passages", minimum=1, maximum=config.MAX_K)
MODE = documented("retriever", enum=[*config.MODES, None])
SINCE = documented("earliest article date (leave it out for no limit)", pattern=DATE_PATTERN)
UNTIL = documented("latest article date (leave it out for no limit)", pattern=DATE_PATTERN)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(
        examples=["energy density of Jinshi battery"],
        json_schema_extra={"minLength": 1, "maxLength": config.MAX_QUESTION_CHARS},
    )
    k: int | None = K
    mode: str | None = MODE
    since: str | None = SINCE
    until: str | None = UNTIL


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    query: str = Field(
        examples=["sodium-ion battery"],
        json_schema_extra={"minLength": 1, "maxLength": config.MAX_QUESTION_CHARS},
    )
    k: int | None = K
    mode: str | None = MODE
    since: str | None = SINCE
    until: str | None = UNTIL
    explain: bool = False


class ErrorBody(BaseModel):
    """Every error: the library's message, the error's name and the HTTP status."""

    error: str
    type: str
    status: int


# --- responses: documentation only (the routes send the library's own dicts, unchanged);
# extra="allow" so that a field the library adds never makes the schema wrong

OPEN = ConfigDict(extra="allow")


class Passage(BaseModel):
    """A ranked passage: Hit.to_dict(); ``explain`` only with explain=true on /search."""

    model_config = OPEN
    rank: int
    doc_id: str
    chunk_id: str
    title: str | None = Field(description="the article's title, or a label derived from it")
    title_derived: bool = Field(description="title is a derived label, not the article's own")
    date: str | None
    text: str
    score: float
    start: int
    end: int
    explain: dict[str, Any] | None = None


class CitationOut(BaseModel):
    """A verbatim quote: the article's text[start:end] (GET /articles/{doc_id})."""

    model_config = OPEN
    n: int
    doc_id: str
    title: str | None
    title_derived: bool
    date: str | None
    quote: str
    start: int
    end: int
    source: str | None = Field(
        default=None,
        description="the article's source: its JSONL, sidecar or front-matter 'source' field, "
        "else where it was read from (news.jsonl:LINE, sub/story.md)",
    )


class FigureOut(BaseModel):
    model_config = OPEN
    answer: str
    sentence: str
    citation: int


class BestGuessOut(BaseModel):
    """The reader's best span when it was too unsure to answer (abstained)."""

    model_config = OPEN
    answer: str
    doc_id: str
    title: str | None
    title_derived: bool


WARNINGS = Field(
    description="what may make the result misleading, such as the undated articles a "
    "since/until filter left out; empty when there is nothing to warn of",
    examples=[[undated_warning(2)]],
)


class AskResponse(BaseModel):
    """Answer.to_dict() and the warnings, as `evqa ask --json` prints them."""

    model_config = OPEN
    question: str
    answer: str | None
    answer_sentence: str | None
    answer_offsets: list[int] | None
    confidence: float
    abstained: bool
    reason: str | None
    best_guess: BestGuessOut | None
    figures: list[FigureOut]
    citations: list[CitationOut]
    passages: list[Passage]
    warnings: list[str] = WARNINGS


class SearchResponse(BaseModel):
    """The ranked passages and the warnings, as `evqa search --json` prints them."""

    model_config = OPEN
    passages: list[Passage]
    warnings: list[str] = WARNINGS


class ArticleResponse(BaseModel):
    """The cleaned text that citation offsets point into, and its sentences' offsets."""

    model_config = OPEN
    id: str
    title: str | None = Field(description="the article's title, or a label derived from it")
    title_derived: bool = Field(description="title is a derived label, not the article's own")
    date: str | None
    url: str | None
    text: str
    sentences: list[list[int]]


class HealthResponse(BaseModel):
    model_config = OPEN
    status: str
    index: str
    generation: str | None
    articles: int
    chunks: int | None
    model: str | None
    model_sha256: str | None
    version: str
