"""Several figures side by side: "energy density of X" may be 350 Wh/kg for the cell and
280 Wh/kg for the pack, stated in two sentences. Shown beside the answer, never instead."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from evqa.dates import MONTH_PATTERN

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


_FIGURE_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPELLED_MAGNITUDE = re.compile(r"\s+(?:thousand|million|billion|trillion)\b", re.IGNORECASE)
# currency codes written before a number ("CHF 98.50")
_CURRENCY_CODES = frozenset(
    "USD EUR GBP CHF JPY CNY RMB INR AUD CAD NZD HKD SGD SEK NOK DKK PLN CZK ZAR BRL MXN KRW "
    "Rs Rs. RM R$ kr".split()
)
_MONTH = re.compile(MONTH_PATTERN)  # "May" beside a number makes it a date, not a figure


def figure_of(text: str, start: int, end: int) -> str | None:
    """The figure that the span ``text[start:end]`` gives, as it is written: its one number
    with the currency before it, the magnitude after it (taken from ``text`` when the span
    stops short of it: "$161" of "$161 million" is off a million-fold) and what the span
    has after it (the unit); the words before the number left out ("a fee of €4.75
    million" gives "€4.75 million"). None when the span is no figure: no number, several
    ("5% threshold with 4.7%"), a date (a month name beside the number: "12 May", or a
    dotted date "20.06.2025"), or a clause of more than MAX_FIGURE_WORDS words."""
    numbers = list(_FIGURE_NUMBER.finditer(text, start, end))
    if len(numbers) != 1 or len(text[start:end].split()) > MAX_FIGURE_WORDS:
        return None
    number = numbers[0]
    if number.group().count(".") > 1:
        return None
    a = number.start()
    while a > start and not text[a - 1].isspace():
        a -= 1  # the rest of its word: "US$720", "£70m"
    words_before = text[start:a].split()
    if words_before and _currency(words_before[-1]):  # "CHF 98.50", "€ 5"
        a = text.rindex(words_before[-1], start, a)
    b = number.end()
    while b < end and not text[b].isspace():
        b += 1
    if _month(text[:a].rsplit(maxsplit=1)[-1:]) or _month(text[b:].split(maxsplit=1)[:1]):
        return None
    if b >= end and (magnitude := _SPELLED_MAGNITUDE.match(text, b)):
        return text[a : magnitude.end()]
    return text[a:end]


def _currency(word: str) -> bool:
    """A currency's code or symbol written as a word of its own before the number."""
    return word in _CURRENCY_CODES or unicodedata.category(word[-1]) == "Sc"


def _month(words: list[str]) -> bool:
    """True if the one word in ``words`` is a month's name, capitalised ("May", "Dec.")."""
    return (
        bool(words)
        and words[0][:1].isupper()
        and _MONTH.fullmatch(words[0].strip(".,").lower()) is not None
    )


def side_by_side(
    picked: int,
    texts: Sequence[str | None],
    places: Sequence[tuple[str, int, int, int]],
    probs: Sequence[float],
    threshold: float,
) -> list[int]:
    """Indexes of the figures to show: the answer ``picked`` first, then up to
    MAX_FIGURES - 1 other short candidates of the same article with the same unit, from
    other sentences, with another value, nearly as probable. A figure without a unit has
    nothing to be compared by, and a candidate whose text is None (see ``figure_of``) is
    none. ``places`` gives each candidate's (doc, sentence start, span start, span end)."""
    unit = unit_of(texts[picked]) if texts[picked] is not None else None
    if not unit:
        return [picked]
    out = [picked]
    floor = max(threshold, FIGURE_RATIO * probs[picked])
    for i in sorted(range(len(texts)), key=lambda i: -probs[i]):
        if len(out) >= MAX_FIGURES or probs[i] < floor:
            break
        text = texts[i]
        if text is None or places[i][0] != places[picked][0]:
            continue
        if len(text.split()) > MAX_FIGURE_WORDS or unit_of(text) != unit:
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
