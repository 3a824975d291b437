"""Request bodies of the JSON API. Types are checked here; ranges and values (k, mode,
the question itself) are checked by the library, so the messages are the CLI's. The
schema still documents those limits (``documented``), without enforcing them twice."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evqa import config


def documented(description: str, **schema: Any) -> Any:
    return Field(default=None, description=description, json_schema_extra=schema)


K = documented("number of passages", minimum=1, maximum=config.MAX_K)
MODE = documented("retriever", enum=[*config.MODES, None])
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SINCE = documented("earliest article date", pattern=DATE_PATTERN)
UNTIL = documented("latest article date", pattern=DATE_PATTERN)


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
