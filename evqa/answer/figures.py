"""Several figures side by side: "energy density of X" may be 350 Wh/kg for the cell and
280 Wh/kg for the pack, stated in two sentences. Shown beside the answer, never instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_FIGURES = 3
MAX_FIGURE_WORDS = 5  # a figure is a number with its unit, not a clause that holds one
FIGURE_RATIO = 0.5  # another figure must be at least half as probable as the answer

_NUMBER = re.compile(r"\d")
_UNIT = re.compile(r"[^\W\d_][\w/%°]*|%|°\w?|[$€£¥]")


_MAGNITUDES = frozenset({"thousand", "million", "billion", "trillion", "k", "m", "mn", "bn", "tn"})


def unit_of(text: str) -> str | None:
    """The unit written after (or the currency before) the number of a figure, lowercased;
    a magnitude ("million") is not a unit, and "" says the figure has none."""
    if not _NUMBER.search(text):
        return None
    words = [w.casefold() for w in _UNIT.findall(text)]
    words = [w for w in words if w not in _MAGNITUDES]
    return words[-1] if words else ""


def side_by_side(
    picked: int,
    texts: Sequence[str],
    places: Sequence[tuple[str, int, int, int]],
    probs: Sequence[float],
    threshold: float,
) -> list[int]:
    """Indexes of the figures to show: the answer ``picked`` first, then up to
    MAX_FIGURES - 1 other short candidates of the same article with the same unit, from
    other sentences, with another value, nearly as probable. A figure without a unit has
    nothing to be compared by. ``places`` gives each candidate's (doc, sentence start,
    span start, span end)."""
    unit = unit_of(texts[picked])
    if not unit:
        return [picked]
    out = [picked]
    floor = max(threshold, FIGURE_RATIO * probs[picked])
    for i in sorted(range(len(texts)), key=lambda i: -probs[i]):
        if len(out) >= MAX_FIGURES or probs[i] < floor:
            break
        if places[i][0] != places[picked][0] or len(texts[i].split()) > MAX_FIGURE_WORDS:
            continue
        if unit_of(texts[i]) != unit:
            continue
        if any(_clash(places[i], places[j]) or _norm(texts[i]) == _norm(texts[j]) for j in out):
            continue
        out.append(i)
    return out


def _clash(a: tuple[str, int, int, int], b: tuple[str, int, int, int]) -> bool:
    """Same sentence, or overlapping spans, of one article."""
    return a[0] == b[0] and (a[1] == b[1] or (a[2] < b[3] and b[2] < a[3]))


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())
