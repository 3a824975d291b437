from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import rank_bm25

from evqa import bm25
from evqa.errors import IndexCorruptError


def _corpus(seed: int = 0, n_docs: int = 40) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    docs = []
    for _ in range(n_docs):
        words = rng.zipf(1.4, size=int(rng.integers(1, 30)))
        docs.append([f"w{int(x)}" for x in words if x < 60] or ["w1"])
    return docs


QUERIES = [["w1"], ["w2", "w3"], ["w3", "w3", "w7"], ["w40", "unknown"], ["w1", "w2", "w5", "w9"]]


def test_hand_worked_example():
    index = bm25.build([["a", "b"], ["a", "a", "c"], ["c"]], k1=1.2, b=0.75)
    # N=3, lengths 2, 3, 1 -> avgdl 2
    # "b" is in 1 doc: idf = ln(1 + (3-1+0.5)/(1+0.5)) = ln(8/3) = 0.980829
    #   d0: tf=1, dl=2: 1*2.2 / (1 + 1.2*(0.25 + 0.75*2/2)) = 2.2/2.2 = 1.0 -> 0.980829
    assert bm25.score(index, ["b"]) == pytest.approx([math.log(8 / 3), 0.0, 0.0])
    # "c" is in 2 docs: idf = ln(1 + 1.5/2.5) = ln(1.6) = 0.470004
    #   d1: tf=1, dl=3: 2.2 / (1 + 1.2*(0.25 + 0.75*1.5)) = 2.2/2.65 = 0.830189
    #   d2: tf=1, dl=1: 2.2 / (1 + 1.2*(0.25 + 0.75*0.5)) = 2.2/1.75 = 1.257143
    # "a" is in 2 docs: idf = ln(1.6); d1: tf=2: 4.4 / (2 + 1.65) = 1.205479
    idf = math.log(1.6)
    assert bm25.score(index, ["c"]) == pytest.approx([0.0, idf * 2.2 / 2.65, idf * 2.2 / 1.75])
    assert bm25.score(index, ["a", "c"])[1] == pytest.approx(idf * (4.4 / 3.65 + 2.2 / 2.65))


@pytest.mark.parametrize(("k1", "b"), [(1.5, 0.75), (1.2, 0.3), (0.9, 1.0), (2.0, 0.0)])
@pytest.mark.parametrize("seed", [0, 1])
def test_okapi_variant_equals_rank_bm25(k1, b, seed):
    corpus = _corpus(seed)
    reference = rank_bm25.BM25Okapi(corpus, k1=k1, b=b)
    index = bm25.build(corpus, k1=k1, b=b, variant="okapi")
    for q in QUERIES:
        np.testing.assert_allclose(bm25.score(index, q), reference.get_scores(q), rtol=1e-6)


class _LuceneIdfBM25(rank_bm25.BM25Okapi):
    """rank-bm25's scoring with Lucene's idf, as an independent reference."""

    def _calc_idf(self, nd):
        self.idf = {
            w: math.log(1 + (self.corpus_size - n + 0.5) / (n + 0.5)) for w, n in nd.items()
        }


@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (0.9, 0.4)])
def test_lucene_variant_equals_rank_bm25_scoring_with_lucene_idf(k1, b):
    corpus = _corpus(3)
    reference = _LuceneIdfBM25(corpus, k1=k1, b=b)
    index = bm25.build(corpus, k1=k1, b=b)
    for q in QUERIES:
        np.testing.assert_allclose(bm25.score(index, q), reference.get_scores(q), rtol=1e-6)


def test_term_in_most_documents_still_counts():
    docs = [["battery", "catl"], ["battery", "byd"], ["battery"], ["battery", "lfp"], ["solid"]]
    lucene = bm25.build(docs, k1=1.2, b=0.75)
    assert (bm25.score(lucene, ["battery"])[:4] > 0).all()
    assert bm25.score(lucene, ["battery"])[4] == 0.0


def test_term_in_exactly_half_the_documents():
    docs = [["x", "a"], ["x", "b"], ["c"], ["d"]]
    assert bm25.score(bm25.build(docs, 1.2, 0.75, "okapi"), ["x"])[0] == 0.0
    assert bm25.score(bm25.build(docs, 1.2, 0.75), ["x"])[0] > 0.0


def test_repeated_query_token_counts_twice():
    index = bm25.build(_corpus(), 1.2, 0.75)
    np.testing.assert_allclose(bm25.score(index, ["w2", "w2"]), 2 * bm25.score(index, ["w2"]))


def test_top_k_best_first_ties_to_lower_id_zero_excluded():
    docs = [["x"], ["y", "z"], ["x"], ["z"], ["x"]]
    index = bm25.build(docs, k1=1.2, b=0.75)
    top = bm25.top_k(index, ["x"], 2)
    assert [d for d, _ in top] == [0, 2]  # docs 0, 2, 4 tie
    assert [d for d, _ in bm25.top_k(index, ["x"], 10)] == [0, 2, 4]  # docs 1, 3 score 0
    assert bm25.top_k(index, ["nothing"], 5) == []
    assert bm25.top_k(index, ["x"], 0) == []


def test_top_k_matches_a_full_sort():
    index = bm25.build(_corpus(5, 200), 1.2, 0.75)
    scores = bm25.score(index, ["w1", "w4"])
    expected = sorted((i for i in range(200) if scores[i] > 0), key=lambda i: (-scores[i], i))
    assert [d for d, _ in bm25.top_k(index, ["w1", "w4"], 17)] == expected[:17]


def test_empty_documents_and_corpus():
    index = bm25.build([[], ["a"]], 1.2, 0.75)
    assert list(bm25.score(index, ["a"]) > 0) == [False, True]
    empty = bm25.build([], 1.2, 0.75)
    assert empty.n_docs == 0
    assert bm25.score(empty, ["a"]).shape == (0,)
    assert bm25.top_k(empty, ["a"], 3) == []


def test_unknown_variant():
    with pytest.raises(ValueError, match="lucene"):
        bm25.build([["a"]], 1.2, 0.75, variant="bm25+")


def test_build_is_deterministic():
    a, b = bm25.build(_corpus(), 1.2, 0.75), bm25.build(_corpus(), 1.2, 0.75)
    assert a.vocab == b.vocab
    for field in ("indptr", "docs", "weights", "doc_lengths"):
        assert np.array_equal(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_round_trip(tmp_path, mmap):
    index = bm25.build(_corpus(), k1=0.9, b=0.4)
    written = bm25.save(index, tmp_path)
    assert sorted(written) == sorted(p.name for p in tmp_path.iterdir())
    loaded = bm25.load(tmp_path, mmap=mmap)
    assert (loaded.k1, loaded.b, loaded.variant) == (0.9, 0.4, "lucene")
    assert loaded.vocab == index.vocab
    for q in QUERIES:
        assert np.array_equal(bm25.score(loaded, q), bm25.score(index, q))
        assert bm25.top_k(loaded, q, 5) == bm25.top_k(index, q, 5)


def test_saved_arrays_load_without_pickle(tmp_path):
    for name in bm25.save(bm25.build(_corpus(), 1.2, 0.75), tmp_path):
        if name.endswith(".npy"):
            assert np.load(tmp_path / name, allow_pickle=False).dtype != object


@pytest.fixture
def saved(tmp_path):
    bm25.save(bm25.build(_corpus(), 1.2, 0.75), tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", [bm25.PARAMS_FILE, bm25.VOCAB_FILE, *bm25.ARRAY_FILES.values()])
def test_missing_file(saved, name):
    (saved / name).unlink()
    with pytest.raises(IndexCorruptError, match=name):
        bm25.load(saved)


@pytest.mark.parametrize("name", [bm25.VOCAB_FILE, *bm25.ARRAY_FILES.values()])
def test_truncated_file(saved, name):
    data = (saved / name).read_bytes()
    (saved / name).write_bytes(data[: len(data) - 9])
    with pytest.raises(IndexCorruptError, match="rebuild"):
        bm25.load(saved)


def test_params_inconsistent_with_arrays(saved):
    params = json.loads((saved / bm25.PARAMS_FILE).read_text())
    params["nnz"] += 1
    (saved / bm25.PARAMS_FILE).write_text(json.dumps(params))
    with pytest.raises(IndexCorruptError, match="row pointers"):
        bm25.load(saved)


def test_wrong_dtype(saved):
    np.save(saved / bm25.ARRAY_FILES["weights"], np.load(saved / "bm25_weights.npy").astype("f8"))
    with pytest.raises(IndexCorruptError, match="dtype"):
        bm25.load(saved)


def test_posting_past_last_document(saved):
    docs = np.load(saved / bm25.ARRAY_FILES["docs"])
    docs[-1] = 10_000
    np.save(saved / bm25.ARRAY_FILES["docs"], docs)
    with pytest.raises(IndexCorruptError, match="last document"):
        bm25.load(saved)


def test_not_an_index(saved):
    (saved / bm25.PARAMS_FILE).write_text('{"format": "something else"}')
    with pytest.raises(IndexCorruptError):
        bm25.load(saved)


# ---------------------------------------------------------------- term counts


def _same_index(a: bm25.BM25Index, b: bm25.BM25Index) -> bool:
    arrays = ("indptr", "docs", "weights", "doc_lengths")
    return a.vocab == b.vocab and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in arrays)


def _same_counts(a: bm25.TermCounts, b: bm25.TermCounts) -> bool:
    arrays = ("rows", "docs", "tf", "lengths")
    return a.terms == b.terms and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in arrays)


@pytest.mark.parametrize("variant", bm25.VARIANTS)
@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (0.9, 1.0), (2.0, 0.0), (0.01, 1.0)])
def test_the_saved_weights_give_back_every_document_term_counts(tmp_path, variant, k1, b):
    corpus = [*_corpus(4, 79), [], ["w1"] * 40]  # an empty document, a long repeat; N odd:
    # no term is in exactly half the documents (okapi would weigh it 0, see below)
    bm25.save(bm25.build(corpus, k1, b, variant), tmp_path)
    counts = bm25.term_counts(bm25.load(tmp_path))
    assert counts is not None and _same_counts(counts, bm25.count(corpus))


def test_weights_that_do_not_tell_the_counts_give_none():
    assert bm25.term_counts(bm25.build(_corpus(), k1=0.0, b=0.75)) is None  # tf never counts
    half = [["x", "a"], ["x", "x", "b"], ["c"], ["d"]]  # okapi: "x" weighs 0 in every document
    assert bm25.term_counts(bm25.build(half, 1.2, 0.75, "okapi")) is None
    assert bm25.term_counts(bm25.build(half, 1.2, 0.75)) is not None


def test_a_count_is_read_back_only_when_no_other_count_gives_its_weight():
    idfs, norm = np.array([2.0, 0.7]), np.array([1.1, 0.8])
    tf = np.array([1, 7])
    stored = bm25._weights(idfs, tf, norm, 1.2).astype(np.float32)
    assert bm25._tells(stored, idfs, tf, norm, 1.2)
    assert not bm25._tells(stored, idfs, tf + 1, norm, 1.2)
    # k1 tiny: counts 7 and 8 weigh the same float32, so 7 is not told
    stored = bm25._weights(idfs, tf, norm * 1e-9, 1e-9).astype(np.float32)
    assert bm25._weights(idfs, tf + 1, norm * 1e-9, 1e-9).astype(np.float32)[1] == stored[1]
    assert not bm25._tells(stored, idfs, tf, norm * 1e-9, 1e-9)


def test_weights_changed_after_the_build_give_none(tmp_path):
    index = bm25.build(_corpus(), 1.2, 0.75)
    weights = np.array(index.weights)
    weights[3] = np.nextafter(weights[3], np.float32(10))  # one ulp: a count it cannot be
    assert bm25.term_counts(replace(index, weights=weights)) is None
    lengths = np.array(index.doc_lengths)
    lengths[0] += 1  # the norms move: the weights are not those of any counts
    assert bm25.term_counts(replace(index, doc_lengths=lengths)) is None
    doubled = replace(index, doc_lengths=index.doc_lengths * 2)  # the same norms and weights
    assert bm25.term_counts(doubled) is None  # but the counts add up to half the lengths


@pytest.mark.parametrize("variant", bm25.VARIANTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_combined_counts_give_the_index_a_full_build_gives(variant, seed):
    rng = np.random.default_rng(seed)
    old, new = _corpus(seed, 60), [*_corpus(seed + 10, 7), []]
    kept = rng.permutation(60)[:45]  # 15 documents dropped, the rest shuffled
    slots = rng.permutation(len(kept) + len(new))  # the new ones among them
    place_old = np.full(60, -1)
    place_old[kept] = slots[: len(kept)]
    corpus: list[list[str]] = [[] for _ in slots]
    for doc, slot in zip([*kept, *range(60, 60 + len(new))], slots, strict=True):
        corpus[slot] = (old + new)[doc]
    counts = bm25.term_counts(bm25.build(old, 1.2, 0.75, variant))
    parts = [(counts, place_old), (bm25.count(new), slots[len(kept) :])]
    combined = bm25.from_counts(bm25.combine(parts, len(corpus)), 1.2, 0.75, variant)
    full = bm25.build(corpus, 1.2, 0.75, variant)
    assert _same_index(combined, full)  # bit for bit, so every score is the same
    for q in QUERIES:
        assert np.array_equal(bm25.score(combined, q), bm25.score(full, q))


def test_combine_takes_each_document_from_one_place():
    a, b = bm25.count([["x"], ["y"]]), bm25.count([["z"]])
    assert bm25.combine([(a, np.array([1, -1])), (b, np.array([0]))], 2).terms == ["x", "z"]
    with pytest.raises(ValueError, match="one document of one part"):
        bm25.combine([(a, np.array([0, 1])), (b, np.array([1]))], 2)  # 1 twice
    with pytest.raises(ValueError, match="one document of one part"):
        bm25.combine([(a, np.array([0, -1])), (b, np.array([-1]))], 2)  # 1 from nowhere
    with pytest.raises(ValueError, match="one document of one part"):
        bm25.combine([(a, np.array([0, 2])), (b, np.array([1]))], 2)  # 2 past the end
    with pytest.raises(ValueError, match="one per document"):
        bm25.combine([(a, np.array([0])), (b, np.array([1]))], 2)


def test_the_tokenizer_label_is_saved_and_checked(tmp_path):
    bm25.save(bm25.build(_corpus(), 1.2, 0.75, tokenizer="words/3"), tmp_path)
    assert bm25.load(tmp_path).tokenizer == "words/3"
    params = json.loads((tmp_path / bm25.PARAMS_FILE).read_text())
    del params["tokenizer"]  # an index saved before the label
    (tmp_path / bm25.PARAMS_FILE).write_text(json.dumps(params))
    assert bm25.load(tmp_path).tokenizer == ""
    (tmp_path / bm25.PARAMS_FILE).write_text(json.dumps({**params, "tokenizer": 3}))
    with pytest.raises(IndexCorruptError, match="tokenizer"):
        bm25.load(tmp_path)
