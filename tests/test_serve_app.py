"""The HTTP API through FastAPI's test client, on a small synthetic index with the fake
model: every endpoint, every error status, and a 10 MB body."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")

from click.testing import CliRunner  # noqa: E402
from conftest import ARTICLES, small_settings, write_corpus  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from evqa import build, config  # noqa: E402
from evqa.dates import date_range  # noqa: E402
from evqa.engine import Engine, empty_range_warning, undated_warning  # noqa: E402
from evqa.serve.app import STATIC, create_app  # noqa: E402
from evqa.serve.holder import EngineHolder  # noqa: E402

QUESTION = "How fast did the Helios solar boat go?"


@pytest.fixture
def index(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    return root


def opener(root):
    return lambda check_stale: Engine.open(root, check_stale=check_stale)


@pytest.fixture
def client(index):
    return TestClient(create_app(EngineHolder(opener(index))), raise_server_exceptions=False)


def rebuild(tmp_path, fake_model, root, extra: dict[str, str]) -> None:
    corpus = write_corpus(tmp_path / "corpus", {**ARTICLES, **extra})
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)


def same_json(data) -> dict:
    return json.loads(json.dumps(data))


def assert_error(r, status: int, *fragments: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == status and body["error"]
    assert "Traceback" not in r.text
    for f in fragments:
        assert f in body["error"]
    return body


# --- the endpoints ---------------------------------------------------------------------


def test_ask_returns_answer_to_dict_and_its_warnings(client, index):
    r = client.post("/ask", json={"question": QUESTION})
    assert r.status_code == 200
    expected = Engine.open(index).ask(QUESTION).to_dict()
    assert r.json() == same_json({**expected, "warnings": []})


def test_ask_passes_k_and_mode(client, index):
    r = client.post("/ask", json={"question": QUESTION, "k": 1, "mode": "bm25"})
    assert r.status_code == 200
    expected = Engine.open(index).ask(QUESTION, k=1, mode="bm25").to_dict()
    assert r.json() == same_json({**expected, "warnings": []})
    assert len(r.json()["passages"]) == 1


def test_search_returns_the_libraries_passages(client, index):
    r = client.post("/search", json={"query": "wind farm turbines", "k": 2})
    assert r.status_code == 200
    hits = Engine.open(index).search("wind farm turbines", k=2)
    assert r.json() == {"passages": same_json([h.to_dict() for h in hits]), "warnings": []}
    r = client.post("/search", json={"query": "wind farm turbines", "explain": True})
    assert set(r.json()["passages"][0]["explain"]) == {"bm25", "dense"}


@pytest.mark.parametrize("question", ["???", " ?! ", "\U0001f50b\u26a1"])
def test_ask_refuses_a_question_with_no_words_as_the_cli_does(client, question):
    """/ask answered "???" 200 "not found" while `evqa ask "???"` is a usage error."""
    body = assert_error(client.post("/ask", json={"question": question}), 400)
    assert body["type"] == "InputError"
    assert body["error"].startswith("the question has no words, only punctuation or symbols")


def test_ask_answers_a_question_of_function_words_not_found_with_the_reason(client):
    r = client.post("/ask", json={"question": "what is it?"})
    assert r.status_code == 200
    assert r.json()["abstained"] is True
    assert r.json()["reason"].startswith("the question has only function words (what, is, it)")


@pytest.mark.parametrize("query", ["???", "what is the"])
def test_search_refuses_a_query_with_nothing_to_search_for_as_the_cli_does(client, query):
    body = assert_error(client.post("/search", json={"query": query}), 400, "search for")
    assert body["error"].startswith("the query has")


def test_article_gives_cleaned_text_title_date_and_sentences(client, index):
    article = Engine.open(index).articles["alpha"]
    r = client.get("/articles/alpha")
    assert r.status_code == 200
    body = r.json()
    assert body["text"] == article.text and body["title"] == article.title
    assert body["date"] == "2024-03-05"
    assert [body["text"][s:e] for s, e in body["sentences"]][0].startswith("The Helios")


UNTITLED = "tidal-power_9f86d081884c7d65"


def test_an_untitled_article_gets_the_label_its_passages_and_citations_show(
    client, tmp_path, index, fake_model
):
    text = "The tidal plant at La Rance produces 240 MW. It opened in 1966 on the Rance estuary."
    rebuild(tmp_path, fake_model, index, {UNTITLED: text})
    assert Engine.open(index).articles[UNTITLED].title is None  # no headline of its own
    body = client.get(f"/articles/{UNTITLED}").json()
    assert body["title"] == "tidal power" and body["title_derived"] is True
    hits = client.post("/search", json={"query": "tidal plant La Rance", "k": 10}).json()
    hit = next(p for p in hits["passages"] if p["doc_id"] == UNTITLED)
    assert (hit["title"], hit["title_derived"]) == (body["title"], body["title_derived"])
    alpha = client.get("/articles/alpha").json()
    assert alpha["title"] == "Solar Boats Reach Record Speed" and alpha["title_derived"] is False


def test_citations_quote_the_article_the_api_returns(client):
    answer = client.post("/ask", json={"question": QUESTION}).json()
    assert answer["citations"]
    for c in answer["citations"]:
        text = client.get(f"/articles/{c['doc_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]


@pytest.fixture
def dotted(tmp_path, fake_model):
    """A client of an index of articles whose ids are "..", "." and "a/b?c#d"."""
    corpus = tmp_path / "dotted.jsonl"
    ids = {"..": "Dune Larks", ".": "Herons", "a/b?c#d": "Gulls"}
    lines = [{"id": i, "title": t, "text": f"The survey counted 812 {t}."} for i, t in ids.items()]
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    root = tmp_path / "dotted-idx"
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    return TestClient(create_app(EngineHolder(opener(root))), raise_server_exceptions=False)


@pytest.mark.parametrize(
    "doc_id, title", [("..", "Dune Larks"), (".", "Herons"), ("a/b?c#d", "Gulls")]
)
def test_any_article_id_can_be_asked_for_in_the_query(dotted, doc_id, title):
    """What the page does: a browser resolves /articles/.. to / (and %2E%2E too)."""
    r = dotted.get("/articles", params={"id": doc_id})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["title"]) == (doc_id, title)
    assert dotted.get("/articles/%2E%2E").json()["id"] == ".."  # clients that keep the path


def test_the_article_query_without_an_id_says_so(client):
    error = assert_error(client.get("/articles"), 400, "id: Field required")["error"]
    assert "JSON" not in error  # no body to send
    assert_error(client.get("/articles", params={"id": "nope"}), 404, "no article 'nope'")
    assert_error(
        client.get("/articles", params={"id": ""}), 400, "id: String should have at least 1"
    )
    schema = client.get("/openapi.json").json()["paths"]["/articles"]["get"]
    assert [p["name"] for p in schema["parameters"]] == ["id"]


def test_health_names_the_generation_chunks_and_model(client, index):
    body = client.get("/health").json()
    engine = Engine.open(index)
    assert body["generation"] == (index / "CURRENT").read_text().strip()
    assert body["chunks"] == len(engine.data.chunks) and body["articles"] == 3
    assert body["model"] == "fake-bow"


class ReloadingEngine:
    """A stand-in engine that, the first time a request reads its manifest, runs
    ``on_read``: another request reloading the holder at that very moment."""

    def __init__(self, generation: str, articles: int) -> None:
        self.root, self.articles = "idx", dict.fromkeys(range(articles))
        self._manifest = {"generation": generation, "corpus": {"chunks": articles}}
        self.on_read = None

    @property
    def manifest(self) -> dict:
        hook, self.on_read = self.on_read, None
        if hook:
            hook()
        return self._manifest


def test_health_names_the_generation_of_the_engine_it_describes(monkeypatch):
    """A reload finishing while /health reads its engine must not pair the new
    generation's name with the old generation's counts."""
    live = ["gen-old"]
    engines = {"gen-old": ReloadingEngine("gen-old", 3), "gen-new": ReloadingEngine("gen-new", 4)}
    monkeypatch.setattr(EngineHolder, "_live_generation", staticmethod(lambda engine: live[0]))
    holder = EngineHolder(lambda check_stale: engines[live[0]])

    def rebuilt() -> None:
        live[0] = "gen-new"
        assert holder.get() is engines["gen-new"]

    engines["gen-old"].on_read = rebuilt
    body = TestClient(create_app(holder)).get("/health").json()
    assert (body["generation"], body["articles"]) == ("gen-old", 3)
    assert holder.generation == "gen-new"  # the next request sees the new one


def test_openapi_schema_and_offline_docs(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/ask", "/search", "/articles/{doc_id}", "/health"} <= set(paths)
    assert {"400", "413", "503"} <= set(paths["/ask"]["post"]["responses"])
    assert "404" in paths["/articles/{doc_id}"]["get"]["responses"]
    assert "securitySchemes" not in schema["components"]  # no token: nothing to authorize
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    js = docs.text.split('src="')[1].split('"')[0]
    assert client.get(js).status_code == 200  # Swagger UI is served from the package


def test_openapi_documents_400_errors_never_422(client):
    """Validation errors are answered 400 with the ErrorBody; FastAPI's own 422
    HTTPValidationError is never sent, so the schema must not promise it."""
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (path, method)
            error = responses["400"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorBody"}
            assert "401" not in responses  # no token: never 401
    assert {"HTTPValidationError", "ValidationError"}.isdisjoint(schema["components"]["schemas"])
    assert client.post("/ask", json={}).status_code == 400


def response_schema(schema: dict, path: str, method: str) -> dict:
    ref = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


def test_openapi_documents_each_routes_200_body_and_the_bodies_fit_it(client):
    from evqa.serve import schemas

    schema = client.get("/openapi.json").json()
    ask = response_schema(schema, "/ask", "post")
    assert {"answer", "confidence", "abstained", "best_guess", "citations"} <= set(
        ask["properties"]
    )
    assert "passages" in response_schema(schema, "/search", "post")["properties"]
    for path in ("/ask", "/search"):
        body = response_schema(schema, path, "post")
        assert body["properties"]["warnings"]["type"] == "array"
        assert body["properties"]["warnings"]["items"] == {"type": "string"}
        assert "warnings" in body["required"]
    assert "title_derived" in response_schema(schema, "/articles/{doc_id}", "get")["properties"]
    assert "generation" in response_schema(schema, "/health", "get")["properties"]
    # what the routes send validates against what the schema says
    schemas.AskResponse.model_validate(client.post("/ask", json={"question": QUESTION}).json())
    body = client.post("/search", json={"query": "wind", "explain": True}).json()
    schemas.SearchResponse.model_validate(body)
    schemas.ArticleResponse.model_validate(client.get("/articles/alpha").json())
    schemas.HealthResponse.model_validate(client.get("/health").json())


def test_openapi_names_the_bearer_token_when_the_server_has_one(index):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    schema = client.get("/openapi.json").json()  # the schema itself needs no token
    scheme = schema["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path in ("/ask", "/search", "/articles/{doc_id}", "/health"):
        operation = next(iter(schema["paths"][path].values()))
        assert operation["security"] == [{"bearer": []}], path
        assert "401" in operation["responses"]


# --- the page ----------------------------------------------------------------------------


def test_page_is_served_with_a_content_security_policy(client):
    r = client.get("/")
    assert r.status_code == 200 and 'id="question"' in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200


def test_the_pages_placeholder_assumes_no_articles(client):
    """The box said "e.g. energy density of Jinshi battery" whatever index was served: its
    hint is generic until /health gives the count (test_serve_browser.py checks that)."""
    page = client.get("/").text
    assert 'placeholder="Ask a question about the indexed articles"' in page
    for seeds_word in ("Jinshi", "battery", "sodium", "Nio", "Yiwei"):
        assert seeds_word not in page
    script = client.get("/static/app.js").text
    assert '$("question").placeholder = placeholder(h.articles);' in script  # a property


def test_the_page_stacks_its_columns_on_narrow_screens(client):
    """The layout itself is checked in a real browser (test_serve_browser.py)."""
    css = client.get("/static/style.css").text
    narrow = css.split("@media (max-width: 700px)")[1]
    assert "flex-direction: column" in narrow


@pytest.mark.parametrize(
    "path", ["/", "/health", "/articles/alpha", "/docs", "/openapi.json", "/static/app.js"]
)
def test_head_works_wherever_get_does(client, path):
    get, head = client.get(path), client.head(path)
    assert get.status_code == 200 and head.status_code == 200, head.text
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_stays_out_of_the_schema_and_404s_like_get(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/health"]) == {"get"} and set(paths["/articles/{doc_id}"]) == {"get"}
    assert client.head("/articles/nope").status_code == 404
    assert client.head("/ask").status_code == 405


def test_page_loads_nothing_from_the_internet_and_never_parses_html():
    files = {p.name: p.read_text() for p in STATIC.iterdir()}
    assert set(files) == {"index.html", "app.js", "style.css", "favicon.svg"}
    for name, text in files.items():
        if name == "favicon.svg":
            text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a fetch
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in files["app.js"], sink


# --- errors ----------------------------------------------------------------------------


def cli_error(*args: str) -> str:
    from evqa.cli import cli

    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 2
    return r.stderr.strip().removeprefix("error: ")


@pytest.mark.parametrize(
    "body, cli_args",
    [
        ({"question": "x" * (config.MAX_QUESTION_CHARS + 1)}, ["ask", "x" * 2001]),
        ({"question": QUESTION, "k": 0}, ["ask", QUESTION, "-k", "0"]),
        ({"question": QUESTION, "k": 5000}, ["ask", QUESTION, "-k", "5000"]),
    ],
)
def test_bad_input_is_400_with_the_clis_message(client, body, cli_args):
    """The API's message is the CLI's, naming the JSON field where the CLI names its flag."""
    body = assert_error(client.post("/ask", json=body), 400)
    assert body["error"] == cli_error(*cli_args).replace("-k ", "k ", 1)
    assert body["type"] == "InputError"


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/ask", {"question": "   "}, 'the question is empty; ask something, e.g. "When did'),
        ("/ask", {"question": "?!"}, 'symbols; ask something, e.g. "When did the plant open?"'),
        ("/search", {"query": ""}, 'the query is empty; search for something, e.g. "plant op'),
        ("/search", {"query": "???"}, 'symbols; search for something, e.g. "plant opening"'),
    ],
)
def test_an_empty_question_is_400_with_an_example_but_no_command_line(client, path, body, message):
    """The 400 body (shown by the page) told web users to run `evqa ask "..."`: the CLI
    adds its command line to the example, the library and the API do not."""
    error = assert_error(client.post(path, json=body), 400, message)["error"]
    assert "evqa" not in error and "--" not in error
    cli = cli_error("ask" if path == "/ask" else "search", *body.values())
    assert cli.replace(f"evqa {'ask' if path == '/ask' else 'search'} ", "", 1) == error


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"question": QUESTION, "mode": "fuzzy"}, "unknown mode 'fuzzy'"),
        ({}, "question: Field required"),
        ({"question": QUESTION, "since": ""}, "since is empty: give a date"),
        ({"question": QUESTION, "until": " "}, "until is empty: give a date"),
        ({"question": QUESTION, "since": " 2023"}, "since must be a date"),
        ({"question": QUESTION, "since": "2023\n"}, "since must be a date"),
        ({"question": QUESTION, "until": "\u0662\u0660\u0662\u0663"}, "until must be a date"),
        ({"question": 42}, "question: Input should be a valid string"),
        ({"question": QUESTION, "k": "many"}, "k: Input should be a valid integer"),
        ({"question": QUESTION, "k": "3"}, "k: Input should be a valid integer"),
        ({"question": QUESTION, "colour": "red"}, "colour: Extra inputs"),
        ({"question": QUESTION, "since": "2024-13-01"}, "since 2024-13-01 is not a date"),
        ({"question": QUESTION, "until": "yesterday"}, "until must be a date"),
        ([QUESTION], "valid dictionary"),
    ],
)
def test_malformed_requests_are_400(client, body, fragment):
    assert_error(client.post("/ask", json=body), 400, fragment)


def test_non_json_body_is_400(client):
    r = client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 400, "JSON")


@pytest.mark.parametrize("path, field", [("/ask", "question"), ("/search", "query")])
def test_an_empty_body_names_the_field_it_needs(client, path, field):
    r = client.post(path, content=b"", headers={"content-type": "application/json"})
    error = assert_error(r, 400, f"the body is empty, and {field} is required")
    assert error["type"] == "InputError"


def test_deeply_nested_json_is_an_input_error_that_says_so(client):
    body = b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    error = assert_error(r, 400, "nested too deeply", 'Send JSON such as {"question": "..."}')
    assert error["type"] == "InputError" and "error parsing" not in error["error"]


def test_malformed_json_says_where(client):
    body = b'{"question": x}'
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    error = assert_error(r, 400, "the body is not valid JSON (at character 13)")
    assert error["type"] == "InputError" and "decode error" not in error["error"]


def test_a_body_that_is_not_utf8_is_an_input_error(client):
    body = '{"question": "caf\u00e9"}'.encode("latin-1")
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    error = assert_error(r, 400, "the body must be JSON encoded as UTF-8")
    assert error["type"] == "InputError" and "error parsing" not in error["error"]


@pytest.mark.parametrize(
    "headers, sent",
    [
        (
            {"content-type": "application/x-www-form-urlencoded"},
            "as application/x-www-form-urlencoded",
        ),
        ({"content-type": "text/plain; charset=utf-8"}, "as text/plain,"),
        ({}, "without a Content-Type"),
    ],
)
def test_json_sent_as_another_content_type_is_told_to_send_application_json(client, headers, sent):
    """curl -d sends a form; the body is JSON all the same, and only the header is wrong."""
    r = client.post("/ask", content=json.dumps({"question": QUESTION}), headers=headers)
    error = assert_error(r, 400, f"the body was sent {sent}", "Content-Type: application/json")
    assert error["type"] == "InputError" and "valid dictionary" not in error["error"]
    assert '{"question": "..."}' in error["error"]


@pytest.mark.parametrize(
    "path, body, example, other",
    [
        ("/search", {"question": "x"}, '{"query": "..."}', '{"question"'),
        ("/search", b"{", '{"query": "..."}', '{"question"'),
        ("/ask", {"query": "x"}, '{"question": "..."}', '{"query"'),
    ],
)
def test_body_errors_show_the_routes_own_example(client, path, body, example, other):
    if isinstance(body, bytes):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
    else:
        r = client.post(path, json=body)
    error = assert_error(r, 400, f"Send JSON such as {example}")["error"]
    assert other not in error


def test_ask_passes_the_date_filters(client, index):
    r = client.post("/ask", json={"question": QUESTION, "since": "2023-01-01"})
    assert r.status_code == 200
    expected = Engine.open(index).ask(QUESTION, since="2023-01-01").to_dict()
    assert r.json() == same_json({**expected, "warnings": [undated_warning(2)]})
    assert r.json()["passages"] and {p["doc_id"] for p in r.json()["passages"]} == {"alpha"}


def test_search_passes_the_date_filters_as_ask_does(client, index):
    body = {"query": "wind farm turbines", "since": "2024-03", "until": "2024"}
    r = client.post("/search", json=body)
    assert r.status_code == 200
    hits = Engine.open(index).search("wind farm turbines", since="2024-03", until="2024")
    passages = same_json([h.to_dict() for h in hits])
    assert r.json() == {"passages": passages, "warnings": [undated_warning(2)]}
    assert {p["doc_id"] for p in r.json()["passages"]} == {"alpha"}  # the only dated one
    r = client.post("/search", json={"query": "wind", "until": "2023"})
    empty = empty_range_warning(date_range(None, "2023"), (20240305, 20240305))
    assert r.status_code == 200
    assert r.json() == {"passages": [], "warnings": [undated_warning(2), empty]}
    assert_error(
        client.post("/search", json={"query": "wind", "since": "2024-13"}),
        400,
        "since 2024-13 is not a date (there is no month 13)",
    )
    assert_error(
        client.post("/search", json={"query": "wind", "since": "2025", "until": "2024"}),
        400,
        "since 2025 is after until 2024",
    )


ONE_UNDATED = "1 undated article was left out by the since/until date filter (only dated "
ONE_UNDATED += "articles can match it)"


@pytest.fixture
def one_undated(tmp_path, fake_model):
    """A client of an index of two articles, alpha (dated 2024-03-05) and bravo (undated)."""
    corpus = write_corpus(tmp_path / "two", {k: ARTICLES[k] for k in ("alpha", "bravo")})
    root = tmp_path / "two-idx"
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    return TestClient(create_app(EngineHolder(opener(root))), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("path", "body"),
    [("/ask", {"question": QUESTION}), ("/search", {"query": "solar boat wind farm"})],
)
def test_a_date_filter_s_undated_articles_are_in_the_responses_warnings(one_undated, path, body):
    r = one_undated.post(path, json={**body, "since": "2020"})
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == [ONE_UNDATED]
    assert {p["doc_id"] for p in r.json()["passages"]} == {"alpha"}
    r = one_undated.post(path, json={**body, "until": "2019"})  # nothing kept: said why
    empty = empty_range_warning(date_range(None, "2019"), (20240305, 20240305))
    assert r.json()["warnings"] == [ONE_UNDATED, empty]
    r = one_undated.post(path, json=body)
    assert r.status_code == 200 and r.json()["warnings"] == []
    assert "bravo" in {p["doc_id"] for p in r.json()["passages"]}


def test_a_date_filter_over_dated_articles_only_warns_of_nothing(tmp_path, fake_model):
    corpus = write_corpus(tmp_path / "dated", {"alpha": ARTICLES["alpha"]})
    root = tmp_path / "dated-idx"
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    client = TestClient(create_app(EngineHolder(opener(root))))
    r = client.post("/search", json={"query": "solar boat", "since": "2020"})
    assert r.status_code == 200 and r.json()["warnings"] == [] and r.json()["passages"]


def test_a_question_not_looked_up_warns_of_nothing_it_did_not_search(one_undated):
    r = one_undated.post("/ask", json={"question": "what is it?", "since": "2020"})
    assert r.status_code == 200, r.text
    assert r.json()["reason"] is not None and r.json()["warnings"] == []


def test_concurrent_requests_each_get_their_own_warnings(one_undated):
    def request(i: int):
        body = {"query": "solar boat wind farm", **({"since": "2020"} if i % 2 else {})}
        return i, one_undated.post("/search", json=body)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(request, range(32)))
    for i, r in results:
        assert r.status_code == 200, r.text
        assert r.json()["warnings"] == ([ONE_UNDATED] if i % 2 else []), i


def test_unknown_article_and_route_are_404(client):
    assert_error(client.get("/articles/nope"), 404, "no article 'nope'")
    assert_error(client.get("/nowhere"), 404)


def test_a_wrong_method_is_405_with_allow(client):
    r = client.get("/ask")
    assert_error(r, 405)
    assert r.headers["allow"] == "POST"


def test_search_options_are_typed_strictly(client):
    r = client.post("/search", json={"query": "wind", "explain": 0})
    assert_error(r, 400, "explain: Input should be a valid boolean")


def test_a_10_mb_body_is_413_before_it_is_read(client):
    body = json.dumps({"question": "x" * 10_000_000}).encode()
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert_error(r, 413, "the limit is 65,536 bytes")


def test_a_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(200):
            yield b"x" * 1024

    r = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_error(r, 413)


def test_unexpected_errors_are_500_without_a_traceback(client, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(Engine, "ask", boom)
    body = assert_error(client.post("/ask", json={"question": QUESTION}), 500)
    assert "internal detail" not in json.dumps(body)


def test_a_broken_current_pointer_is_a_lasting_503_that_says_what_to_run(client, index):
    """Builds replace CURRENT atomically and only once its generation is in place: a
    pointer at a missing generation is no swap, and retrying will not mend it."""
    (index / "CURRENT").write_text("gen-gone\n")
    r = client.post("/ask", json={"question": QUESTION})
    error = assert_error(r, 503, "gone or unusable", "evqa index build --index")
    assert error["type"] == "IndexCorruptError" and "being swapped" not in error["error"]
    assert "retry-after" not in r.headers


def test_a_deleted_index_is_reported_by_health_until_it_is_rebuilt(
    client, tmp_path, index, fake_model
):
    import shutil

    shutil.rmtree(index)
    for r in (client.get("/health"), client.post("/ask", json={"question": QUESTION})):
        error = assert_error(r, 503, f"no index at {index}", "evqa index build")
        assert error["type"] == "IndexNotFoundError" and "retry" not in error["error"]
        assert "retry-after" not in r.headers
    rebuild(tmp_path, fake_model, index, {})
    assert client.get("/health").json()["status"] == "ok"  # picked up without a restart


def test_a_swap_in_progress_is_a_503_with_retry_after(client, index, monkeypatch):
    from evqa.serve.holder import IndexSwappingError

    def swapping(self):
        raise IndexSwappingError("the index at X is being swapped for a new generation")

    monkeypatch.setattr(EngineHolder, "current", swapping)  # get() asks it too
    r = client.get("/health")
    assert_error(r, 503, "being swapped")
    assert r.headers["retry-after"] == "1"


def test_requests_during_a_swap_get_503_then_the_new_generation(tmp_path, index, fake_model):
    entered, release = threading.Event(), threading.Event()
    calls = []

    def slow_opener(check_stale):
        calls.append(check_stale)
        if len(calls) > 1:  # the reload, not the first open
            entered.set()
            release.wait(10)
        return Engine.open(index, check_stale=check_stale)

    client = TestClient(create_app(EngineHolder(slow_opener)), raise_server_exceptions=False)
    assert_error(client.get("/articles/delta"), 404)
    rebuild(tmp_path, fake_model, index, {"delta": "Delta Ships\n\nThe Delta ferry is electric."})
    first: list = []
    t = threading.Thread(target=lambda: first.append(client.get("/articles/delta")))
    t.start()
    assert entered.wait(10)
    assert_error(client.get("/health"), 503, "being swapped")
    release.set()
    t.join(10)
    assert first[0].status_code == 200 and "Delta ferry" in first[0].json()["text"]
    assert client.get("/health").json()["articles"] == 4


def test_a_rebuild_is_picked_up_at_the_next_request(client, tmp_path, index, fake_model):
    before = client.get("/health").json()["generation"]
    rebuild(tmp_path, fake_model, index, {"delta": "Delta Ships\n\nThe Delta ferry is electric."})
    after = client.get("/health").json()
    assert after["generation"] != before and after["articles"] == 4
    assert client.get("/articles/delta").status_code == 200


def test_requests_racing_a_rebuild_see_one_whole_generation_or_a_503(
    client, tmp_path, index, fake_model
):
    old = client.get("/health").json()["generation"]
    seen: list[tuple[int, dict]] = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            r = client.get("/health")
            seen.append((r.status_code, r.json()))

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for t in threads:
        t.start()
    rebuild(tmp_path, fake_model, index, {"delta": "Delta Ships\n\nThe Delta ferry is electric."})
    new = (index / "CURRENT").read_text().strip()
    for _ in range(100):  # requests after the swap, until one is served by the new engine
        r = client.get("/health")
        seen.append((r.status_code, r.json()))
        if r.status_code == 200 and r.json()["generation"] == new:
            break
    stop.set()
    for t in threads:
        t.join(10)
    assert {status for status, _ in seen} <= {200, 503}
    pairs = {(b["generation"], b["articles"]) for status, b in seen if status == 200}
    assert pairs <= {(old, 3), (new, 4)} and (new, 4) in pairs


# --- the token ---------------------------------------------------------------------------


def test_a_token_is_required_on_the_api_but_not_for_the_page(index):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    assert_error(client.get("/health"), 401, "Authorization: Bearer")
    bad = client.post("/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer x"})
    assert_error(bad, 401)
    ok = client.get("/health", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert client.get("/").status_code == 200
    assert client.head("/health").status_code == 401
    assert client.head("/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic s3cret", "s3cret"])
def test_a_missing_token_says_the_server_requires_one(index, header):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    r = client.get("/health", headers={"Authorization": header} if header else {})
    assert_error(r, 401, "this server requires its token")
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer x", "bearer S3CRET", "Bearer  s3cret"])
def test_a_wrong_token_says_it_does_not_match(index, header):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    r = client.post("/ask", json={"question": QUESTION}, headers={"Authorization": header})
    body = assert_error(r, 401, "the token does not match")
    assert "requires its token" not in body["error"]
    assert r.headers["www-authenticate"] == "Bearer"


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "body, headers",
    [
        (b"{not json", JSON),
        ('{"question": "caf\u00e9"}'.encode("latin-1"), JSON),
        (b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}", JSON),
        (b"", JSON),
        (json.dumps({"question": QUESTION}).encode(), {"content-type": "text/plain"}),
    ],
)
def test_without_the_token_a_bad_body_is_401_before_it_is_read(index, body, headers):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    r = client.post("/ask", content=body, headers=headers)
    assert_error(r, 401, "Authorization: Bearer")
    assert r.headers["www-authenticate"] == "Bearer"
    authorized = client.post(
        "/ask", content=body, headers={**headers, "authorization": "Bearer s3cret"}
    )
    assert_error(authorized, 400)  # the body's own error, once the token is there


def test_the_article_query_needs_the_token_too(index):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    assert_error(client.get("/articles", params={"id": "alpha"}), 401)
    assert_error(client.get("/articles"), 401)  # before the missing id
    ok = client.get("/articles?id=alpha", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["id"] == "alpha"


@pytest.mark.parametrize(
    "header, status",
    [
        ("bearer s3cret", 200),
        ("BEARER s3cret", 200),
        ("Bearer S3CRET", 401),
        ("Basic s3cret", 401),
        ("Bearer  s3cret", 401),
        ("Bearer", 401),
        ("s3cret", 401),
    ],
)
def test_the_auth_scheme_is_case_insensitive_but_the_token_is_exact(index, header, status):
    client = TestClient(create_app(EngineHolder(opener(index)), token="s3cret"))
    assert client.get("/health", headers={"Authorization": header}).status_code == status


@pytest.mark.parametrize("token", ["", "   ", " s3cret", "s3cret\n", "caf\u00e9"])
def test_an_app_with_a_token_no_client_can_send_is_refused(index, token):
    from evqa.errors import InputError

    with pytest.raises(InputError, match="^token "):
        create_app(EngineHolder(opener(index)), token=token)
