"""The Writer (evqa.backends.milvus.writer): batches, and rows rewritten for new fields alone."""

from __future__ import annotations

import json

import pytest
from milvus_helpers import DATED, build, run

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_the_build_streams_the_corpus_batch_by_batch(
    lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch
):
    from evqa.corpus import read as corpus_read

    read, seen_at_write = [], []
    real_read, real_write = corpus_read.read_source_file, milvus.Writer.write

    def counting_read(item, report, **kw):
        read.append(item.rel)
        return real_read(item, report, **kw)

    def recording_write(self, articles, progress=None):
        seen_at_write.append(len(read))
        return real_write(self, articles, progress)

    monkeypatch.setattr(corpus_read, "read_source_file", counting_read)
    monkeypatch.setattr(milvus.writer, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(milvus.Writer, "write", recording_write)
    assert build(runner, corpus, tmp_path / "i", "--backend", "milvus").exit_code == 0
    # a first pass checks all 3 files (evqa.corpus.check_corpus); then each batch is
    # written before the next file is read again
    assert seen_at_write == [4, 5, 6]


def test_each_article_is_split_into_sentences_once(
    lite_ok, tmp_path, fake_model, runner, monkeypatch
):
    from evqa import chunking

    split, real = [], chunking.split_sentences
    monkeypatch.setattr(chunking, "split_sentences", lambda t: split.append(t) or real(t))
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in DATED), encoding="utf-8")
    index = tmp_path / "m"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0
    texts = [a.text for a in Engine.open(index).articles.values()]
    assert sorted(split) == sorted(texts)  # for its chunks and its article rows alike
    doc = Engine.open(index).backend.doc(DATED[0]["id"])
    assert doc.sentences == [tuple(s) for s in real(doc.article.text)]


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


def test_a_new_source_alone_reaches_the_article_rows_without_analysing_again(
    lite_ok, tmp_path, fake_model, runner, monkeypatch
):
    from evqa import analysis

    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in DATED), encoding="utf-8")
    index = tmp_path / "m"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0
    assert Engine.open(index).articles["a2022"].source == "news.jsonl:1"
    spans = Engine.open(index).backend.doc("a2022").spans
    analysed = []
    real = analysis.analyze
    monkeypatch.setattr(
        analysis, "analyze", lambda texts, **kw: analysed.extend(texts) or real(texts, **kw)
    )
    corpus.write_text("".join(json.dumps(r) + "\n" for r in DATED[::-1]), encoding="utf-8")
    report = json.loads(build(runner, corpus, index, "--json").stdout)
    assert report["embedded"] == 0 and report["replaced"] == [] and analysed == []
    engine = Engine.open(index)
    assert engine.articles["a2022"].source == "news.jsonl:4"  # the line it moved to
    assert engine.articles["undated"].source == "news.jsonl:1"
    assert engine.backend.doc("a2022").spans == spans  # kept as they were stored


def test_an_article_row_keyed_before_sources_were_is_rewritten_once(
    lite_ok, tmp_path, fake_model, runner
):
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in DATED), encoding="utf-8")
    index = tmp_path / "m"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0
    backend = Engine.open(index).backend
    client, articles = backend.client, backend.collection + milvus.ARTICLES_SUFFIX
    row = client.query(articles, filter='doc_id == "a2022" and part == 0', output_fields=["*"])[0]
    client.upsert(articles, [{**row, "hash": row["hash"].split(":")[0]}])  # the older key
    report = json.loads(build(runner, corpus, index, "--json").stdout)
    assert report["replaced"] == []
    row = client.query(articles, filter='doc_id == "a2022" and part == 0', output_fields=["hash"])
    assert ":" in row[0]["hash"]


def test_a_rebuild_rewrites_bm25_words_of_an_older_tokenizer_without_embedding(
    lite_ok, tmp_path, fake_model, runner
):
    from evqa.tokenize import tokenize

    corpus = tmp_path / "news.jsonl"
    rows = [*DATED, {"id": "cafe", "text": "The Café Zoë in Nîmes opens."}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    index = tmp_path / "m"
    assert build(runner, corpus, index, "--backend", "milvus").exit_code == 0
    backend = Engine.open(index).backend
    client, chunks = backend.client, backend.collection
    row = client.query(chunks, filter='doc_id == "cafe"', output_fields=["*"])[0]
    row.pop("sparse", None)  # the server's BM25 function makes it
    written = {**row, "bm25_text": " ".join(tokenize(row["text"]))}  # as before 2026-12-06
    client.upsert(chunks, [written])
    assert Engine.open(index).search("cafe zoe", k=5, mode="bm25") == []
    report = json.loads(build(runner, corpus, index, "--json").stdout)
    assert report["embedded"] == 0
    assert [h.doc_id for h in Engine.open(index).search("cafe zoe", k=5, mode="bm25")] == ["cafe"]


def test_before_write_is_called_once_before_the_first_change(mbuilt, corpus, fake_model):
    from dataclasses import replace

    from evqa import store
    from evqa.backends.milvus.manifest import recorded_settings
    from evqa.corpus import read_corpus

    manifest = store.open_generation(mbuilt).manifest
    client = milvus.connect(str(mbuilt / "milvus.db"))
    seen = []
    writer = milvus.Writer(
        client,
        manifest["backend"]["collection"],
        fake_model,
        recorded_settings(manifest),
        encoder=manifest["model"]["encoder"],
        before_write=lambda: seen.append(writer.changed),
    )
    articles = read_corpus(corpus).articles
    counts = writer.write(articles)  # held as they are: nothing to change
    assert (seen, writer.changed, counts.embedded) == ([], False, 0)
    writer.drop([])
    assert (seen, writer.changed) == ([], False)
    first = replace(articles[0], text=articles[0].text + " A new sentence.")
    writer.write([first])
    assert (seen, writer.changed) == ([False], True)  # once, before the change
    writer.write([replace(first, text=first.text + " Another one.")])
    writer.drop([articles[1].id])
    assert seen == [False]
