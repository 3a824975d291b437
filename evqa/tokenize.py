"""The BM25 tokenizer: casefold, word and number tokens, English stopwords, Snowball stems.

The same function tokenizes documents at build time and questions at query time, so
the two always agree. Documents are indexed with Latin accents folded (``"café"`` ->
``"cafe"``, :func:`fold`), and a query searches each word folded and as written
(:func:`query_tokens`), so "cafe" finds "café", and indexes built before folding still
match a query typed with the accent. Numbers are kept whole: ``"2,000"`` -> ``"2000"``,
``"3.5"`` -> ``"3.5"``; ``"Wh/kg"`` -> ``["wh", "kg"]``. Any script that ``\\w`` matches
is tokenized (CJK runs become one token each).
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
# Latin letters that carry no combining mark to drop (as Lucene's ASCIIFoldingFilter folds them)
_LATIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_COMBINING = range(0x300, 0x370)  # the Combining Diacritical Marks block


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _normalise_number(token: str) -> str:
    if _THOUSANDS.match(token):
        return token.replace(",", "")
    return token


def fold(word: str) -> str:
    """``word`` (casefolded) without the accents of Latin letters: ``"résumé"`` ->
    ``"resume"``, ``"søren"`` -> ``"soren"``. Marks on other scripts' letters are kept
    (a Cyrillic "й" is not an "и")."""
    if word.isascii():
        return word
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", word.translate(_LATIN_LETTERS)):
        if ord(char) in _COMBINING and kept and _is_latin(kept[-1]):
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _is_latin(char: str) -> bool:
    return char < "\u0250" or "\u1e00" <= char <= "\u1eff"


def tokenize(
    text: str,
    *,
    stem: bool = True,
    stopwords: frozenset[str] | None = STOPWORDS,
    fold_accents: bool = False,
) -> list[str]:
    """Tokens of ``text`` for BM25 (``fold_accents``: as documents are indexed). Never
    raises on any ``str``."""
    tokens = _words(text)
    if fold_accents:
        tokens = [fold(t) for t in tokens]
    if stopwords:
        tokens = [t for t in tokens if t not in stopwords]
    return _stemmer().stemWords(tokens) if stem else tokens


def query_tokens(text: str) -> list[str]:
    """A query's BM25 tokens: each word folded, then as written if that differs. The folded
    word matches documents indexed with folding; the written one matches indexes built
    before it, and a word that has no accent is searched once, as before."""
    tokens: list[str] = []
    for word in _words(text):
        folded = fold(word)
        if folded not in STOPWORDS:
            tokens += [folded] if folded == word else [folded, word]
    return _stemmer().stemWords(tokens)


def _words(text: str) -> list[str]:
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFKC", text).casefold())
    return [_normalise_number(t) for t in _TOKEN.findall(text)]
