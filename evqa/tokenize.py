"""The BM25 tokenizer: casefold, word and number tokens, English stopwords, Snowball stems.

The same function tokenizes documents at build time and questions at query time, so
the two always agree. Numbers are kept whole: ``"2,000"`` -> ``"2000"``, ``"3.5"`` -> ``"3.5"``;
``"Wh/kg"`` -> ``["wh", "kg"]``. Any script that ``\\w`` matches is tokenized (CJK runs
become one token each).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer

# Lucene's EnglishAnalyzer stop set (also Elasticsearch's "_english_", which BEIR's BM25
# baseline uses). Short on purpose: "not"/"no" matter little to BM25 but this keeps parity.
_LUCENE_ENGLISH_STOP = (
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with"
)
STOPWORDS: frozenset[str] = frozenset(_LUCENE_ENGLISH_STOP.split())

# A number with thousands separators or a decimal part, or else a run of word characters.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_POSSESSIVE = re.compile(r"['\u2019]s\b")  # CATL's -> CATL (Lucene's EnglishPossessiveFilter)


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _normalise_number(token: str) -> str:
    if _THOUSANDS.match(token):
        return token.replace(",", "")
    return token


def tokenize(
    text: str, *, stem: bool = True, stopwords: frozenset[str] | None = STOPWORDS
) -> list[str]:
    """Tokens of ``text`` for BM25. Never raises on any ``str``."""
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFKC", text).casefold())
    tokens = [_normalise_number(t) for t in _TOKEN.findall(text)]
    if stopwords:
        tokens = [t for t in tokens if t not in stopwords]
    if stem:
        tokens = _stemmer().stemWords(tokens)
    return tokens
