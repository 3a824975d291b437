"""The text normalisations answers are compared on: evqa's (units, thousands separators,
dashes) and the official SQuAD one."""

from __future__ import annotations

import re
import string
import unicodedata

_DASHES = str.maketrans({c: "-" for c in "\u2212\u2010\u2011\u2012\u2013\ufe63\uff0d"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_UNITS = r"%|°[cf]?|[kmgt]?wh/kg|[kmgt]?wh/l|[kmgt]?wh|[kmgt]?w|km/h|kph|mph|km|mm|cm|kg|mah|ah|kv"
_NUMBER_UNIT = re.compile(rf"(?<=\d)\s+(?=(?:{_UNITS})(?![a-z0-9]))")
_CURRENCY_SPACE = re.compile(r"(?<=[$€£¥])\s+(?=\d)")
_EDGE_PUNCT = "\"'()[]{}<>.,;:!?…*“”‘’«»"
_ARTICLES = frozenset({"a", "an", "the"})

_SQUAD_PUNCT = frozenset(string.punctuation)
_SQUAD_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_tokens(text: str | None) -> list[str]:
    """The tokens answers are compared on.

    NFKC + casefold; the minus-like dashes become ``-``; thousands separators go
    (``24,877`` -> ``24877``); a number and its unit join (``-20 °C`` -> ``-20°c``,
    ``350 Wh/kg`` -> ``350wh/kg``); tokens are split on whitespace and stripped of
    punctuation at their ends (``%`` and ``/`` are kept, and so is a leading ``-``); the
    articles a/an/the and tokens without a letter, digit or ``%`` are dropped (SQuAD style).
    """
    if not text:
        return []
    t = unicodedata.normalize("NFKC", text).casefold()
    t = t.translate(_DASHES).translate(_QUOTES)
    t = _THOUSANDS.sub("", t)
    t = _NUMBER_UNIT.sub("", t)
    t = _CURRENCY_SPACE.sub("", t)
    tokens = []
    for raw in t.split():
        tok = raw.rstrip(_EDGE_PUNCT + "-").lstrip(_EDGE_PUNCT)  # a leading "-" is a minus
        if tok in _ARTICLES or not any(c.isalnum() or c == "%" for c in tok):
            continue
        tokens.append(tok)
    return tokens


def normalize(text: str | None) -> str:
    """``normalize_tokens`` joined by single spaces."""
    return " ".join(normalize_tokens(text))


def squad_normalize(text: str | None) -> str:
    """The official SQuAD v1.1 answer normalisation: lower case, drop punctuation and
    the articles a/an/the, collapse white space."""
    t = "".join(ch for ch in (text or "").lower() if ch not in _SQUAD_PUNCT)
    return " ".join(_SQUAD_ARTICLES.sub(" ", t).split())
