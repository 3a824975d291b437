"""One generation's contents: the save/load round trip and what loading reads."""

from __future__ import annotations

import errno
import os
import sqlite3

import numpy as np
import pytest
from conftest import small_settings
from test_docstore import record_queries

from evqa import bm25, docstore, indexdata, store
from evqa.errors import IndexCorruptError, IndexWriteError
from evqa.types import Article, Chunk, Span

ARTS = {
    "a": Article("a", "Alpha one. Alpha two.", title="A", date="2021-02-03"),
    "b": Article("b", "Bravo only.", date=None),
}
CHUNKS = [
    Chunk("a#0", "a", 0, 10, "Alpha one."),
    Chunk("a#1", "a", 11, 21, "Alpha two."),
    Chunk("b#0", "b", 0, 11, "Bravo only."),
]


def make_data(dim: int = 8) -> indexdata.IndexData:
    emb = np.random.default_rng(0).normal(size=(3, dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return indexdata.IndexData(
        articles=ARTS,
        article_hashes={"a": "ha", "b": "hb"},
        sentences={"a": [(0, 10), (11, 21)], "b": [(0, 11)]},
        spans={"a": [Span(6, 9, "CARDINAL", "one")], "b": []},
        chunks=CHUNKS,
        embeddings=emb,
        embedded=["h0", "h1", "h2"],
        bm25=bm25.build([c.text.lower().split() for c in CHUNKS], 1.2, 0.75),
    )


@pytest.fixture
def gen(tmp_path):
    data = make_data()
    tmp = store.new_tmp_generation(tmp_path)
    indexdata.save(data, tmp, exact_max=small_settings().exact_search_max)
    store.commit(tmp_path, tmp, {"model": {"name": "m", "path": None, "sha256": "m", "dim": 3}})
    return store.open_generation(tmp_path), data


def test_save_then_load_gives_back_the_same_contents(gen):
    g, data = gen
    loaded = indexdata.load(g)
    assert dict(loaded.articles) == ARTS and list(loaded.chunks) == CHUNKS
    assert loaded.spans["a"] == data.spans["a"] and loaded.sentences["b"] == [(0, 11)]
    assert dict(loaded.article_hashes) == data.article_hashes
    assert list(loaded.embedded) == ["h0", "h1", "h2"]
    assert loaded.bm25.n_docs == 3 and loaded.dense.ntotal == 3


def test_embeddings_are_stored_half_precision_and_searched_as_stored(gen):
    g, data = gen
    loaded = indexdata.load(g)
    assert loaded.embeddings.dtype == np.float16
    assert np.abs(np.asarray(loaded.embeddings, np.float32) - data.embeddings).max() < 1e-3
    # faiss holds exactly the stored values, so a rebuild reusing them gives the same index
    vecs = loaded.dense.reconstruct_n(0, 3)
    assert np.array_equal(vecs, indexdata.stored(data.embeddings))


def test_loading_reads_no_article_rows(gen, monkeypatch):
    seen = record_queries(monkeypatch)
    loaded = indexdata.load(gen[0])
    assert seen == ["SELECT key, value FROM meta"]
    assert loaded.chunks[2].text == "Bravo only." and len(seen) == 3  # the chunk, then its article


def test_chunk_dates_in_chunk_order_for_loaded_and_built_data(gen):
    g, data = gen
    want = ["2021-02-03", "2021-02-03", None]
    assert indexdata.chunk_dates(indexdata.load(g)) == want
    assert indexdata.chunk_dates(data) == want


def test_a_store_that_disagrees_with_the_bm25_arrays_is_corrupt(tmp_path, gen):
    g, data = gen
    short = indexdata.IndexData(**{**data.__dict__, "bm25": bm25.build([["x"]], 1.2, 0.75)})
    tmp = store.new_tmp_generation(tmp_path)
    indexdata.save(short, tmp, exact_max=100)
    store.commit(tmp_path, tmp, {"model": {"name": "m", "path": None, "sha256": "m", "dim": 3}})
    with pytest.raises(IndexCorruptError, match="BM25|bm25"):
        indexdata.load(store.open_generation(tmp_path))


def _raise(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize(
    ("module", "name", "error", "message"),
    [
        (
            docstore,
            "write",
            OSError(errno.EROFS, os.strerror(errno.EROFS)),
            "cannot write docs.sqlite of the index {root} (Read-only file system); check the "
            "index folder is writable",
        ),
        (
            np,
            "save",
            OSError(errno.EDQUOT, os.strerror(errno.EDQUOT)),
            "disk quota exceeded writing embeddings.npy of the index {root}; free space",
        ),
        (  # numpy's short write names no errno
            bm25,
            "save",
            OSError("720 requested and 496 written"),
            "cannot write bm25 of the index {root} (720 requested and 496 written)",
        ),
        (
            docstore,
            "write",
            sqlite3.OperationalError("disk I/O error"),
            "cannot write docs.sqlite of the index {root} (disk I/O error)",
        ),
    ],
)
def test_a_file_that_cannot_be_written_is_an_index_write_error(
    tmp_path, monkeypatch, module, name, error, message
):
    folder = tmp_path / "idx" / ".tmp-gen"
    folder.mkdir(parents=True)
    monkeypatch.setattr(module, name, _raise(error))
    with pytest.raises(IndexWriteError) as caught:
        indexdata.save(make_data(), folder, exact_max=10)
    assert message.format(root=tmp_path / "idx") in str(caught.value)


def test_an_sqlite_error_of_another_kind_is_not_called_a_write_error(tmp_path, monkeypatch):
    def bad_sql(*args):
        sqlite3.connect(":memory:").execute("SELEC 1")  # a bug, not a full disk

    monkeypatch.setattr(docstore, "write", bad_sql)
    with pytest.raises(sqlite3.OperationalError, match="syntax error"):
        indexdata.save(make_data(), tmp_path, exact_max=10)


@pytest.mark.parametrize(
    ("name", "shown", "hidden"),
    [
        (indexdata.DENSE, "is damaged (faiss cannot read it)", "faiss::"),
        (indexdata.EMBEDDINGS, "is not a readable .npy array", "allow_pickle"),
    ],
)
def test_a_damaged_vector_file_names_the_rebuild_of_its_own_index(gen, name, shown, hidden):
    g, _ = gen
    path = g.file(name)
    path.write_bytes(b"\0" * path.stat().st_size)
    with pytest.raises(IndexCorruptError) as e:
        indexdata.load(g)
    assert shown in str(e.value) and hidden not in str(e.value)
    assert str(e.value).endswith(f"rebuild with: evqa index build --index {g.root}")
