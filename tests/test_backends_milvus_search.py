"""Search on Milvus (evqa.backends.milvus.search): the local index's results and date filters."""

from __future__ import annotations

import json

import numpy as np
import pytest
from milvus_helpers import DATED, build, run

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]

QUERIES = ["solar boat battery", "wind farm turbines Brittany", "hydrogen trains tank"]


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_same_top_hits_as_the_local_index(mbuilt, lbuilt, mode):
    remote, local = Engine.open(mbuilt), Engine.open(lbuilt)
    for q in QUERIES:
        m, loc = remote.search(q, k=3, mode=mode), local.search(q, k=3, mode=mode)
        assert [h.chunk.id for h in m][:1] == [h.chunk.id for h in loc][:1], q
        for h in m:
            assert h.chunk.text == remote.articles[h.doc_id].text[h.chunk.start : h.chunk.end]
            assert set(h.explain) == ({"bm25", "dense"} if mode == "hybrid" else {mode})
            if h.score > 0:  # the lowest of a min-max list scores 0 and has no shares
                assert abs(sum(p.share for p in h.explain.values()) - 1.0) < 1e-6
            assert all(p.score is None or p.score >= 0 for p in h.explain.values())


def test_bm25_finds_words_without_accents_and_inside_chinese_runs(
    lite_ok, tmp_path, fake_model, runner
):
    corpus = tmp_path / "news.jsonl"
    rows = [
        *DATED,
        {"id": "cafe", "title": "Café Zoë", "text": "The Café Zoë in Nîmes opens."},
        {"id": "zh", "text": "北京大学的研究人员发现了一种新的电池材料。"},
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert build(runner, corpus, tmp_path / "m", "--backend", "milvus").exit_code == 0
    engine = Engine.open(tmp_path / "m")
    for query in ("cafe zoe nimes", "Café Zoë"):
        assert engine.search(query, k=1, mode="bm25")[0].doc_id == "cafe", query
    assert milvus.bm25_text("Café Zoë") == "cafe zoe"  # what a row holds
    for query in ("北京大学", "电池材料"):
        assert [h.doc_id for h in engine.search(query, k=5, mode="bm25")] == ["zh"], query


def test_dense_scores_equal_the_local_cosines(mbuilt, lbuilt):
    m = Engine.open(mbuilt).search("solar boat", k=3, mode="dense")
    loc = Engine.open(lbuilt).search("solar boat", k=3, mode="dense")
    got = {h.chunk.id: h.explain["dense"].score for h in m}
    want = {h.chunk.id: h.explain["dense"].score for h in loc}
    assert got.keys() == want.keys()
    assert all(abs(got[c] - want[c]) < 1e-4 for c in got)


def test_hybrid_fills_each_retrievers_missing_scores(mbuilt):
    hits = Engine.open(mbuilt).search("Helios", k=10, mode="hybrid")
    # "Helios" is in one article only: BM25 returns only its chunks, dense returns all,
    # and every dense-only candidate still gets its exact (zero) BM25 score
    assert any(h.explain["bm25"].rank is None for h in hits)
    assert all(h.explain["bm25"].score is not None for h in hits)
    assert all(h.explain["dense"].score is not None for h in hits)


def test_exact_fill_scores_a_candidate_the_other_retriever_did_not_return(mbuilt, lbuilt):
    from evqa import bm25
    from evqa.tokenize import tokenize

    backend = Engine.open(mbuilt).backend
    cid = "alpha#0"
    ids = {cid: 0}
    qvec = np.ones(64, dtype=np.float32) / 8.0
    exact = backend._exact(
        {"bm25": [], "dense": [(0, 0.3)]}, ids, milvus.bm25_text("Helios solar boat"), None
    )
    assert exact["bm25"][0] > 0  # alpha#0 holds "Helios": scored although BM25 missed it
    exact = backend._exact({"bm25": [(0, 1.0)], "dense": []}, ids, "", qvec)
    vec = backend.client.get(backend.collection, ids=[cid], output_fields=["dense"])[0]["dense"]
    assert abs(exact["dense"][0] - float(np.asarray(vec) @ qvec)) < 1e-5
    given = backend._exact({"bm25": [(0, 1.0)], "dense": []}, ids, "", qvec, {cid: vec})
    assert given["dense"] == exact["dense"]  # vectors returned with the BM25 search
    local = Engine.open(lbuilt).data
    row = next(i for i, c in enumerate(local.chunks) if c.id == cid)
    assert bm25.score(local.bm25, tokenize("Helios solar boat"))[row] > 0  # same on local


def test_ask_and_eval_work_unchanged(mbuilt, lbuilt, tmp_path, runner):
    q = "How fast did the Helios solar boat go?"
    m, loc = Engine.open(mbuilt).ask(q), Engine.open(lbuilt).ask(q)
    assert m.answer == loc.answer and m.answer is not None
    c = m.citations[0]
    assert Engine.open(mbuilt).articles[c.doc_id].text[c.start : c.end] == c.quote
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "q1", "question": q, "answers": ["42 km/h"]}) + "\n")
    r = run(runner, "eval", "--gold", gold, "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["hybrid"]["hit@1"] == 1.0


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_date_filters_match_the_local_backend(lite_ok, tmp_path, fake_model, runner, mode):
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in DATED), encoding="utf-8")
    local, remote = tmp_path / "l", tmp_path / "m"
    assert build(runner, corpus, local).exit_code == 0
    assert build(runner, corpus, remote, "--backend", "milvus").exit_code == 0
    el, em = Engine.open(local), Engine.open(remote)
    for since, until in [("2023", None), (None, "2023-06-09"), ("2023", "2023"), ("2025", None)]:
        want = {h.doc_id for h in el.search("solar boat", 10, mode, since=since, until=until)}
        got = {h.doc_id for h in em.search("solar boat", 10, mode, since=since, until=until)}
        assert got == want, (since, until)
    r = run(runner, "ask", "solar boat", "--index", remote, "--since", "2024", "--json")
    assert {p["doc_id"] for p in json.loads(r.stdout)["passages"]} <= {"a2024"}


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_a_date_filter_keeps_the_order_and_scores_as_the_local_backend(
    lite_ok, tmp_path, fake_model, runner, mode
):
    from test_backends_local import FILTER_KEEPS_ORDER

    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in FILTER_KEEPS_ORDER), encoding="utf-8")
    local, remote = tmp_path / "l", tmp_path / "m"
    assert build(runner, corpus, local).exit_code == 0
    assert build(runner, corpus, remote, "--backend", "milvus").exit_code == 0
    query = "battery energy density solar"
    for engine in (Engine.open(local), Engine.open(remote)):
        everything = engine.search(query, 10, mode)
        kept = engine.search(query, 10, mode, since="2023")
        assert [h.doc_id for h in kept] == [h.doc_id for h in everything if h.date >= "2023"]
        scores = {h.chunk.id: h.score for h in everything}
        assert all(abs(h.score - scores[h.chunk.id]) < 1e-4 for h in kept)
        if mode == "hybrid":
            assert [h.doc_id for h in kept] == ["battery", "solar"]


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_a_filter_keeping_only_articles_outside_the_unfiltered_pool_ranks_as_locally(
    lite_ok, tmp_path, fake_model, runner, mode
):
    from test_backends_local import outside_the_pool

    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in outside_the_pool()), encoding="utf-8")
    remote = tmp_path / "m"
    assert build(runner, corpus, remote, "--backend", "milvus").exit_code == 0
    kept = Engine.open(remote).search("battery factory output", 10, mode, until="2019")
    assert [h.doc_id for h in kept] == ["o_two", "o_one", "o_none"]
    assert kept[0].score > kept[1].score > kept[2].score
