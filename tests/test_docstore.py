"""docs.sqlite: articles, sentences, spans and chunks written once, read by id on demand."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from evqa import docstore
from evqa.errors import IndexCorruptError
from evqa.types import Article, Chunk, Span

A = Article("a", "Sold 24,877 cars. Then [more].", title="Cars", date="2024-05", source="a.txt")
B = Article("b", "Bravo text here.", url="http://x/b")
SENTENCES = {"a": [(0, 17), (18, 30)], "b": [(0, 16)]}
SPANS = {"a": [Span(5, 11, "CARDINAL", "24,877")], "b": []}
CHUNKS = [Chunk("a#0", "a", 0, 17, A.text[:17]), Chunk("a#1", "a", 18, 30, A.text[18:30])]
CHUNKS.append(Chunk("b#0", "b", 0, 16, B.text))


def record_queries(monkeypatch) -> list[str]:
    """Every SQL statement a DocStore runs from now on."""
    seen: list[str] = []
    real = docstore.DocStore.rows
    monkeypatch.setattr(
        docstore.DocStore, "rows", lambda s, sql, a=(): seen.append(sql) or real(s, sql, a)
    )
    return seen


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "gen" / docstore.DOCS
    p.parent.mkdir()
    docstore.write(p, [A, B], {"a": "ha", "b": "hb"}, SENTENCES, SPANS, CHUNKS, ["e0", "e1", "e2"])
    return p


def test_round_trip_gives_back_every_article_chunk_sentence_and_span(path):
    articles, cols = docstore.open_store(path)
    assert list(articles) == ["a", "b"] and len(articles) == 2
    assert articles["a"] == A and articles["b"] == B and articles.values() == [A, B]
    assert list(docstore.Chunks(articles)) == CHUNKS
    assert cols["sentences"]["a"] == SENTENCES["a"]
    assert cols["spans"]["a"] == SPANS["a"] and cols["spans"]["b"] == []
    assert dict(cols["article_hashes"]) == {"a": "ha", "b": "hb"}
    assert list(docstore.ChunkHashes(articles.store)) == ["e0", "e1", "e2"]


def test_chunks_by_position_and_slices(path):
    chunks = docstore.Chunks(docstore.open_store(path)[0])
    assert len(chunks) == 3 and chunks[1] == CHUNKS[1] and chunks[-1] == CHUNKS[2]
    assert chunks[0:2] == CHUNKS[:2]
    assert chunks.article_dates() == ["2024-05", "2024-05", None]
    with pytest.raises(IndexError):
        chunks[3]


def test_unknown_ids_are_key_errors_not_hits(path):
    articles, cols = docstore.open_store(path)
    assert "zzz" not in articles and "zzz" not in cols["spans"] and 7 not in articles
    with pytest.raises(KeyError):
        articles["zzz"]


def test_an_article_is_read_once_then_served_from_memory(path, monkeypatch):
    articles, _ = docstore.open_store(path)
    queries = record_queries(monkeypatch)
    assert articles["a"] is articles["a"]
    assert len(queries) == 1


def test_the_dates_come_from_one_query_of_the_date_column(path, monkeypatch):
    articles, _ = docstore.open_store(path)
    queries = record_queries(monkeypatch)
    assert articles.dates() == ["2024-05", None]
    assert queries == ["SELECT date FROM articles ORDER BY row"]


def test_opening_reads_only_the_meta_table(path, monkeypatch):
    seen = record_queries(monkeypatch)
    articles, _ = docstore.open_store(path)
    assert seen == ["SELECT key, value FROM meta"] and len(articles) == 2


def test_the_store_is_opened_read_only_and_leaves_no_side_files(path):
    articles, _ = docstore.open_store(path)
    with pytest.raises(IndexCorruptError):
        articles.store.rows("DELETE FROM articles")
    assert sorted(p.name for p in path.parent.iterdir()) == [docstore.DOCS]


def test_threads_share_one_store(path):
    articles, cols = docstore.open_store(path)
    errors = []

    def work():
        try:
            for _ in range(200):
                assert cols["spans"]["a"] == SPANS["a"]
                assert docstore.Chunks(articles)[2] == CHUNKS[2]
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def run_sql(path, sql: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.unlink(),
        lambda p: p.write_bytes(b"not a database" * 100),
        lambda p: run_sql(p, "DELETE FROM meta"),
        lambda p: run_sql(p, "UPDATE meta SET value = '9' WHERE key = 'schema'"),
    ],
)
def test_a_damaged_store_is_a_corrupt_index_with_the_fix(path, damage):
    damage(path)
    with pytest.raises(IndexCorruptError, match="evqa index build"):
        docstore.open_store(path)


def test_malformed_stored_spans_are_a_corrupt_index_not_a_traceback(path):
    with sqlite3.connect(path) as db:
        db.execute("UPDATE articles SET spans = '[[1, 2]]' WHERE id = 'a'")
    _, cols = docstore.open_store(path)
    with pytest.raises(IndexCorruptError, match="malformed spans"):
        cols["spans"]["a"]


def test_corpus_text_is_stored_verbatim(path):
    articles, _ = docstore.open_store(path)
    assert "[more]" in articles["a"].text and articles["a"].text == A.text
