"""The local backend behind the seam: date filters, and no pymilvus unless asked for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_helpers import build_index
from click.testing import CliRunner
from corpus_fakes import write_jsonl

from evqa.cli import cli
from evqa.engine import Engine
from evqa.errors import InputError

DATED = [
    {"id": "a2022", "date": "2022-05-01", "text": "Solar boats raced on the lake in 2022."},
    {"id": "a2023", "date": "2023-06-10", "text": "Solar boats raced again on the lake."},
    {"id": "a2024", "date": "2024", "text": "The solar boat race moved to the sea."},
    {"id": "undated", "text": "Solar boat enthusiasts met on the lake shore."},
]


def index_of(tmp_path, rows):
    """An index (no NER) of the JSONL articles ``rows``, built by the CLI."""
    corpus = write_jsonl(tmp_path / "news.jsonl", rows)
    index = tmp_path / "idx"
    r = build_index(CliRunner(), corpus, index, "--no-ner")
    assert r.exit_code == 0, r.output
    return index


@pytest.fixture
def dated_index(tmp_path, fake_model):
    return index_of(tmp_path, DATED)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
@pytest.mark.parametrize(
    "since, until, expected",
    [
        (None, None, {"a2022", "a2023", "a2024", "undated"}),
        ("2023", None, {"a2023", "a2024"}),
        (None, "2023-06-09", {"a2022"}),
        ("2023-01-01", "2023-12-31", {"a2023"}),
        ("2024-06", "2024-12", set()),  # "2024" counts as 2024-01-01
    ],
)
def test_date_filters_keep_only_articles_in_range(dated_index, mode, since, until, expected):
    engine = Engine.open(dated_index)
    hits = engine.search("solar boat lake", k=10, mode=mode, since=since, until=until)
    assert {h.doc_id for h in hits} == expected


def test_a_filter_still_returns_k_hits_when_the_best_are_filtered_out(dated_index):
    engine = Engine.open(dated_index)
    unfiltered = engine.search("solar boat lake", k=1, mode="dense")
    best = unfiltered[0].doc_id
    other = {"a2022": ("2023", None), "a2023": (None, "2022")}.get(best, ("2022", "2023"))
    hits = engine.search("solar boat lake", k=1, mode="dense", since=other[0], until=other[1])
    assert len(hits) == 1 and hits[0].doc_id != best


def test_ask_passes_the_dates_on(dated_index):
    engine = Engine.open(dated_index)
    answer = engine.ask("Where did solar boats race?", since="2024", until="2024")
    assert {p.doc_id for p in answer.passages} <= {"a2024"}
    with pytest.raises(InputError):
        engine.ask("Where did solar boats race?", since="2024-13")


def test_cli_since_until(dated_index):
    runner = CliRunner()
    r = runner.invoke(
        cli,
        ["search", "solar boat", "--index", str(dated_index), "--since", "2023", "--json"],
    )
    assert r.exit_code == 0, r.output
    assert {h["doc_id"] for h in json.loads(r.stdout)["passages"]} == {"a2023", "a2024"}
    r = runner.invoke(cli, ["ask", "solar boat", "--index", str(dated_index), "--until", "x"])
    assert r.exit_code == 2 and "YYYY" in r.output


def test_local_manifest_records_the_backend(dated_index):
    from evqa import store
    from evqa.backends import backend_type

    gen = store.open_generation(dated_index)
    assert gen.manifest["backend"] == {"type": "local"}
    assert backend_type({}) == "local"  # indexes built before the seam


def test_a_local_index_never_imports_pymilvus(dated_index):
    code = (
        "import sys, evqa\n"
        "from evqa.engine import Engine\n"
        f"e = Engine.open({str(dated_index)!r})\n"
        "hits = e.search('solar boat', k=2, mode='bm25', since='2023')\n"
        "assert hits, 'no hits'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pymilvus', 'milvus_lite')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_an_ask_reads_only_its_top_k_chunks_and_their_articles(tmp_path, fake_model, monkeypatch):
    from test_docstore import record_queries

    rows = [
        {"id": f"d{i}", "text": f"Boat {i} sails the lake. It weighs {i} tons."} for i in range(40)
    ]
    index = index_of(tmp_path, rows)
    seen = record_queries(monkeypatch)
    engine = Engine.open(index)
    engine.ask("How much does boat 7 weigh?", k=3)
    chunk_reads = [q for q in seen if "FROM chunks" in q]
    article_reads = [q for q in seen if q.startswith("SELECT id, text") and "WHERE id" in q]
    assert len(chunk_reads) == 3  # one primary-key read per hit, no scan
    assert 1 <= len(article_reads) <= 3
    assert all("WHERE" in q for q in seen if "meta" not in q)


# battery tops BM25 and solar dense among the 2023 articles; unfiltered, x (2021) stretches
# the dense scale so that battery ranks above solar. Scaled over the 2023 articles alone,
# solar would take dense's whole 0.7 and rank first (0.7 against 0.3).
FILTER_KEEPS_ORDER = [
    {"id": "x", "date": "2021-01-01", "text": "Battery energy density solar."},
    {"id": "u", "date": "2021-01-01", "text": "Wind prices in the city market."},
    {
        "id": "battery",
        "date": "2023-01-01",
        "text": "The battery energy density of the new cell is a record, the maker said on "
        "Monday in Hefei.",
    },
    {"id": "solar", "date": "2023-02-01", "text": "Solar farms."},
]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_a_date_filter_drops_hits_without_rescoring_or_reordering_the_rest(
    tmp_path, fake_model, mode
):
    engine = Engine.open(index_of(tmp_path, FILTER_KEEPS_ORDER))
    query = "battery energy density solar"
    everything = engine.search(query, k=10, mode=mode)
    kept = engine.search(query, k=10, mode=mode, since="2023")
    assert [h.doc_id for h in kept] == [h.doc_id for h in everything if h.date >= "2023"]
    if mode == "hybrid":
        assert [h.doc_id for h in kept] == ["battery", "solar"]
    unfiltered = {h.chunk.id: h for h in everything}
    for h in kept:
        assert h.score == pytest.approx(unfiltered[h.chunk.id].score, abs=1e-6)
        for name, part in h.explain.items():
            assert part.share == pytest.approx(unfiltered[h.chunk.id].explain[name].share, abs=1e-6)


# More recent articles on the query than the pool holds (POOL = 100 chunks), then older ones
# ranked below all of them by both retrievers: filtered to the old ones, every kept article is
# outside the unfiltered candidates. Listed worst first, so a tie broken by chunk id would
# read them backwards.
def outside_the_pool() -> list[dict[str, str]]:
    recent = [
        {
            "id": f"n{i:03d}",
            "date": "2024-05-01",
            "text": f"Battery factory output rose, plant {i}.",
        }
        for i in range(110)
    ]
    old = [
        {"id": "o_none", "date": "2019-03-01", "text": "Harbour cranes and ferries at the coast."},
        {"id": "o_one", "date": "2019-03-01", "text": "Battery recycling, cranes and ferries."},
        {"id": "o_two", "date": "2019-03-01", "text": "Battery factory, cranes and ferries."},
    ]
    return old + recent


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("dense", ["o_two", "o_one", "o_none"]),
        ("hybrid", ["o_two", "o_one", "o_none"]),
        ("bm25", ["o_two", "o_one"]),
    ],
)
def test_a_filter_keeping_only_articles_outside_the_unfiltered_pool_ranks_by_relevance(
    tmp_path, fake_model, mode, expected
):
    engine = Engine.open(index_of(tmp_path, outside_the_pool()))
    query = "battery factory output"
    top = engine.search(query, k=100, mode=mode)
    assert all(h.doc_id.startswith("n") for h in top)
    kept = engine.search(query, k=10, mode=mode, until="2019")
    assert [h.doc_id for h in kept] == expected
    scores = [h.score for h in kept]
    assert scores == sorted(set(scores), reverse=True)  # no ties


def test_undated_articles_are_counted_from_the_dates_without_reading_the_texts(
    dated_index, monkeypatch
):
    from test_docstore import record_queries

    from evqa import docstore

    built: list[str] = []
    article = docstore._article
    monkeypatch.setattr(docstore, "_article", lambda row: built.append(row[0]) or article(row))
    seen = record_queries(monkeypatch)
    engine = Engine.open(dated_index)
    hits = engine.search("solar boat lake", k=1, mode="bm25", since="2023")
    assert len(hits) == 1 and built == [hits[0].doc_id]  # the hit's article, no other
    assert engine.undated_articles() == 1
    assert "SELECT date FROM articles ORDER BY row" in seen
    assert not any("text" in q and "WHERE" not in q for q in seen)  # no scan of the texts


def test_article_dates_are_read_once_per_open_index(dated_index, monkeypatch):
    from test_docstore import record_queries

    from evqa.dates import date_range

    engine = Engine.open(dated_index)
    seen = record_queries(monkeypatch)
    for since in ("2020", "2021", "2022"):
        engine.backend.count_dated(date_range(since))
    engine.backend.count_undated()
    engine.backend.date_bounds()
    assert sum("SELECT date FROM articles" in q for q in seen) == 1
