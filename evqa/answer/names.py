"""Names a question asks about that no article mentions.

"Who is the chief executive of Meridex Shipping?" over articles that never name Meridex
still retrieves passages about other shipping lines, and the reader finds a chief
executive in them. A name the whole index has never seen, not even spelt a letter or two
differently as a name the retrieved articles write ("Ghengis" for "Genghis"; "Voltrane" is
no "voltage"), cannot be what the articles answer about; the question is answered "not
found" and told which name. Acronyms ("CEO", "EU") and units' symbols ("GWh", "MW") are
left out: they are often written out in full in the articles."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cached_property

from evqa.question_content import FUNCTION_WORDS, name_words
from evqa.tokenize import query_tokens

_ACRONYM = re.compile(r"[A-Z0-9&.-]{1,5}s?")  # "CEO", "EU", "CFOs", "R&D"
# a capitalised unit's symbol, maybe with a metric prefix: "GWh", "MW", "MHz", "Mt"; an
# article may write it out ("7 gigawatt-hours"), so it is no name that no article mentions
_UNIT = re.compile(r"[kMGTP]?(?:Wh?|VA|Hz|Ah|[VJt]|Pa)")
_POSSESSIVE = re.compile(r"['’]s?$")  # "Nvidia's", "Reuters'"
SHORT = 5  # a stem this long or shorter may be one letter off; a longer one, two
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CAPITALISED = re.compile(r"\b[^\W\d_a-z][\w'’-]*")  # "Voltage", "Ørsted", "CATL"


class Vocabulary:
    """The BM25 terms of an index (stems, in the index form and as written), and the
    terms near a misspelt one."""

    def __init__(self, terms: Mapping[str, object]) -> None:
        self.terms = terms  # looked up, never copied

    def knows(self, stem: str, near: Collection[str] | None = None) -> bool:
        """True if ``stem`` is a term, or one letter off a term (two when longer than SHORT)
        of ``near`` (default: every term): a name spelt another way is still that name."""
        if stem in self.terms:
            return True
        most = 1 if len(stem) <= SHORT else 2
        if near is not None:
            return any(_within(stem, term, most) and term[:1] == stem[:1] for term in near)
        return any(
            _within(stem, term, most)
            for size in range(len(stem) - most, len(stem) + most + 1)
            for term in self._by_start.get((stem[:1], size), ())
        )

    def capitalised(self, texts: Iterable[str]) -> set[str]:
        """The terms that ``texts`` write capitalised: the names a misspelt one may be."""
        words = {w for text in texts for w in _CAPITALISED.findall(text)}
        return {t for t in query_tokens(" ".join(words)) if t in self.terms}

    @cached_property
    def _by_start(self) -> dict[tuple[str, int], list[str]]:
        """The terms by first letter and length: where a misspelling's neighbours are (the
        first letter is kept by most misspellings, and it keeps the search short)."""
        out: dict[tuple[str, int], list[str]] = {}
        for term in self.terms:
            out.setdefault((term[:1], len(term)), []).append(term)
        return out


def unknown_names(
    question: str, vocabulary: Vocabulary, texts: Iterable[str] | None = None
) -> list[str]:
    """The question's names (capitalised words after its first) that no article mentions,
    in the order asked. Acronyms are never unknown, and a question in title case, with a
    function word capitalised ("What Did The Company Announce?"), names nothing.

    With ``texts`` (the articles of the passages retrieved for it, read only if a name is
    not a term), a name spelt another way must be near a word they write capitalised:
    "Voltrane" is not "voltage", and a name whose article was not retrieved cannot be
    answered from the passages anyway."""
    later = _WORD.findall(question)[1:]
    if any(w[0].isupper() and w.casefold() in FUNCTION_WORDS for w in later):
        return []  # "Did", "The": capitals that say nothing of names
    out: list[str] = []
    near: set[str] | None = None
    for word in name_words(question):
        word = _POSSESSIVE.sub("", word)
        stems = query_tokens(word)
        if _ACRONYM.fullmatch(word) or _UNIT.fullmatch(word) or not stems or word in out:
            continue
        if any(s in vocabulary.terms for s in stems):
            continue
        if texts is not None and near is None:
            near = vocabulary.capitalised(texts)  # once, when a name is first not a term
        if not vocabulary.knows(stems[0], near):
            out.append(word)
    return out


def unknown_reason(names: Sequence[str]) -> str:
    """Why a question naming ``names`` is not answered."""
    quoted = " or ".join(f"{n!r}" for n in names)
    return (
        f"no article mentions {quoted}; check the spelling, ask about what the articles "
        "cover, or add articles about it"
    )


def _within(a: str, b: str, most: int) -> bool:
    """True if ``a`` and ``b`` are at most ``most`` edits apart (Levenshtein)."""
    if abs(len(a) - len(b)) > most:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(row) > most:
            return False
        previous = row
    return previous[-1] <= most
