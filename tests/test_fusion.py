from __future__ import annotations

import math

import pytest

from evqa.fusion import (
    POOL,
    Fused,
    FusionSettings,
    fills,
    fuse,
    minmax,
    minmax_scale,
    pool_size,
    rrf,
    scales,
)


def test_rrf_by_hand():
    rankings = {"bm25": [(1, 9.0), (2, 5.0)], "dense": [(2, 0.8), (3, 0.7)]}
    fused = rrf(rankings, k=60)
    # doc 2: 1/(60+2) + 1/(60+1) = 0.016129 + 0.016393 = 0.032522
    # doc 1: 1/(60+1)                                   = 0.016393
    # doc 3: 1/(60+2)                                   = 0.016129
    assert [f.id for f in fused] == [2, 1, 3]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1].score == pytest.approx(1 / 61)
    assert fused[0].parts["bm25"].rank == 2
    assert fused[0].parts["dense"].rank == 1
    assert fused[0].parts["bm25"].share == pytest.approx((1 / 62) / (1 / 62 + 1 / 61))


def test_minmax_by_hand():
    rankings = {"bm25": [(1, 10.0), (2, 6.0), (3, 2.0)], "dense": [(3, 0.9), (2, 0.5)]}
    fused = minmax(rankings, {"bm25": 0.3, "dense": 0.7})
    # bm25 normalised over 2..10: doc1 1.0, doc2 0.5, doc3 0.0
    # dense normalised over 0.5..0.9: doc3 1.0, doc2 0.0
    # doc3: 0.3*0.0 + 0.7*1.0 = 0.70
    # doc1: 0.3*1.0 + 0 (not returned by dense) = 0.30
    # doc2: 0.3*0.5 + 0.7*0.0 = 0.15
    assert [f.id for f in fused] == [3, 1, 2]
    assert [f.score for f in fused] == pytest.approx([0.7, 0.3, 0.15])
    assert fused[0].parts["bm25"].share == pytest.approx(0.0)
    assert fused[0].parts["dense"].share == pytest.approx(1.0)


def test_missing_in_one_retriever():
    fused = minmax({"bm25": [(5, 3.0)], "dense": [(6, 0.4)]}, {"bm25": 0.5, "dense": 0.5})
    by_id = {f.id: f for f in fused}
    assert by_id[5].parts["dense"].rank is None
    assert by_id[5].parts["dense"].score is None
    assert by_id[5].parts["dense"].share == 0.0
    assert by_id[5].parts["bm25"].rank == 1
    assert by_id[5].parts["bm25"].score == 3.0
    assert by_id[5].parts["bm25"].share == 1.0


def test_equal_scores_normalise_to_one():
    fused = minmax({"bm25": [(1, 2.0), (2, 2.0)]}, {"bm25": 0.4})
    assert [f.score for f in fused] == pytest.approx([0.4, 0.4])


def test_ties_broken_by_id():
    rankings = {"a": [(7, 1.0)], "b": [(3, 1.0)]}
    assert [f.id for f in rrf(rankings)] == [3, 7]
    assert [f.id for f in minmax(rankings, {"a": 0.5, "b": 0.5})] == [3, 7]


@pytest.mark.parametrize("method", ["rrf", "minmax"])
def test_shares_sum_to_one(method):
    rankings = {
        "bm25": [(i, 10.0 - i) for i in range(0, 8)],
        "dense": [(i, 1.0 / i) for i in range(3, 12)],
    }
    fused = rrf(rankings) if method == "rrf" else minmax(rankings, {"bm25": 0.3, "dense": 0.7})
    for f in fused:
        shares = sum(p.share for p in f.parts.values())
        if f.score > 0:
            assert math.isclose(shares, 1.0)
        else:
            assert shares == 0.0


def test_deterministic_and_input_order_of_retrievers_does_not_matter():
    a = {"bm25": [(1, 3.0), (2, 2.0)], "dense": [(2, 0.9), (4, 0.1)]}
    b = {"dense": a["dense"], "bm25": a["bm25"]}
    w = {"bm25": 0.3, "dense": 0.7}
    assert [(f.id, f.score) for f in minmax(a, w)] == [(f.id, f.score) for f in minmax(b, w)]
    assert rrf(a) == rrf(a)


def test_empty_input():
    assert rrf({}) == []
    assert minmax({}, {}) == []
    assert rrf({"bm25": [], "dense": []}) == []
    assert minmax({"bm25": []}, {"bm25": 1.0}) == []


def test_repeated_id_counts_once():
    fused = rrf({"bm25": [(1, 2.0), (1, 1.0), (2, 0.5)]}, k=0)
    assert [(f.id, f.score) for f in fused] == [(1, 1.0), (2, 0.5)]


def test_missing_weight_is_an_error():
    with pytest.raises(ValueError, match="dense"):
        minmax({"bm25": [(1, 1.0)], "dense": [(1, 1.0)]}, {"bm25": 1.0})


def test_fused_is_frozen():
    f = rrf({"a": [(1, 1.0)]})[0]
    assert isinstance(f, Fused)
    with pytest.raises(AttributeError):
        f.score = 2.0  # type: ignore[misc]


def test_minmax_with_exact_scores_by_hand():
    rankings = {"bm25": [(1, 10.0), (2, 6.0)], "dense": [(3, 0.9), (1, 0.5)]}
    exact = {"bm25": {3: 2.0, 99: 5.0}, "dense": {2: 0.1}}
    fused = minmax(rankings, {"bm25": 0.5, "dense": 0.5}, exact=exact)
    # bm25 over {1: 10, 2: 6, 3: 2 (exact)}:    1 -> 1.0, 2 -> 0.5, 3 -> 0.0
    # dense over {3: 0.9, 1: 0.5, 2: 0.1 (exact)}: 3 -> 1.0, 1 -> 0.5, 2 -> 0.0
    # doc 1: 0.5*1.0 + 0.5*0.5 = 0.75; doc 3: 0.5*0.0 + 0.5*1.0 = 0.5; doc 2: 0.5*0.5 + 0 = 0.25
    # (doc 99 is no retriever's candidate: its exact score is ignored)
    assert [(f.id, f.score) for f in fused] == [
        (1, pytest.approx(0.75)),
        (3, pytest.approx(0.5)),
        (2, pytest.approx(0.25)),
    ]
    doc2 = fused[2].parts["dense"]
    assert (doc2.rank, doc2.score, doc2.share) == (None, 0.1, 0.0)
    assert fused[0].parts["bm25"].share == pytest.approx(0.5 / 0.75)
    # without exact scores, a missing document gets 0 and each list is normalised alone:
    # bm25 {1: 1.0, 2: 0.0}, dense {3: 1.0, 1: 0.0} -> doc 1: 0.5, doc 3: 0.5, doc 2: 0.0
    plain = minmax(rankings, {"bm25": 0.5, "dense": 0.5})
    assert [(f.id, f.score) for f in plain] == [(1, 0.5), (3, 0.5), (2, 0.0)]


def test_a_retriever_that_ranked_nothing_adds_nothing():
    # BM25 matched no word: its exact scores of dense's candidates are all 0
    rankings = {"bm25": [], "dense": [(1, 0.9), (2, 0.5), (3, 0.1)]}
    exact = {"bm25": {1: 0.0, 2: 0.0, 3: 0.0}, "dense": {}}
    fused = minmax(rankings, {"bm25": 0.3, "dense": 0.7}, exact=exact)
    assert [f.id for f in fused] == [1, 2, 3]
    assert [f.score for f in fused] == pytest.approx([0.7, 0.35, 0.0])
    for f in fused:
        assert f.parts["bm25"].share == 0.0
        assert f.parts["bm25"].rank is None and f.parts["bm25"].score == 0.0
    assert fused[0].parts["dense"].share == 1.0


def test_a_retriever_that_scored_everything_zero_adds_nothing():
    fused = minmax({"bm25": [(1, 0.0), (2, 0.0)], "dense": [(2, 0.8)]}, {"bm25": 0.3, "dense": 0.7})
    assert [(f.id, f.score) for f in fused] == [(2, 0.7)]
    assert fused[0].parts["bm25"].share == 0.0 and fused[0].parts["dense"].share == 1.0


def test_fuse_follows_the_settings_method_weight_and_mode():
    rankings = {"bm25": [(1, 10.0), (2, 6.0), (3, 2.0)], "dense": [(3, 0.9), (2, 0.5)]}
    rrf_settings = FusionSettings(method="rrf", bm25_weight=0.3, rrf_k=5)
    assert fuse(rankings, "hybrid", rrf_settings) == rrf(rankings, k=5)
    mm = FusionSettings(method="minmax", bm25_weight=0.3, rrf_k=60)
    assert fuse(rankings, "hybrid", mm) == minmax(rankings, {"bm25": 0.3, "dense": 0.7})
    alone = {"dense": rankings["dense"]}
    assert fuse(alone, "dense", mm) == minmax(alone, {"dense": 1.0})
    exact = {"bm25": {2: 6.0, 3: 2.0}, "dense": {1: 0.1}}
    filled = fuse(rankings, "hybrid", mm, exact)
    assert filled == minmax(rankings, {"bm25": 0.3, "dense": 0.7}, exact=exact)
    assert filled != fuse(rankings, "hybrid", mm)  # dense normalised over doc 1's too


def test_only_a_hybrid_min_max_fusion_fills_exact_scores_and_pools_grow_with_k():
    mm = FusionSettings(method="minmax", bm25_weight=0.3, rrf_k=60)
    assert fills("hybrid", mm)
    assert not fills("bm25", mm) and not fills("dense", mm)
    assert not fills("hybrid", FusionSettings(method="rrf", bm25_weight=0.3, rrf_k=60))
    assert pool_size(5) == POOL and pool_size(POOL + 7) == POOL + 7


def test_a_filtered_list_scaled_as_the_unfiltered_one_keeps_its_scores_and_order():
    weights = {"bm25": 0.3, "dense": 0.7}
    # unfiltered: doc 9 (filtered out below) tops both; doc 1 tops BM25 among the rest
    every = {
        "bm25": [(9, 10.0), (1, 6.0), (2, 2.0), (3, 0.0)],
        "dense": [(9, 1.0), (2, 0.4), (1, 0.3), (3, 0.0)],
    }
    whole = {f.id: f.score for f in minmax(every, weights)}
    # doc 1: 0.3*0.6 + 0.7*0.3 = 0.39; doc 2: 0.3*0.2 + 0.7*0.4 = 0.34
    assert whole[1] == pytest.approx(0.39) and whole[2] == pytest.approx(0.34)
    kept = {"bm25": [(1, 6.0), (2, 2.0)], "dense": [(2, 0.4), (1, 0.3)]}
    # scaled over the kept documents alone, doc 2 would win: 0.7 against 0.3
    assert [f.id for f in minmax(kept, weights)] == [2, 1]
    scale = minmax_scale(every)
    assert scale == {"bm25": (0.0, 10.0), "dense": (0.0, 1.0)}
    fused = minmax(kept, weights, scale=scale)
    assert [(f.id, f.score) for f in fused] == [(1, pytest.approx(0.39)), (2, pytest.approx(0.34))]
    mm = FusionSettings(method="minmax", bm25_weight=0.3, rrf_k=60)
    assert fuse(kept, "hybrid", mm, scale=scale) == fused and scales(mm)


def test_a_scale_clips_nothing_and_leaves_out_a_retriever_without_a_say():
    # every kept document scores below the unfiltered low (0.2): ordered by score, no ties
    fused = minmax(
        {"dense": [(1, 0.15), (2, 0.05), (3, 0.1)]}, {"dense": 1.0}, scale={"dense": (0.2, 0.8)}
    )
    assert [f.id for f in fused] == [1, 3, 2]
    # scaled from the lowest score (0.05) up to the unfiltered high (0.8)
    assert [f.score for f in fused] == [pytest.approx(0.1 / 0.75), pytest.approx(0.05 / 0.75), 0.0]
    scale = minmax_scale({"bm25": [], "dense": [(1, 0.5)]})
    assert scale == {"bm25": None, "dense": (0.5, 0.5)}
    fused = minmax(
        {"bm25": [(1, 3.0)], "dense": [(1, 0.5)]}, {"bm25": 0.3, "dense": 0.7}, scale=scale
    )
    assert fused[0].score == pytest.approx(0.7) and fused[0].parts["bm25"].share == 0.0
    rrf_settings = FusionSettings(method="rrf", bm25_weight=0.3, rrf_k=60)
    assert not scales(rrf_settings)
    ranked = {"bm25": [(1, 3.0)]}
    assert fuse(ranked, "bm25", rrf_settings, scale={"bm25": (0, 9)}) == rrf(ranked, k=60)


def test_kept_documents_below_the_unfiltered_lows_rank_below_and_keep_the_others_order():
    weights = {"bm25": 0.3, "dense": 0.7}
    every = {
        "bm25": [(9, 10.0), (1, 6.0), (2, 1.0), (3, 0.0)],
        "dense": [(9, 1.0), (2, 0.6), (1, 0.3), (3, 0.0)],
    }
    whole = {f.id: f.score for f in minmax(every, weights)}
    assert whole[2] == pytest.approx(0.03 + 0.42) and whole[1] == pytest.approx(0.18 + 0.21)
    # kept: docs 1 and 2, and docs 5 and 6, outside the unfiltered candidates, whose dense
    # scores are below the unfiltered low (0.0). Stretching dense's span down to -0.5 would
    # shrink its say and put doc 1 above doc 2 (0.553 against 0.543).
    kept = {
        "bm25": [(1, 6.0), (2, 1.0)],
        "dense": [(2, 0.6), (1, 0.3), (6, -0.2), (5, -0.5)],
    }
    exact = {"bm25": {5: 0.0, 6: 0.0}}
    fused = minmax(kept, weights, exact=exact, scale=minmax_scale(every))
    assert [f.id for f in fused] == [2, 1, 6, 5]
    scores = [f.score for f in fused]
    assert scores == sorted(set(scores), reverse=True) and scores[-1] == 0.0
    # the same increasing function of the unfiltered scores: an affine one
    ratio = (scores[0] - scores[1]) / (whole[2] - whole[1])
    assert ratio == pytest.approx(1 / 1.35) and max(scores) <= 1.0


def test_a_filter_that_keeps_only_documents_outside_the_unfiltered_pool_ranks_by_score():
    every = {
        "bm25": [(10 + i, 9.0 - i * 0.01) for i in range(5)],
        "dense": [(10 + i, 0.9 - i * 0.01) for i in range(5)],
    }
    kept = {  # all below every unfiltered score, listed best first
        "bm25": [(3, 2.0), (2, 1.0), (1, 0.5)],
        "dense": [(3, 0.5), (2, 0.4), (1, 0.1)],
    }
    mm = FusionSettings(method="minmax", bm25_weight=0.3, rrf_k=60)
    for mode, ranks in [("hybrid", kept), ("dense", {"dense": kept["dense"]})]:
        fused = fuse(ranks, mode, mm, scale=minmax_scale(every))
        assert [f.id for f in fused] == [3, 2, 1], mode  # not by id (1, 2, 3): no ties at 0
        assert fused[0].score > fused[1].score > fused[2].score == 0.0
