"""Every failure becomes a JSON body ``{"error": message, "type": name, "status": code}``.

The messages are the library's own (the ones the CLI prints), the status says whose
fault it is, and no traceback ever reaches a client: unexpected exceptions are logged
on the server and answered with a generic 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from evqa.errors import (
    CorpusError,
    EvqaError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexStaleError,
    InputError,
)
from evqa.serve.holder import IndexSwappingError


class ArticleNotFoundError(EvqaError):
    """No article with that id in the index."""

    exit_code = 2


class UnauthorizedError(EvqaError):
    """The server was started with --token and the request did not carry it."""

    exit_code = 2


STATUS: list[tuple[type[EvqaError], int]] = [
    (InputError, 400),
    (CorpusError, 400),
    (UnauthorizedError, 401),
    (ArticleNotFoundError, 404),
    (IndexSwappingError, 503),
    (IndexLockedError, 503),
    (IndexNotFoundError, 503),
    (IndexStaleError, 503),
    (IndexCorruptError, 503),
]


# a 503 worth retrying soon (Retry-After: 1); any other 503 (the index is gone, corrupt or
# stale) lasts until someone acts, so it tells no client to retry
TRANSIENT = (IndexSwappingError, IndexLockedError)


def status_of(error: EvqaError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 500)


def error_response(
    status: int, message: str, kind: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    body = {"error": message, "type": kind, "status": status}
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(EvqaError, _evqa_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def _evqa_error(request: Request, exc: EvqaError) -> JSONResponse:
    retry = {"Retry-After": "1"} if isinstance(exc, TRANSIENT) else None
    return error_response(status_of(exc), str(exc), type(exc).__name__, retry)


# what each route's body looks like, for the error that says the body was wrong
BODY_EXAMPLES = {"/ask": '{"question": "..."}', "/search": '{"query": "..."}'}
REQUIRED = {"/ask": ("question",), "/search": ("query",)}  # the fields a body must have


def _send_json(request: Request) -> str:
    example = BODY_EXAMPLES.get(request.url.path, '{"question": "..."}')
    return f"Send JSON such as {example} with Content-Type: application/json"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(400, _validation_message(request, exc), "InputError")


def _validation_message(request: Request, exc: RequestValidationError) -> str:
    errors = exc.errors()
    unparsed = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if unparsed is not None:
        at = unparsed.get("loc", ())[-1:]
        where = f" (at character {at[0]})" if at and isinstance(at[0], int) else ""
        return f"the body is not valid JSON{where}. {_send_json(request)}"
    if isinstance(exc.body, bytes):  # FastAPI reads a body as JSON only when told it is JSON
        return _not_sent_as_json(request)
    problems = "; ".join(_problem(e, request) for e in errors)
    if not any(e.get("loc", ())[:1] == ("body",) for e in errors):
        return f"bad query string: {problems}"  # GET /articles?id= without the id
    return f"bad request body: {problems}. {_send_json(request)}"


def _not_sent_as_json(request: Request) -> str:
    sent = request.headers.get("content-type", "").split(";")[0].strip()[:80]
    how = f"as {sent}" if sent else "without a Content-Type"
    example = BODY_EXAMPLES.get(request.url.path, '{"question": "..."}')
    return (
        f"the body was sent {how}, so it was not read: send JSON such as {example} with the "
        "header Content-Type: application/json (curl: -H 'content-type: application/json')"
    )


def _problem(error: dict, request: Request) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
    if not where and error.get("type") == "missing":  # no body at all: name what it needs
        fields = REQUIRED.get(request.url.path, ())
        if fields:
            return f"the body is empty, and {' and '.join(fields)} is required"
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


# FastAPI answers a body its JSON parser raised on (other than a syntax error) with a bare
# HTTPException "There was an error parsing the body"; the cause says what was wrong
PARSE_ERROR = "There was an error parsing the body"


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        message = f"the body must be JSON encoded as UTF-8 ({cause}). {_send_json(request)}"
        return error_response(400, message, "InputError")
    if isinstance(cause, RecursionError):
        message = (
            "the body is JSON nested too deeply to read (arrays or objects inside one "
            f"another, hundreds deep). {_send_json(request)}"
        )
        return error_response(400, message, "InputError")
    if exc.status_code == 400 and exc.detail == PARSE_ERROR:
        message = f"the body could not be read as JSON. {_send_json(request)}"
        return error_response(400, message, "InputError")
    return error_response(exc.status_code, str(exc.detail), "HTTPError", exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises it after this response, and the server logs the traceback
    message = "internal error; the server's log has the details"
    return error_response(500, message, "InternalError")
