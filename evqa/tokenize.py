"""The BM25 tokenizer: casefold, word and number tokens, English stopwords, Snowball stems.

The same function tokenizes documents at build time and questions at query time, so
the two always agree. Documents are indexed in their *index form* (``index_form=True``):
Latin accents folded (``"café"`` -> ``"cafe"``, :func:`fold`) and runs of Chinese or
Japanese characters, written without spaces between words, as overlapping character
pairs (``"北京大学"`` -> ``"北京"``, ``"京大"``, ``"大学"``, as Lucene's CJK analyzer does), so
"cafe" finds "café" and "大学" finds "北京大学". A query searches each word in that form
and as written (:func:`query_tokens`): indexes built before 2026-12-06 hold words as
written. Numbers are kept whole: ``"2,000"`` -> ``"2000"``, ``"3.5"`` -> ``"3.5"``;
``"Wh/kg"`` -> ``["wh", "kg"]``. Any script that ``\\w`` matches is tokenized.
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
# Han, Hiragana and Katakana: scripts written without spaces between words
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


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


def cjk_pairs(word: str) -> list[str]:
    """``word`` with each run of Chinese or Japanese characters as its overlapping pairs
    (a run of one character stays one), the rest as it is: ``"ev电池组"`` -> ``["ev",
    "电池", "池组"]``."""
    if word.isascii() or not _CJK.search(word):
        return [word]
    parts: list[str] = []
    at = 0
    for run in _CJK.finditer(word):
        parts += [word[at : run.start()]] if run.start() > at else []
        chars = run.group()
        parts += [chars[i : i + 2] for i in range(max(len(chars) - 1, 1))]
        at = run.end()
    return parts + ([word[at:]] if at < len(word) else [])


def tokenize(
    text: str,
    *,
    stem: bool = True,
    stopwords: frozenset[str] | None = STOPWORDS,
    index_form: bool = False,
) -> list[str]:
    """Tokens of ``text`` for BM25 (``index_form``: as documents are indexed, accents
    folded and CJK runs in pairs). Never raises on any ``str``."""
    tokens = _words(text)
    if stopwords:  # as written: "thé" is not "the"
        tokens = [t for t in tokens if t not in stopwords]
    if index_form:
        tokens = [t for word in tokens for t in _index_form(word)]
    return _stemmer().stemWords(tokens) if stem else tokens


def query_tokens(text: str) -> list[str]:
    """A query's BM25 tokens: each word in the index form, then as written if that differs.
    The index form matches documents indexed since 2026-12-06; the written word matches
    indexes built before, and a plain English word is searched once, as before."""
    tokens: list[str] = []
    for word in _words(text):
        if word not in STOPWORDS:  # as written, as documents are filtered
            forms = _index_form(word)
            tokens += forms + ([word] if forms != [word] else [])
    return _stemmer().stemWords(tokens)


def _index_form(word: str) -> list[str]:
    return cjk_pairs(fold(word))


def _words(text: str) -> list[str]:
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFKC", text).casefold())
    return [_normalise_number(t) for t in _TOKEN.findall(text)]
