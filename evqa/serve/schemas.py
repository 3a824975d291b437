"""Request bodies of the JSON API. Types are checked here; ranges and values (k, mode,
the question itself) are checked by the library, so the messages are the CLI's."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(examples=["energy density of Jinshi battery"])
    k: int | None = Field(default=None, description="number of passages")
    mode: str | None = Field(default=None, description="hybrid, bm25 or dense")
    since: str | None = Field(default=None, description="earliest article date, YYYY[-MM[-DD]]")
    until: str | None = Field(default=None, description="latest article date, YYYY[-MM[-DD]]")


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(examples=["sodium-ion battery"])
    k: int | None = None
    mode: str | None = None
    explain: bool = False


class ErrorBody(BaseModel):
    """Every error: the library's message, the error's name and the HTTP status."""

    error: str
    type: str
    status: int
