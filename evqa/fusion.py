"""Fusing ranked lists from several retrievers. Pure functions.

``rankings`` maps a retriever name to its ``[(doc id, score), ...]``, best first. Both
methods return :class:`Fused` records, best first, ties broken by lower id; each says how
every retriever saw the document (1-based rank, raw score, share of the fused score).
:func:`fuse` picks the method an index's settings ask for; every backend calls it.

A date filter must not reorder the hits it keeps: a backend that filters also gathers the
unfiltered candidates, and min-max fusion scales the filtered ones by theirs
(:func:`scales`, :func:`minmax_scale`), so a kept hit that was an unfiltered candidate scores
what it scores unfiltered, and keeps its order; kept hits scored below every unfiltered
candidate are ranked below them, by the same scale (see :func:`minmax`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from evqa import config
from evqa.types import RetrieverScore

Rankings = Mapping[str, Sequence[tuple[int, float]]]
Exact = Mapping[str, Mapping[int, float]]
# retriever -> the (lowest, highest) score min-max fusion scales it by; None: it has no say
Scale = Mapping[str, tuple[float, float] | None]
POOL = 100  # candidates taken from each retriever before fusion


@dataclass(frozen=True)
class FusionSettings:
    method: str  # "minmax" | "rrf"
    bm25_weight: float
    rrf_k: int


@dataclass(frozen=True)
class Fused:
    id: int
    score: float
    parts: dict[str, RetrieverScore]


def pool_size(k: int) -> int:
    """How many candidates each retriever returns for a top ``k``."""
    return max(POOL, k)


def fills(mode: str, settings: FusionSettings) -> bool:
    """Whether :func:`fuse` uses each retriever's exact score of the other's candidates
    (min-max fusion of a hybrid search); the caller then computes them."""
    return mode == "hybrid" and settings.method != "rrf"


def scales(settings: FusionSettings) -> bool:
    """Whether :func:`fuse` takes a ``scale`` (min-max fusion): a filtered search then
    passes the :func:`minmax_scale` of its unfiltered candidates. RRF does not: its ranks
    are counted among the documents the filter keeps."""
    return settings.method != "rrf"


def fuse(
    rankings: Rankings,
    mode: str,
    settings: FusionSettings,
    exact: Exact | None = None,
    scale: Scale | None = None,
) -> list[Fused]:
    """The fused list of a ``mode`` search (hybrid, bm25 or dense): RRF, or min-max with
    the BM25 weight (and ``exact`` fill, see :func:`fills`; ``scale``, see
    :func:`minmax`), as ``settings`` say."""
    if settings.method == "rrf":
        return rrf(rankings, k=settings.rrf_k)
    w = settings.bm25_weight
    weights = {"bm25": w, "dense": 1.0 - w} if mode == "hybrid" else {mode: 1.0}
    return minmax(rankings, weights, exact=exact, scale=scale)


def rrf(rankings: Rankings, k: int = config.DEFAULTS["rrf_k"]) -> list[Fused]:
    """Reciprocal rank fusion: ``sum over retrievers of 1 / (k + rank)``."""
    return _fuse(rankings, lambda name, ranked: {d: 1.0 / (k + r) for r, d in _ranks(ranked)})


def minmax(
    rankings: Rankings,
    weights: Mapping[str, float],
    *,
    exact: Exact | None = None,
    scale: Scale | None = None,
) -> list[Fused]:
    """Weighted sum of min-max normalised scores. Each retriever's scores are scaled to
    0..1 over the documents it returned (all equal -> 1.0); a document it did not return
    gets 0 from it. A retriever that returned nothing, or scored everything 0, adds
    nothing (and takes no share).

    ``exact`` (retriever -> {doc id: score}) gives a retriever's true scores for documents
    it did not return, e.g. the dense similarity of a BM25-only candidate. With it, each
    retriever is normalised over every candidate it has a score for, and those documents
    get their share instead of 0 (their rank stays None). On SciFact this "fill" is worth
    about +0.02 nDCG@10 (eval/beir.py).

    ``scale`` (retriever -> (low, high) or None, the :func:`minmax_scale` of an unfiltered
    search's candidates; None: no say) makes a filtered search rank its candidates as the
    unfiltered one does: each retriever's score is scaled by that span, from the lower of
    that low and the lowest score here, nothing clipped, and the sum divided so the best
    possible is the sum of the weights again. Every document's fused score is then the same
    increasing function of its unfiltered one (extended below the unfiltered candidates'
    lows), so the kept unfiltered candidates keep their order (and their scores when no
    candidate here scores below those lows), and the others are ordered by their scores,
    below them, instead of all tying at 0."""
    missing = set(rankings) - set(weights)
    if missing:
        raise ValueError(f"no fusion weight for retriever(s): {', '.join(sorted(missing))}")
    scores = {name: _scores(name, ranked, rankings, exact) for name, ranked in rankings.items()}
    if scale is None:
        bounds = _bounds(rankings, scores)
        scaling = {n: None if b is None else (b[0], b[1] - b[0], b[1]) for n, b in bounds.items()}
        factor = 1.0
    else:
        scaling, factor = _rescaled(scale, scores, weights)

    def contributions(name: str, ranked: Sequence[tuple[int, float]]) -> dict[int, float]:
        if scaling.get(name) is None:  # it found nothing: no say
            return {}
        low, span, high = scaling[name]
        w = weights[name] * factor
        if span > 0:
            return {d: w * (s - low) / span for d, s in scores[name].items()}
        return {d: w * (1.0 if s >= high else 0.0) for d, s in scores[name].items()}

    return _fuse(rankings, contributions, raw=scores)


def _rescaled(
    scale: Scale, scores: Mapping[str, Mapping[int, float]], weights: Mapping[str, float]
) -> tuple[dict[str, tuple[float, float, float] | None], float]:
    """Each retriever's (low, span, high) for :func:`minmax` with a ``scale``, and the
    factor every contribution is multiplied by: the span is the scale's (so two documents
    the unfiltered search scored compare as they did there), the low and high take in the
    scores here too (nothing is clipped), and the factor brings the best possible sum back
    to the sum of the weights."""
    out: dict[str, tuple[float, float, float] | None] = {}
    reach = total = 0.0  # the best possible weighted sum, and the sum of the weights
    for name, values in scores.items():
        bound = scale.get(name)
        if bound is None:
            out[name] = None
            continue
        low = min(bound[0], *values.values()) if values else bound[0]
        high = max(bound[1], *values.values()) if values else bound[1]
        span = bound[1] - bound[0] if bound[1] > bound[0] else high - low
        out[name] = (low, span, high)
        total += weights[name]
        reach += weights[name] * ((high - low) / span if span > 0 else 1.0)
    return out, (total / reach if reach > 0 else 1.0)


def minmax_scale(
    rankings: Rankings, exact: Exact | None = None
) -> dict[str, tuple[float, float] | None]:
    """What :func:`minmax` scales each retriever by for these candidates: the lowest and
    highest score it has for them, or None when it has no say (it returned nothing, or
    scored everything 0)."""
    scores = {name: _scores(name, ranked, rankings, exact) for name, ranked in rankings.items()}
    return _bounds(rankings, scores)


def _bounds(
    rankings: Rankings, scores: Mapping[str, Mapping[int, float]]
) -> dict[str, tuple[float, float] | None]:
    out: dict[str, tuple[float, float] | None] = {}
    for name, ranked in rankings.items():
        values = scores[name].values()
        out[name] = (min(values), max(values)) if ranked and any(values) else None
    return out


def _scores(
    name: str,
    ranked: Sequence[tuple[int, float]],
    rankings: Rankings,
    exact: Exact | None,
) -> dict[int, float]:
    """The scores ``name`` gave: those it returned, then its exact scores of the other
    retrievers' candidates when known."""
    scores = dict(_first(ranked))
    known = (exact or {}).get(name, {})
    for other in rankings.values():
        for d, _ in other:
            if d not in scores and d in known:
                scores[int(d)] = float(known[d])
    return scores


def _fuse(
    rankings: Rankings,
    contributions: Callable[[str, Sequence[tuple[int, float]]], dict[int, float]],
    raw: Mapping[str, Mapping[int, float]] | None = None,
) -> list[Fused]:
    parts: dict[str, dict[int, float]] = {n: contributions(n, r) for n, r in rankings.items()}
    ranks = {n: {d: rank for rank, (d, _) in enumerate(_first(r), 1)} for n, r in rankings.items()}
    raw = raw or {n: dict(_first(r)) for n, r in rankings.items()}
    totals: dict[int, float] = {}
    for contrib in parts.values():
        for d, c in contrib.items():
            totals[d] = totals.get(d, 0.0) + c
    fused = []
    for d, total in totals.items():
        explain = {}
        for name in rankings:
            share = parts[name].get(d, 0.0) / total if total > 0 else 0.0
            explain[name] = RetrieverScore(
                rank=ranks[name].get(d), score=raw[name].get(d), share=share
            )
        fused.append(Fused(id=d, score=total, parts=explain))
    fused.sort(key=lambda f: (-f.score, f.id))
    return fused


def _first(ranked: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """The list without repeated ids (the first, best, occurrence wins)."""
    seen: set[int] = set()
    out = []
    for d, s in ranked:
        if d not in seen:
            seen.add(d)
            out.append((int(d), float(s)))
    return out


def _ranks(ranked: Sequence[tuple[int, float]]) -> list[tuple[int, int]]:
    return [(rank, d) for rank, (d, _) in enumerate(_first(ranked), 1)]
