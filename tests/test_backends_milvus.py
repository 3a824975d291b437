"""The Milvus backend against milvus-lite in a temporary folder (skipped, with the reason,
where milvus-lite is not installed or cannot start, e.g. without a loopback interface),
and against a real cluster only when EVQA_MILVUS_TEST_URI is set."""

from __future__ import annotations

import hashlib
import json
import os
import uuid

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ARTICLES, write_corpus

from evqa import store
from evqa.cli import cli
from evqa.engine import Engine

pymilvus = pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

DATED = [
    {"id": "a2022", "date": "2022-05-01", "text": "Solar boats raced on the lake in 2022."},
    {"id": "a2023", "date": "2023-06-10", "text": "Solar boats raced again on the lake."},
    {"id": "a2024", "date": "2024", "text": "The solar boat race moved to the sea."},
    {"id": "undated", "text": "Solar boat enthusiasts met on the lake shore."},
]


@pytest.fixture(scope="session")
def lite_ok(tmp_path_factory):
    """milvus-lite starts here (it needs 127.0.0.1), or every test of it is skipped."""
    path = tmp_path_factory.mktemp("lite") / "probe.db"
    try:
        client = pymilvus.MilvusClient(str(path))
        client.list_collections()
    except Exception as e:  # noqa: BLE001 - any failure to start is a reason to skip
        pytest.skip(f"milvus-lite cannot start here: {e}")
    return True


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def build(runner, corpus, index, *extra):
    return run(runner, "index", "build", "--corpus", corpus, "--index", index, "--no-ner", *extra)


@pytest.fixture
def mbuilt(lite_ok, tmp_path, corpus, fake_model, runner):
    index = tmp_path / "midx"
    r = build(runner, corpus, index, "--backend", "milvus", "--json")
    assert r.exit_code == 0, r.output
    return index


@pytest.fixture
def lbuilt(tmp_path, corpus, fake_model, runner):
    index = tmp_path / "lidx"
    r = build(runner, corpus, index)
    assert r.exit_code == 0, r.output
    return index


def assert_clean_error(result, code, *fragments):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "error:" in result.output
    for f in fragments:
        assert f in result.output, result.output


# --- building and the manifest ---------------------------------------------------------


def test_build_records_the_backend_and_counts(mbuilt):
    gen = store.open_generation(mbuilt)
    entry = gen.manifest["backend"]
    assert len(entry.pop("index_id")) == 32  # which index owns the collection
    assert entry == {
        "type": "milvus",
        "uri": "milvus.db",  # inside the index folder: recorded relative to it
        "collection": "evqa_midx",
        "complete": True,
    }
    assert gen.manifest["corpus"]["articles"] == 3
    assert gen.manifest["corpus"]["chunks"] >= 3
    assert (mbuilt / "milvus.db").exists()


def test_a_rebuild_embeds_nothing_and_a_changed_article_only_its_chunks(mbuilt, corpus, runner):
    r = build(runner, corpus, mbuilt, "--json")  # the manifest says milvus: no flag needed
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["embedded"] == 0 and report["reused"] == report["chunks"]
    (corpus / "bravo.txt").write_text("Wind Farm\n\nA new text about tidal kites.", "utf-8")
    report = json.loads(build(runner, corpus, mbuilt, "--json").stdout)
    assert 1 <= report["embedded"] < report["chunks"]
    hits = json.loads(run(runner, "search", "tidal kites", "--index", mbuilt, "--json").stdout)
    assert hits[0]["doc_id"] == "bravo" and "tidal kites" in hits[0]["text"]


def test_another_encoder_re_embeds_and_is_recorded(mbuilt, corpus, runner):
    from evqa import store

    first = store.open_generation(mbuilt).manifest
    other = "torch" if first["model"]["encoder"] != "torch" else "onnx"
    report = json.loads(build(runner, corpus, mbuilt, "--encoder", other, "--json").stdout)
    assert report["embedded"] == report["chunks"] and report["reused"] == 0
    manifest = store.open_generation(mbuilt).manifest
    assert manifest["model"]["encoder"] == other and manifest["settings"]["encoder"] == other
    again = json.loads(build(runner, corpus, mbuilt, "--json").stdout)
    assert again["embedded"] == 0


def test_torch_vector_keys_are_those_written_before_the_encoder_was_recorded():
    from evqa.backends.milvus import embed_key

    old = hashlib.sha256(f"{'a' * 64}\0some text".encode()).hexdigest()[:32]
    assert embed_key("a" * 64, "some text") == embed_key("a" * 64, "some text", "torch") == old
    assert embed_key("a" * 64, "some text", "onnx-int8") != old


def test_an_article_gone_from_the_corpus_is_removed(mbuilt, corpus, runner):
    (corpus / "charlie.txt").unlink()
    report = json.loads(build(runner, corpus, mbuilt, "--json").stdout)
    assert report["articles"] == 2
    hits = json.loads(
        run(runner, "search", "hydrogen trains", "--index", mbuilt, "-k", "20", "--json").stdout
    )
    assert "charlie" not in {h["doc_id"] for h in hits}


# --- the same results as the local index --------------------------------------------------


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


def test_lazy_article_mappings(mbuilt):
    engine = Engine.open(mbuilt)
    assert engine.articles["alpha"].title == "Solar Boats Reach Record Speed"
    assert "nope" not in engine.articles and engine.articles.get("nope") is None
    assert len(engine.articles) == 3 and sorted(engine.articles) == sorted(ARTICLES)
    sents = engine.data.sentences["alpha"]
    text = engine.articles["alpha"].text
    assert any("42 km/h" in text[s:e] for s, e in sents)
    assert any(s.text == "42 km/h" for s in engine.data.spans["alpha"])
    with pytest.raises(KeyError):
        engine.data.spans["nope"]


def test_a_long_article_is_stored_in_parts_and_read_back_whole(
    lite_ok, tmp_path, fake_model, runner
):
    sentence = "Tidal kites generate steady power near the Faroe Islands today. "
    long_text = "Tidal Kites\n\n" + sentence * 800  # ~52,000 characters: 4+ parts
    corpus = write_corpus(tmp_path / "c", {"long": long_text, **ARTICLES})
    index = tmp_path / "i"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0
    engine = Engine.open(index)
    article = engine.articles["long"]
    assert len(article.text) > 3 * milvus.PART_CHARS
    assert article.text.startswith("Tidal kites generate") or "Tidal kites" in article.text
    hit = engine.search("Faroe tidal kites", k=1, mode="bm25")[0]
    assert hit.doc_id == "long" and hit.chunk.text == article.text[hit.chunk.start : hit.chunk.end]


# --- date filters ----------------------------------------------------------------------


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


# --- add and remove ----------------------------------------------------------------------


def test_add_and_remove(mbuilt, tmp_path, runner):
    extra = write_corpus(
        tmp_path / "extra",
        {"delta": "Tidal Power\n\nThe tidal plant at La Rance produces 240 MW since 1966."},
    )
    r = run(runner, "index", "add", extra, "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articles"] == 4
    hits = json.loads(
        run(runner, "search", "tidal plant Rance", "--index", mbuilt, "--json").stdout
    )
    assert hits[0]["doc_id"] == "delta"
    r = run(runner, "index", "remove", "delta", "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articles"] == 3
    hits = json.loads(run(runner, "search", "tidal Rance", "--index", mbuilt, "--json").stdout)
    assert "delta" not in {h["doc_id"] for h in hits}
    assert_clean_error(run(runner, "index", "remove", "nope", "--index", mbuilt), 2, "nope")
    assert_clean_error(
        run(runner, "index", "remove", "alpha", "bravo", "charlie", "--index", mbuilt),
        2,
        "empty index",
    )


def test_an_interrupted_add_says_to_rerun_the_add(mbuilt, tmp_path, runner, monkeypatch):
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})

    def dying_write(self, articles, progress=None):
        raise KeyboardInterrupt

    real_write = milvus.Writer.write
    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    assert run(runner, "index", "add", extra, "--index", mbuilt).exit_code == 130
    r = run(runner, "ask", "tidal power", "--index", mbuilt)
    assert_clean_error(r, 3, "did not finish", "evqa index add")
    monkeypatch.setattr(milvus.Writer, "write", real_write)
    r = run(runner, "index", "add", extra, "--index", mbuilt, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["articles"] == 4, r.output
    assert run(runner, "ask", "tidal power", "--index", mbuilt).exit_code == 0


def test_a_lite_file_open_in_another_process_is_a_clear_error(mbuilt, tmp_path):
    import subprocess
    import sys

    Engine.open(mbuilt).search("solar", mode="bm25")  # this process holds the lite file now
    r = subprocess.run(
        [sys.executable, "-m", "evqa", "search", "solar", "--mode", "bm25", "--index", mbuilt],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVQA_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert r.returncode == 3, r.stderr
    assert "one process at a time" in r.stderr and "Traceback" not in r.stderr


def test_status_and_verify(mbuilt, runner):
    r = run(runner, "index", "status", "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    st = json.loads(r.stdout)
    assert st["backend"]["type"] == "milvus" and st["articles"] == 3 and not st["stale"]
    assert st["article_ids"] == sorted(ARTICLES)
    r = run(runner, "index", "verify", "--index", mbuilt, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"], r.output
    assert "holds the 3 articles" in run(runner, "index", "verify", "--index", mbuilt).output
    backend = Engine.open(mbuilt).backend
    backend.client.delete(backend.collection, ids=["alpha#0"])  # a chunk lost on the server
    backend.client.flush(backend.collection)
    r = run(runner, "index", "verify", "--index", mbuilt)
    assert_clean_error(r, 3, "chunks; the build recorded")


# --- interrupted builds and faults --------------------------------------------------------


def test_an_interrupted_build_is_refused_then_resumed(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    index = tmp_path / "i"
    real_write = milvus.Writer.write
    calls = []

    def dying_write(self, articles, progress=None):
        calls.append(len(articles))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(self, articles, progress)

    monkeypatch.setattr(milvus, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    r = build(runner, corpus, index, "--backend", "milvus")
    assert r.exit_code == 130
    assert store.open_generation(index).manifest["backend"]["complete"] is False

    r = run(runner, "ask", "solar boat speed", "--index", index)
    assert_clean_error(r, 3, "did not finish", "evqa index build", "--backend milvus")
    r = run(runner, "index", "status", "--index", index)
    assert "INCOMPLETE" in r.output

    monkeypatch.setattr(milvus.Writer, "write", real_write)
    r = build(runner, corpus, index, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["reused"] >= 1 and report["embedded"] < report["chunks"]  # batch 1 kept
    assert store.open_generation(index).manifest["backend"]["complete"] is True
    assert run(runner, "ask", "solar boat speed", "--index", index).exit_code == 0


def test_the_build_streams_the_corpus_batch_by_batch(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    from evqa import corpus as corpus_module

    read, seen_at_write = [], []
    real_read, real_write = corpus_module._read_file, milvus.Writer.write

    def counting_read(item, report, **kw):
        read.append(item.rel)
        return real_read(item, report, **kw)

    def recording_write(self, articles, progress=None):
        seen_at_write.append(len(read))
        return real_write(self, articles, progress)

    monkeypatch.setattr(corpus_module, "_read_file", counting_read)
    monkeypatch.setattr(milvus, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", recording_write)
    assert build(runner, corpus, tmp_path / "i", "--backend", "milvus").exit_code == 0
    assert seen_at_write == [1, 2, 3]  # each batch written before the next file is read


def test_a_server_failing_mid_build_leaves_it_marked_incomplete(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    def boom(self, *a, **kw):
        raise pymilvus.MilvusException(code=2, message="server closed the connection")

    monkeypatch.setattr(pymilvus.MilvusClient, "upsert", boom)
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus")
    assert_clean_error(r, 3, "server closed the connection", "marked incomplete", "evqa index")
    assert store.open_generation(tmp_path / "i").manifest["backend"]["complete"] is False


def test_unreachable_server(tmp_path, corpus, fake_model, runner):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", "http://127.0.0.1:1")
    assert_clean_error(r, 3, "cannot use Milvus at http://127.0.0.1:1")
    assert not (tmp_path / "i" / "CURRENT").exists()  # nothing looks built


def test_credentials_never_in_the_uri_manifest_or_output(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", "http://u:p@h:1")
    assert_clean_error(r, 2, "EVQA_MILVUS_TOKEN")
    monkeypatch.setenv("EVQA_MILVUS_TOKEN", "s3cret-token-value")
    r = build(runner, corpus, tmp_path / "j", "--backend", "milvus", "--json")
    assert r.exit_code == 0, r.output
    assert "s3cret" not in r.output
    manifest = (store.current_generation(tmp_path / "j") / "manifest.json").read_text()
    assert "s3cret" not in manifest


def test_auth_failures_are_classified_and_the_token_masked(monkeypatch):
    monkeypatch.setenv("EVQA_MILVUS_TOKEN", "root:hunter2")
    e = pymilvus.MilvusException(code=1800, message="auth check failure for root:hunter2")
    err = milvus.classify(e, "http://h:19530")
    assert err.exit_code == 2 and "hunter2" not in str(err) and "EVQA_MILVUS_TOKEN" in str(err)
    err = milvus.classify(pymilvus.MilvusException(code=2, message="timeout"), "http://h:1")
    assert err.exit_code == 3 and "http://h:1" in str(err)


def test_a_collection_of_another_dimension_is_refused(
    lite_ok, tmp_path, corpus, fake_model, runner
):
    uri = tmp_path / "other.db"
    client = pymilvus.MilvusClient(str(uri))
    milvus.ensure_collections(client, "news", 32)  # the fake model gives 64-d
    r = build(
        runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", uri, "--collection", "news"
    )
    assert_clean_error(r, 3, "32-d", "64-d", "another --collection")
    assert not (tmp_path / "i" / "CURRENT").exists()


def test_a_collection_of_another_schema_is_refused(lite_ok, tmp_path, corpus, fake_model, runner):
    uri = tmp_path / "other.db"
    client = pymilvus.MilvusClient(str(uri))
    client.create_collection("news", dimension=64)  # Milvus' quick-start schema (id, vector)
    r = build(
        runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", uri, "--collection", "news"
    )
    assert_clean_error(r, 3, "another schema")


def test_bad_collection_names_and_backend_flags(tmp_path, corpus, fake_model, runner):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--collection", "9 bad")
    assert_clean_error(r, 2, "collection")
    r = build(runner, corpus, tmp_path / "i", "--uri", "x.db")
    assert_clean_error(r, 2, "--backend milvus")


def test_env_chooses_the_backend(lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch):
    monkeypatch.setenv("EVQA_BACKEND", "milvus")
    monkeypatch.setenv("EVQA_MILVUS_URI", str(tmp_path / "env.db"))
    assert build(runner, corpus, tmp_path / "i").exit_code == 0
    entry = store.open_generation(tmp_path / "i").manifest["backend"]
    assert entry["type"] == "milvus" and entry["uri"] == str(tmp_path / "env.db")


def test_a_missing_lite_file_says_what_to_run(mbuilt, runner):
    import shutil

    shutil.rmtree(mbuilt / "milvus.db")
    assert_clean_error(run(runner, "ask", "solar", "--index", mbuilt), 3, "evqa index build")


# --- fixes: dates, ownership, hints, faults ------------------------------------------------


def _command(output: str, after: str) -> list[str]:
    """The evqa command a message suggests (after ``after``), as CLI arguments."""
    import shlex

    line = next(x for x in output.splitlines() if after in x)
    args = shlex.split(line.split(after, 1)[1])
    assert args[0] == "evqa", line
    return args[1:]


def test_a_new_date_alone_reaches_the_chunk_rows(lite_ok, tmp_path, fake_model, runner):
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in DATED), encoding="utf-8")
    index = tmp_path / "m"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0

    def since(year):
        hits = Engine.open(index).search("solar boat", 10, "bm25", since=year)
        return {h.doc_id for h in hits}

    assert "a2022" not in since("2025")
    redated = [{**r, "date": "2025-03-01"} if r["id"] == "a2022" else r for r in DATED]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in redated), encoding="utf-8")
    report = json.loads(build(runner, corpus, index, "--json").stdout)  # a full build
    assert report["embedded"] == 0  # the vectors are reused
    assert "a2022" in since("2025")
    update = tmp_path / "update.jsonl"  # index add: the same article, one more new date
    update.write_text(json.dumps({**DATED[1], "date": "2026-01-01"}) + "\n", encoding="utf-8")
    r = run(runner, "index", "add", update, "--index", index, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["embedded"] == 0, r.output
    assert "a2023" in since("2026") and "a2023" not in Engine.open(index).search(
        "solar boat", 10, "bm25", until="2025"
    )


def test_a_collection_owned_by_another_index_is_refused(
    lite_ok, tmp_path, fake_model, runner, monkeypatch
):
    import shutil

    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(DATED[0]) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"id": "wind", "text": "Wind farms grew."}) + "\n", encoding="utf-8")
    shared = ("--backend", "milvus", "--uri", "share.db", "--collection", "shared")
    assert build(runner, a, "sa.idx", *shared).exit_code == 0
    r = build(runner, b, "sb.idx", *shared)
    assert_clean_error(r, 2, "belongs to the evqa index", str(tmp_path / "sa.idx"), "--collection")
    assert not (tmp_path / "sb.idx" / "CURRENT").exists()
    assert set(Engine.open("sa.idx").articles) == {"a2022"}  # untouched
    suggested = r.output.split("--collection ")[1].split(",")[0]
    assert build(runner, b, "sb.idx", *shared[:-1], suggested).exit_code == 0  # it works
    # the same index rebuilds; a moved folder is the same index; so is a rebuilt folder
    assert build(runner, a, "sa.idx").exit_code == 0
    shutil.move(tmp_path / "sa.idx", tmp_path / "moved.idx")
    assert build(runner, a, "moved.idx").exit_code == 0
    shutil.rmtree(tmp_path / "moved.idx")
    assert build(runner, a, "moved.idx", *shared).exit_code == 0
    # index add into a collection another index took over: refused, and verify says so
    client = Engine.open("sb.idx").backend.client
    other = {"id": "0" * 32, "index": str(tmp_path / "elsewhere.idx"), "host": "h"}
    client.alter_collection_properties(suggested, {milvus.OWNER_PROPERTY: json.dumps(other)})
    del client
    r = run(runner, "index", "add", a, "--index", "sb.idx")
    assert_clean_error(r, 2, "belongs to the evqa index", "elsewhere.idx")
    assert_clean_error(run(runner, "index", "verify", "--index", "sb.idx"), 3, "elsewhere.idx")


def test_the_finish_hint_works_from_any_folder(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    real_write = milvus.Writer.write

    def dying_write(self, articles, progress=None):
        if dying_write.calls:
            raise KeyboardInterrupt
        dying_write.calls += 1
        return real_write(self, articles, progress)

    dying_write.calls = 0
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    monkeypatch.setattr(milvus, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", dying_write)
    assert build(runner, corpus, "i", "--backend", "milvus").exit_code == 130
    monkeypatch.setattr(milvus.Writer, "write", real_write)
    monkeypatch.chdir(tmp_path / "there")
    r = run(runner, "ask", "solar boat", "--index", tmp_path / "here" / "i")
    assert_clean_error(r, 3, "did not finish", str(tmp_path / "here" / "i" / "milvus.db"))
    r = run(runner, *_command(r.output, "finish it with: "), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["reused"] >= 1, r.output
    assert not (tmp_path / "there" / "milvus.db").exists()  # nothing orphaned


def test_a_missing_lite_file_or_collection_hint_rebuilds_that_index(
    mbuilt, runner, monkeypatch, tmp_path
):
    import shutil

    from milvus_lite.server_manager import server_manager_instance

    monkeypatch.chdir(tmp_path)
    # as in a new process: this one's milvus-lite server would outlive the deleted file
    server_manager_instance.release_server(str(mbuilt / "milvus.db"))
    shutil.rmtree(mbuilt / "milvus.db")
    r = run(runner, "ask", "solar", "--index", mbuilt)
    assert_clean_error(r, 3, "does not exist", f"--index {mbuilt}", "--corpus")
    assert run(runner, *_command(r.output, "rebuild the index with: ")).exit_code == 0
    r = run(runner, "ask", "solar", "--index", mbuilt)
    assert r.exit_code == 0, r.output
    client = Engine.open(mbuilt).backend.client
    for c in ("evqa_midx", "evqa_midx_articles"):
        client.drop_collection(c)
    del client
    r = run(runner, "ask", "solar", "--index", mbuilt)
    assert_clean_error(r, 3, "is missing", f"--index {mbuilt}")
    assert "Choose another" not in r.output and "drop" not in r.output
    assert run(runner, *_command(r.output, "rebuild the index with: ")).exit_code == 0
    assert run(runner, "ask", "solar", "--index", mbuilt).exit_code == 0


def test_add_and_remove_never_create_a_missing_lite_file(mbuilt, tmp_path, runner):
    import shutil

    from milvus_lite.server_manager import server_manager_instance

    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    server_manager_instance.release_server(str(mbuilt / "milvus.db"))  # as a new process
    shutil.rmtree(mbuilt / "milvus.db")
    assert_clean_error(run(runner, "index", "add", extra, "--index", mbuilt), 3, "does not exist")
    r = run(runner, "index", "remove", "alpha", "--index", mbuilt)
    assert_clean_error(r, 3, "does not exist")
    assert not (mbuilt / "milvus.db").exists()


def test_status_reports_what_verify_finds(mbuilt, runner):
    backend = Engine.open(mbuilt).backend
    backend.client.delete(backend.collection, ids=["alpha#0"])
    backend.client.flush(backend.collection)
    del backend
    r = run(runner, "index", "status", "--index", mbuilt, "--json")
    assert r.exit_code == 3, r.output
    assert any("the build recorded" in p for p in json.loads(r.stdout)["problems"])
    r = run(runner, "index", "status", "--index", mbuilt)
    assert_clean_error(r, 3, "problem ", "the build recorded", "rebuild it with: evqa index build")
    assert run(runner, *_command(r.output, "rebuild it with: ")).exit_code == 0
    assert run(runner, "index", "status", "--index", mbuilt).exit_code == 0


@pytest.mark.parametrize(
    "flags",
    [
        ("--uri", "http://127.0.0.1:notaport"),
        ("--uri", "http://[::1"),
        ("--uri", "ftp://127.0.0.1:19530"),
        ("--uri", "news.sqlite"),
        ("--uri", ""),
        ("--collection", ""),
    ],
)
def test_bad_uris_and_names_are_input_errors(tmp_path, corpus, fake_model, runner, flags):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", *flags)
    assert_clean_error(r, 2, "Milvus URI" if flags[0] == "--uri" else "--collection")
    assert not (tmp_path / "i").exists()


def test_a_bad_timeout_is_an_input_error(mbuilt, runner, monkeypatch):
    monkeypatch.setenv("EVQA_MILVUS_TIMEOUT", "abc")
    assert_clean_error(run(runner, "ask", "solar", "--index", mbuilt), 2, "EVQA_MILVUS_TIMEOUT")


def test_a_lite_file_that_cannot_be_created_is_not_writable(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    (tmp_path / "afile").write_text("x")
    r = build(
        runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", tmp_path / "afile/x.db"
    )
    assert_clean_error(r, 6, "is a file, not a folder")

    def read_only(*a, **kw):
        raise OSError(30, "Read-only file system", str(tmp_path / "ro"))

    monkeypatch.setattr("tempfile.TemporaryFile", read_only)
    r = build(runner, corpus, tmp_path / "j", "--backend", "milvus", "--uri", tmp_path / "ro/x.db")
    assert_clean_error(r, 6, "Read-only file system", "writable folder")


# --- a real cluster, only when asked for ------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("EVQA_MILVUS_TEST_URI"), reason="set EVQA_MILVUS_TEST_URI to a Milvus server"
)
def test_a_real_cluster(tmp_path, corpus, fake_model, runner):
    uri = os.environ["EVQA_MILVUS_TEST_URI"]
    name = f"evqa_test_{uuid.uuid4().hex[:8]}"
    index = tmp_path / "i"
    r = build(runner, corpus, index, "--backend", "milvus", "--uri", uri, "--collection", name)
    try:
        assert r.exit_code == 0, r.output
        hits = Engine.open(index).search("solar boat battery", k=3, mode="hybrid")
        assert hits[0].doc_id == "alpha"
    finally:
        client = milvus.connect(uri)
        for c in (name, name + milvus.ARTICLES_SUFFIX):
            if client.has_collection(c):
                client.drop_collection(c)


@pytest.mark.parametrize(
    "uri", ["http://m:19530", "https://m:443", "grpc://m:19530", "tcp://m:19530", "x/n.db"]
)
def test_uris_pymilvus_takes_are_accepted(uri):
    assert milvus.check_uri(uri) == uri


def test_adding_two_files_with_one_id_is_refused_before_anything_is_written(
    mbuilt, tmp_path, runner
):
    files = [
        write_corpus(tmp_path / "x" / d, {"story": f"Story {d}\n\nFerries in {d}."}) / "story.txt"
        for d in ("a", "b")
    ]
    before = json.loads(run(runner, "index", "status", "--index", mbuilt, "--json").stdout)
    r = run(runner, "index", "add", *files, "--index", mbuilt)
    assert_clean_error(r, 2, "article id 'story'", "--skip-bad")
    after = json.loads(run(runner, "index", "status", "--index", mbuilt, "--json").stdout)
    assert after["article_ids"] == before["article_ids"], after
    assert after["problems"] == [], after["problems"]
    r = run(runner, "index", "add", *files, "--index", mbuilt, "--skip-bad")
    assert r.exit_code == 0, r.output
    engine = Engine.open(mbuilt)
    assert "Ferries in a" in engine.articles["story"].text  # the first one is kept
