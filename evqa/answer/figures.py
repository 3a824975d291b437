"""Several figures side by side: "energy density of X" may be 350 Wh/kg for the cell and
280 Wh/kg for the pack, stated in two sentences. Shown beside the answer, never instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_FIGURES = 3
FIGURE_RATIO = 0.5  # another figure must be at least half as probable as the answer

_NUMBER = re.compile(r"\d")
_UNIT = re.compile(r"[^\W\d_][\w/%°]*|%|°\w?|[$€£¥]")


def unit_of(text: str) -> str | None:
    """The unit written after (or the currency before) the number of a figure, lowercased."""
    if not _NUMBER.search(text):
        return None
    words = [w.casefold() for w in _UNIT.findall(text)]
    return words[-1] if words else ""


def side_by_side(
    picked: int,
    texts: Sequence[str],
    sentences: Sequence[tuple[str, int]],
    probs: Sequence[float],
    threshold: float,
) -> list[int]:
    """Indexes of the figures to show: the answer ``picked`` first, then up to
    MAX_FIGURES - 1 other candidates with the same unit, from other sentences, with
    another value, nearly as probable. ``sentences`` gives each candidate's (doc, start)."""
    unit = unit_of(texts[picked])
    if unit is None:
        return [picked]
    out = [picked]
    floor = max(threshold, FIGURE_RATIO * probs[picked])
    seen_sent = {sentences[picked]}
    seen_text = {_norm(texts[picked])}
    for i in sorted(range(len(texts)), key=lambda i: -probs[i]):
        if len(out) >= MAX_FIGURES or probs[i] < floor:
            break
        if sentences[i] in seen_sent or _norm(texts[i]) in seen_text or unit_of(texts[i]) != unit:
            continue
        out.append(i)
        seen_sent.add(sentences[i])
        seen_text.add(_norm(texts[i]))
    return out


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())
