"""The answer: the reader's best span over the retrieved passages, or an abstention."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace

import numpy as np

from evqa import config
from evqa.abbreviations import spelled_out
from evqa.answer.bounds import finished
from evqa.answer.calibration import Calibration
from evqa.answer.candidates import Candidate, SpanReader, read_candidates
from evqa.answer.citations import cite
from evqa.answer.features import feature_matrix
from evqa.answer.figures import figure_of, side_by_side
from evqa.answer.names import Vocabulary, unknown_names, unknown_reason
from evqa.answer.roles import role_question
from evqa.answer.sentences import answer_sentence
from evqa.answer.topic import OFF_TOPIC, off_topic
from evqa.answer.verifier import Verifier, verify
from evqa.types import Answer, Article, BestGuess, Citation, Figure, Hit, Span

READ_PASSAGES = config.DEFAULTS["reader_passages"]  # the reader reads this many top hits


def top_candidates(
    reader: SpanReader,
    question: str,
    hits: Sequence[Hit],
    articles: Mapping[str, Article],
    passages: int = READ_PASSAGES,
    sentences: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> list[Candidate]:
    """The reader's candidates in the top ``passages`` hits of known articles (each chunk
    read as it is: widening it to its paragraph measured worse, see README); no span
    crosses one of the index's ``sentences``."""
    kept = [h for h in hits[:passages] if h.doc_id in articles]
    return read_candidates(reader, question, kept, sentences=sentences)


def candidates_and_features(
    reader: SpanReader,
    question: str,
    hits: Sequence[Hit],
    articles: Mapping[str, Article],
    spans: Mapping[str, Sequence[Span]],
    passages: int = READ_PASSAGES,
    sentences: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> tuple[list[Candidate], np.ndarray]:
    """``top_candidates`` and their feature rows."""
    candidates = top_candidates(reader, question, hits, articles, passages, sentences)
    return candidates, feature_matrix(question, candidates, spans)


def extract_answer(
    question: str,
    hits: Sequence[Hit],
    articles: Mapping[str, Article],
    spans: Mapping[str, Sequence[Span]],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
    *,
    reader: SpanReader,
    calibration: Calibration,
    verifier: Verifier | None = None,
    threshold: float | None = None,
    passages: int = READ_PASSAGES,
    closeness: bool = True,
    vocabulary: Vocabulary | None = None,
) -> Answer:
    """The most probable span, with its sentence and verified citations; or an abstention
    (``answer=None``, the passages kept as related reading, the span as ``best_guess``)
    when its probability of being right is below ``threshold`` (default: the calibrated
    one). A calibration fitted with the answer verifier needs the ``verifier``.

    A question that even the closest passage read is far from (``evqa.answer.topic``) is
    not read: an abstention with the reason. ``closeness=False`` skips that check, for
    hits scored by an embedding model other than the bundled one. Nor is one that names
    something the index's ``vocabulary`` has never seen (``evqa.answer.names``). The
    question is read as ``reading`` writes it; the Answer keeps it as asked."""
    hits = tuple(hits)
    threshold = calibration.threshold if threshold is None else threshold
    texts = _article_texts(hits, articles)
    if vocabulary is not None and (names := unknown_names(question, vocabulary, texts)):
        return Answer(question, None, None, 0.0, True, passages=hits, reason=unknown_reason(names))
    read = reading(question)
    if closeness and off_topic(read, hits[:passages], calibration.min_closeness):
        return Answer(question, None, None, 0.0, True, passages=hits, reason=OFF_TOPIC)
    candidates, x = candidates_and_features(
        reader, read, hits, articles, spans, passages, sentences
    )
    if not candidates:
        return Answer(question, None, None, 0.0, True, passages=hits)
    best, _, probs = calibration.choose(
        x, _verifying(verifier, read, candidates, articles, sentences)
    )
    if probs[best] < threshold:
        guess = None
        if not _echoes(candidates[best].text, read):
            guess = best_guess(candidates[best], hits, articles)
        return Answer(
            question, None, None, float(probs[best]), True, passages=hits, best_guess=guess
        )
    doc = candidates[best].doc_id
    candidates[best] = _finished(candidates[best], articles[doc], read, spans.get(doc, ()))
    return _cited_answer(question, hits, articles, sentences, candidates, best, probs, threshold)


def reading(question: str) -> str:
    """The question as it is read (passages read, the answer judged; its names are checked
    as asked, where a capitalised first word is no name: "Plant manager"): its
    abbreviated job titles written out ("Voltreach CFO" -> "Voltreach chief financial
    officer", ``evqa.abbreviations``) and a keyword query about a role asked as a question
    ("Who is Voltreach chief financial officer?", ``evqa.answer.roles``)."""
    return role_question(spelled_out(question))


def _article_texts(hits: Sequence[Hit], articles: Mapping[str, Article]) -> Iterator[str]:
    """The title and text of each article the ``hits`` are from (read as iterated)."""
    for doc_id in dict.fromkeys(h.chunk.doc_id for h in hits):
        article = articles[doc_id]
        yield f"{article.title or ''}\n{article.text}"


def _finished(c: Candidate, article: Article, question: str, spans: Sequence[Span]) -> Candidate:
    """The answer ``c`` with the words that make its year a time ("first quarter of 2027")
    and its number's magnitude and unit ("45,000 tonnes"), unless the question asks for
    them, without a preposition before its number, and with the whole of a name it cuts
    (``spans``: the article's typed spans; ``evqa.answer.bounds``)."""
    start, end = finished(article.text, c.start, c.end, question, spans)
    if (start, end) == (c.start, c.end):
        return c
    return replace(c, start=start, end=end, text=article.text[start:end])


def _verifying(
    verifier: Verifier | None,
    question: str,
    candidates: Sequence[Candidate],
    articles: Mapping[str, Article],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
) -> Callable[[np.ndarray], np.ndarray] | None:
    """What the calibration calls for the verifier's scores of some candidates."""
    if verifier is None:
        return None
    return lambda idx: verify(verifier, question, [candidates[i] for i in idx], articles, sentences)


def _echoes(span: str, question: str) -> bool:
    """True if every word of ``span`` is one of the question's own words ("capital" for
    "What is the capital of Australia?"): no guess at the answer."""
    words = set(_WORD.findall(span.casefold()))
    return words <= set(_WORD.findall(question.casefold()))


_WORD = re.compile(r"\w+")


def best_guess(c: Candidate, hits: Sequence[Hit], articles: Mapping[str, Article]) -> BestGuess:
    """The span ``c`` as a hint beside an abstention, with its article's title (as its
    passages show it)."""
    hit = next((h for h in hits if h.doc_id == c.doc_id), None)
    if hit is not None:
        return BestGuess(c.text, c.doc_id, hit.title, hit.title_derived)
    return BestGuess(c.text, c.doc_id, articles[c.doc_id].title)


def _cited_answer(
    question: str,
    hits: tuple[Hit, ...],
    articles: Mapping[str, Article],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
    candidates: Sequence[Candidate],
    best: int,
    probs: np.ndarray,
    threshold: float,
) -> Answer:
    """The answer ``candidates[best]`` in its sentence, cited, with the figures the
    other passages give beside it."""
    bounds = [
        answer_sentence(articles[c.doc_id].text, sentences.get(c.doc_id, ()), c.start, c.end)
        for c in candidates
    ]
    figures = [
        figure_of(articles[c.doc_id].text[: b[1]], c.start, c.end)
        for c, b in zip(candidates, bounds, strict=True)
    ]
    picked = side_by_side(
        best,
        figures,
        [(c.doc_id, b[0], c.start, c.end) for c, b in zip(candidates, bounds, strict=True)],
        probs,
        threshold,
    )
    citations = tuple(
        cite(n, articles[candidates[i].doc_id], *bounds[i], hits)
        for n, i in enumerate(picked, start=1)
    )
    c, (sent_start, _) = candidates[best], bounds[best]
    return Answer(
        question,
        c.text,
        citations[0].quote,
        float(probs[best]),
        False,
        citations=citations,
        passages=hits,
        figures=_figures(figures, picked, citations),
        answer_start=c.start - sent_start,
        answer_end=c.end - sent_start,
    )


def _figures(
    figures: Sequence[str | None], picked: Sequence[int], citations: Sequence[Citation]
) -> tuple[Figure, ...]:
    """The picked figures side by side (as ``figure_of`` writes them: no words before the
    number, no magnitude cut off), each with its citation; none when the answer stands
    alone."""
    if len(picked) < 2:
        return ()
    return tuple(
        Figure(str(figures[i]), cit.quote, cit.n) for i, cit in zip(picked, citations, strict=True)
    )
