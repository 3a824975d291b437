"""Blanked-span questions made from unlabelled text, to pre-train the reader before SQuAD.

SQuAD gives the reader 4,888 answerable training questions here, and every recipe trained on
them has levelled off near 0.67 F1 (README). Span-selection pre-training (Glass et al.
2020; Ram et al. 2021, "Splinter") makes extractive questions from plain text instead: a
sentence that names something is turned into a question about it by putting a question
word in place of the name, and the passage is *another* paragraph of the same document
that names it too, so the reader must find the thing by what is said around it, not by
copying the sentence. Some questions are paired with a paragraph that never names the
thing, as unanswerable.

Used by ``eval/train_reader.py --cloze``; nothing on the query path reads it. Measured and
left out of the shipped recipe: no better on the held-out articles (README, "What the
choices were worth").
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from evqa.chunking import split_sentences
from evqa.question_content import FUNCTION_WORDS
from evqa.reader.data import SquadExample

# What a question can be about: a run of capitalised words ("Nikola Tesla", "Bank of
# England", "IL-6"), or a number ("1884", "3,000", "4.5").
_TERM = re.compile(
    r"(?<![\w'’.-])(?:[A-Z][\w'’-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’-]*)*"
    r"|\d+(?:,\d{3})*(?:\.\d+)?)(?![\w'’-])"
)
_OPENING_OF = re.compile(r"\S+\s+of\s+(?:the\s+)?")
_OPENING_WORD = re.compile(r"(\S+)\s+")
_YEAR = re.compile(r"1\d{3}|20\d{2}")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
MAX_QUESTION_WORDS = 24


@dataclass(frozen=True)
class Document:
    """Unlabelled text to make questions from: a name and its paragraphs."""

    name: str
    paragraphs: tuple[str, ...]


def question_word(term: str) -> str:
    """The question word that stands in for ``term``: "when" for a year, "how many" for
    another number, "what" otherwise."""
    if _YEAR.fullmatch(term):
        return "when"
    if _NUMBER.fullmatch(term):
        return "how many"
    return "what"


def blank(sentence: str, start: int, end: int) -> str:
    """``sentence`` as a question: the term at ``start:end`` replaced by its question word,
    cut to at most ``MAX_QUESTION_WORDS`` words around it, with a question mark."""
    left = sentence[:start].split()
    right = sentence[end:].split()
    keep = MAX_QUESTION_WORDS - 1
    take_left = min(len(left), max(keep // 2, keep - len(right)))
    take_right = max(0, keep - take_left)
    words = [*left[len(left) - take_left :], question_word(sentence[start:end])]
    words += right[:take_right]
    return " ".join(words).rstrip(" .,;:!?") + "?"


def terms(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each term in ``text``; a capitalised word that opens a sentence
    or is a function word ("The", "In") is not taken for one."""
    out = []
    for m in _TERM.finditer(text):
        start, end = m.span()
        before = text[:start].rstrip()
        if text[start].isupper() and (not before or before[-1] in '.!?"“'):
            # "Levels of IL-6 rose", "In Kiel": the opening word goes, the name after it stays
            head = _OPENING_OF.match(text, start, end)
            word = _OPENING_WORD.match(text, start, end)
            if head:
                start = head.end()
            elif word and word.group(1).casefold() in FUNCTION_WORDS:
                start = word.end()
            else:
                continue
        word = text[start:end]
        if word.casefold() not in FUNCTION_WORDS and len(word) >= 2:
            out.append((start, end))
    return out


def _mention(paragraph: str, term: str) -> re.Match | None:
    """The first place ``paragraph`` names ``term`` as a whole word."""
    return re.search(r"(?<![\w'’-])" + re.escape(term) + r"(?![\w'’-])", paragraph)


def _candidates(doc: Document, common: set[str]) -> list[tuple[int, str, int, int]]:
    """(paragraph, sentence, term start, term end) for each term of each sentence of ``doc``
    that is named somewhere else in it too, leaving out the ``common`` terms."""
    out = []
    for p, text in enumerate(doc.paragraphs):
        for s, e in split_sentences(text):
            sentence = text[s:e]
            rest = text[:s] + " " + text[e:]
            others = [q for i, q in enumerate(doc.paragraphs) if i != p] + [rest]
            for a, b in terms(sentence):
                term = sentence[a:b]
                if term not in common and any(_mention(q, term) for q in others):
                    out.append((p, sentence, a, b))
    return out


def cloze_examples(
    documents: Sequence[Document],
    count: int,
    rng: random.Random,
    unanswerable: float = 0.25,
    too_common: float = 0.05,
) -> list[SquadExample]:
    """About ``count`` blanked-span questions from ``documents``, each read with another
    passage of its document that names the blanked term (its first mention there is the
    answer), or, for about ``unanswerable`` of them where the document allows, with a
    paragraph that never names it. Terms named in more than ``too_common`` of the
    documents ("United States", "2010") are left out: they say little."""
    by_doc = Counter(t for d in documents for t in {w for p in d.paragraphs for w in _words(p)})
    limit = max(2, int(too_common * len(documents)))
    common = {t for t, n in by_doc.items() if n > limit}
    pool = [(d, c) for d in documents for c in _candidates(d, common)]
    rng.shuffle(pool)
    out: list[SquadExample] = []
    for doc, (p, sentence, a, b) in pool[:count]:
        term = sentence[a:b]
        question = blank(sentence, a, b)
        qid = f"cloze-{len(out)}"
        lacking = [q for q in doc.paragraphs if not _mention(q, term)]
        if lacking and rng.random() < unanswerable:
            out.append(SquadExample(doc.name, qid, question, rng.choice(lacking), ()))
            continue
        text = doc.paragraphs[p]
        passages = [q for i, q in enumerate(doc.paragraphs) if i != p and _mention(q, term)]
        if not passages:  # named again only in its own paragraph: read that without it
            passages = [text.replace(sentence, " ", 1).strip()]
        passage = rng.choice(passages)
        start = _mention(passage, term).start()
        out.append(SquadExample(doc.name, qid, question, passage, (term,), start))
    return out


def _words(text: str) -> set[str]:
    return {text[a:b] for a, b in terms(text)}
