"""The FastAPI application: the JSON API and the page at ``/``.

POST /ask                {question, k?, mode?, since?, until?}        -> Answer.to_dict(), warnings
POST /search             {query, k?, mode?, since?, until?, explain?} -> {passages, warnings}
GET  /articles/{doc_id}  cleaned text, title (or derived label), date, url, sentence offsets
GET  /articles?id=ID     the same, for any id: "." and ".." too, which a URL path cannot carry
GET  /health             index, generation, chunk count, model
GET  /                   the page (static/), GET /docs and /openapi.json the schema
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute, APIRouter
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

import evqa
from evqa import config
from evqa.dates import date_range
from evqa.labels import article_label
from evqa.serve import http_errors
from evqa.serve.holder import EngineHolder
from evqa.serve.http_errors import ArticleNotFoundError, UnauthorizedError
from evqa.serve.limits import BodyLimit
from evqa.serve.schemas import (
    ArticleResponse,
    AskRequest,
    AskResponse,
    ErrorBody,
    HealthResponse,
    SearchRequest,
    SearchResponse,
)
from evqa.serve.server import check_token

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {
    # the page builds every node from text; this only adds a second line of defence
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(
    holder: EngineHolder, *, token: str | None = None, max_body: int = config.MAX_BODY_BYTES
) -> FastAPI:
    if token is not None:
        check_token(token)
    app = FastAPIOffline(
        title="evqa",
        version=evqa.__version__,
        description="Offline question answering over news articles, with cited answers.",
    )
    http_errors.install(app)
    app.include_router(_api(holder, token))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    _head_where_get(app.router)
    app.add_middleware(BodyLimit, max_bytes=max_body)
    app.openapi = _openapi(app, token)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI, token: str | None):
    """FastAPI's schema, told the truth: a bad body is a 400 ErrorBody (the handlers turn
    validation errors into one), never the 422 FastAPI documents on every route; with a
    token, the API's routes need a bearer token (so /docs has an Authorize button)."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = made()
            for operation in _operations(schema):
                operation["responses"].pop("422", None)
                if token is not None:
                    operation["security"] = [{BEARER: []}]
            components = schema.setdefault("components", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                components.get("schemas", {}).pop(unused, None)
            if token is not None:
                components["securitySchemes"] = {
                    BEARER: {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "the server's --token (or EVQA_TOKEN)",
                    }
                }
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


BEARER = "bearer"


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in schema.get("paths", {}).values() for op in path.values()]


def _head_where_get(router: APIRouter) -> None:
    """Answer HEAD wherever GET is answered: FastAPI's routes take only the methods they
    name. A hidden twin keeps HEAD out of the schema; the server sends no body for it."""
    for route in list(router.routes):
        if isinstance(route, APIRoute) and route.methods == {"GET"}:
            router.add_api_route(  # the router's route_class: on the API, checks the token
                route.path,
                route.endpoint,
                methods=["HEAD"],
                dependencies=route.dependencies,
                include_in_schema=False,
                name=route.name,
            )


ERRORS = {  # the error statuses every route may answer
    400: "bad input (also a malformed body: never 422)",
    401: "the server's --token is missing or does not match",
    413: "request body too large",
    500: "internal error",
    503: "the index is being swapped (with Retry-After: retry), or is gone or unusable "
    "(without it: the message says what to run)",
}


def _api(holder: EngineHolder, token: str | None) -> APIRouter:
    errors = {code: d for code, d in ERRORS.items() if code != 401 or token is not None}
    router = APIRouter(
        route_class=_guarded(token),
        responses={code: {"model": ErrorBody, "description": d} for code, d in errors.items()},
    )
    for add_route in (_ask_route, _search_route, _article_route, _health_route):
        add_route(router, holder)
    _head_where_get(router)
    return router


def _ask_route(router: APIRouter, holder: EngineHolder) -> None:
    @router.post(
        "/ask",
        summary="Answer a question: Answer.to_dict() and the warnings",
        response_model=AskResponse,
    )
    def ask(req: AskRequest) -> JSONResponse:
        engine = holder.get()
        dates = _date_filters(req.since, req.until)
        answer = engine.ask(req.question, k=req.k, mode=req.mode, **dates)
        warnings = engine.answer_warnings(answer, **dates)
        return JSONResponse({**answer.to_dict(), "warnings": warnings})


def _search_route(router: APIRouter, holder: EngineHolder) -> None:
    @router.post("/search", summary="Ranked passages", response_model=SearchResponse)
    def search(req: SearchRequest) -> JSONResponse:
        engine = holder.get()
        dates = _date_filters(req.since, req.until)
        # Engine.search refuses a query with no words to search for ("???"): a 400
        hits = engine.search(req.query, k=req.k, mode=req.mode, **dates)
        passages = [h.to_dict(explain=req.explain) for h in hits]
        return JSONResponse({"passages": passages, "warnings": engine.search_warnings(**dates)})


NOT_FOUND = {404: {"model": ErrorBody, "description": "no such article"}}
ARTICLE_ID = Query(
    alias="id",
    min_length=1,
    description="the article's id; the page asks this way, since a URL path cannot carry "
    "an id of '.' or '..' (clients resolve it away, %2E%2E included)",
)


def _article_route(router: APIRouter, holder: EngineHolder) -> None:
    @router.get(
        "/articles/{doc_id:path}",
        summary="One article's cleaned text and sentences",
        response_model=ArticleResponse,
        responses=NOT_FOUND,
    )
    def article(doc_id: str) -> JSONResponse:
        return JSONResponse(_article(holder.get(), doc_id))

    @router.get(
        "/articles",
        summary="One article, its id in the query: any id, '.' and '..' too",
        response_model=ArticleResponse,
        responses=NOT_FOUND,
    )
    def article_by_id(doc_id: Annotated[str, ARTICLE_ID]) -> JSONResponse:
        return JSONResponse(_article(holder.get(), doc_id))


def _health_route(router: APIRouter, holder: EngineHolder) -> None:
    @router.get(
        "/health",
        summary="The live index generation, its size and model",
        response_model=HealthResponse,
    )
    def health() -> JSONResponse:
        return JSONResponse(_health(holder))


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _guarded(token: str | None) -> type[APIRoute]:
    """The API's route class: with a token, every route checks it before anything else.
    FastAPI reads and parses a body before it runs a route's dependencies, so a check
    there would answer a malformed body sent without the token 400, not 401."""
    if token is None:
        return APIRoute

    class Guarded(APIRoute):
        def get_route_handler(self) -> Handler:
            handle = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                _authorize(request, token)
                return await handle(request)

            return guarded

    return Guarded


TOKEN_MISSING = (
    "this server requires its token: send the header 'Authorization: Bearer TOKEN' "
    "(the page takes it from the address printed by evqa serve)"
)
TOKEN_WRONG = (
    "the token does not match this server's: send the one evqa serve was started with "
    "(the page takes it from the address printed by evqa serve)"
)


def _authorize(request: Request, token: str) -> None:
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    # the scheme's name is case-insensitive (RFC 9110); the token is compared exactly
    if scheme.lower() != "bearer" or not sent:
        raise UnauthorizedError(TOKEN_MISSING)
    if not secrets.compare_digest(sent.encode(), token.encode()):
        raise UnauthorizedError(TOKEN_WRONG)


def _article(engine: Any, doc_id: str) -> dict[str, Any]:
    article = engine.articles.get(doc_id)
    if article is None:
        raise ArticleNotFoundError(
            f"no article {doc_id!r} in the index; find ids with POST /search "
            "or evqa search QUERY --json"
        )
    # sentence offsets come with a local index; another backend may not keep them
    sentences = getattr(getattr(engine, "data", None), "sentences", None) or {}
    sentences = sentences.get(doc_id, [])
    label = article_label(article)  # what passages and citations call it
    return {
        "id": article.id,
        "title": label.text,
        "title_derived": label.derived,
        "date": article.date,
        "url": article.url,
        "text": article.text,
        "sentences": [list(s) for s in sentences],
    }


def _health(holder: EngineHolder) -> dict[str, Any]:
    engine, generation = holder.current()  # a reload meanwhile must not mix the two
    model = engine.manifest.get("model", {})
    corpus = engine.manifest.get("corpus", {})  # what the build recorded
    return {
        "status": "ok",
        "index": str(engine.root),
        "generation": generation,
        "articles": len(engine.articles),
        "chunks": corpus.get("chunks"),
        "model": model.get("name"),
        "model_sha256": model.get("sha256"),
        "version": evqa.__version__,
    }


def _date_filters(since: str | None, until: str | None) -> dict[str, str | None]:
    """since/until (evqa.dates), checked before the engine looks at the rest of the
    request, so that a bad date is what the error reports."""
    date_range(since, until)
    return {"since": since, "until": until}
