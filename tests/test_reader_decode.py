from dataclasses import dataclass

import numpy as np
import pytest

from evqa.reader.decode import best_spans, whole_words, window_spans

OFFS = ((-1, -1), (-1, -1), (0, 3), (4, 9), (10, 15), (-1, -1))  # [CLS] q [SEP] a b c [SEP]
TEXT = "The quick brown"


@dataclass
class W:
    offsets: tuple


def test_window_spans_stay_in_the_passage_and_in_order():
    start = np.array([9.0, 8.0, 1.0, 3.0, 0.0, 7.0])
    end = np.array([9.0, 8.0, 0.0, 1.0, 2.0, 7.0])
    spans = window_spans(OFFS, start, end)
    assert spans and all(2 <= i <= j <= 4 for i, j, _ in spans)
    best = max(spans, key=lambda s: s[2])
    assert best[:2] == (3, 4) and best[2] == 5.0


def test_max_answer_length():
    start = np.array([0, 0, 5.0, 0, 0, 0])
    end = np.array([0, 0, 0, 0, 5.0, 0])
    assert all(j - i < 2 for i, j, _ in window_spans(OFFS, start, end, max_tokens=2))


def test_best_spans_merge_windows_keep_the_better_score_and_record_null():
    s1, e1 = np.array([2.0, 0, 0, 4.0, 0, 0]), np.array([1.0, 0, 0, 0, 3.0, 0])
    s2, e2 = np.array([0.0, 0, 0, 6.0, 0, 0]), np.array([0.5, 0, 0, 0, 3.0, 0])
    spans = best_spans([(W(OFFS), s1, e1), (W(OFFS), s2, e2)], TEXT, top=3)
    assert spans[0].text == "quick brown" and spans[0].score == 9.0
    assert spans[0].null == 0.5  # the null score of the window the span scored best in
    assert len(spans) == 3 and len({(g.start, g.end) for g in spans}) == 3
    assert [g.score for g in spans] == sorted((g.score for g in spans), reverse=True)


def test_a_span_ending_or_starting_on_a_word_piece_takes_the_whole_word():
    text = "It costs $40 per kWh today."
    offs = ((-1, -1), (10, 12), (13, 16), (17, 19), (19, 20), (-1, -1))  # 40 per kw ##h
    start = np.array([0, 5.0, 0, 0, 0, 0])
    end = np.array([0, 0, 0, 5.0, 0, 0])  # ends on "kw"
    assert best_spans([(W(offs), start, end)], text, top=1)[0].text == "$40 per kWh"
    start = np.array([0, 0, 0, 0, 5.0, 0])
    end = np.array([0, 0, 0, 0, 5.0, 0])  # starts and ends on "##h"
    assert best_spans([(W(offs), start, end)], text, top=1)[0].text == "kWh"


@pytest.mark.parametrize(
    ("span", "whole"),
    [((10, 11), "$40"), ((17, 19), "kWh"), ((0, 1), "It"), ((22, 26), "today"), ((26, 27), ".")],
)
def test_whole_words_keeps_word_edges_and_text_edges(span, whole):
    text = "It costs $40 per kWh today."
    a, b = whole_words(text, *span)
    assert text[a:b] == whole


@pytest.mark.parametrize(
    ("span", "whole"),
    [
        ((10, 22), "A$1.1 billion"),  # "$1.1 billion"
        ((32, 44), "US$720 million"),  # "$720 million"
        ((51, 54), "$40"),  # a spaced currency symbol stays as it is
    ],
)
def test_whole_words_keeps_a_prefixed_currency_whole(span, whole):
    text = "It costs A$1.1 billion (about US$720 million), not $40."
    a, b = whole_words(text, *span)
    assert text[a:b] == whole


def test_whole_words_does_not_widen_across_unspaced_scripts():
    text = "电池能量密度为350Wh"
    assert whole_words(text, 2, 4) == (2, 4)


@pytest.mark.parametrize(
    ("span", "whole"),
    [
        ((3, 6), "13,213"),
        ((0, 2), "13,213"),
        ((16, 17), "2.5"),
        ((14, 15), "2.5"),
        ((7, 12), "ships"),
    ],
)
def test_whole_words_takes_the_whole_number(span, whole):
    text = "13,213 ships, 2.5 m."
    a, b = whole_words(text, *span)
    assert text[a:b] == whole


@pytest.mark.parametrize(
    ("span", "whole"),
    [
        ((12, 23), "2024/25: 455,000"),  # "25: 455,000" was an answer
        ((28, 30), "12/05/2024"),
        ((44, 45), "3/4"),
        ((49, 52), "and"),  # words: the slash parts them
    ],
)
def test_a_season_fraction_or_numeric_date_is_one_number(span, whole):
    text = "Jaén — 2024/25: 455,000; 12/05/2024, rose 3/4 of and/or"
    a, b = whole_words(text, *span)
    assert text[a:b] == whole


@pytest.mark.parametrize(
    ("span", "whole"),
    [
        ((34, 46), "$52.3 million"),  # "52.3 million" of "$52.3 million"
        ((49, 53), "€4.75"),
        ((59, 61), "27%"),
        ((64, 65), "3‰"),
        ((12, 15), "US$720"),  # the symbol, then the letters glued to it
        ((25, 27), "40"),  # a spaced symbol stays outside, as before
        ((59, 63), "27%,"),  # a span past the sign is not widened further
    ],
)
def test_a_number_takes_its_currency_symbol_and_percent_sign(span, whole):
    text = "It costs US$720 (about $ 40), or $52.3 million; €4.75 fee, 27%, 3‰ drop."
    a, b = whole_words(text, *span)
    assert text[a:b] == whole


def test_no_span_crosses_a_paragraph_break():
    text = "rose 5 points.\n\nShares rose 2.1% today"
    offs = ((-1, -1), (0, 4), (5, 6), (7, 13), (13, 14), (16, 22), (23, 27), (28, 31), (-1, -1))
    start = np.array([0, 0, 6.0, 0, 0, 0, 0, 0, 0])  # starts on "5"
    end = np.array([0, 0, 1.0, 0, 0, 0, 0, 6.0, 0])  # ends best on "2.1", past the blank line
    spans = best_spans([(W(offs), start, end)], text, top=5)
    assert spans[0].text == "5" and all("\n\n" not in g.text for g in spans)
    # a single newline inside a sentence (a wrapped line) is no break; a blank line of
    # spaces is, and so is a newline after a sentence's end (a table row's, a page's
    # paragraph's: "€0.09.⏎Idle fee after 15 minutes" was an answer)
    wrapped = text.replace(".\n\n", ", \n")
    assert best_spans([(W(offs), start, end)], wrapped, top=1)[0].text.endswith("rose 2.1%")
    spaced = text.replace("\n\n", "\n \n")
    assert best_spans([(W(offs), start, end)], spaced, top=1)[0].text == "5"
    for ended in (".\n ", ". \n", "!”\n"):
        lines = text.replace(".\n\n", ended)
        assert best_spans([(W(offs), start, end)], lines, top=1)[0].text == "5", ended


def _word_window(text: str, start_word: str, end_word: str):
    """A window over ``text``'s words ([CLS] first, [SEP] last), its start logit high on
    ``start_word`` and its end logit high on ``end_word`` (and a little on words ending a
    sentence, so that the best span that stays in one sentence is one)."""
    import re

    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    offs = ((-1, -1), *words, (-1, -1))
    start, end = np.zeros(len(offs)), np.zeros(len(offs))
    for k, (a, b) in enumerate(offs):
        start[k] += 6.0 if text[a:b] == start_word else 0.0
        end[k] += 6.0 if text[a:b] == end_word else 1.0 if text[b - 1 : b] in ".!" else 0.0
    return [(W(offs), start, end)]


@pytest.mark.parametrize(
    ("text", "first", "last", "best"),
    [
        # the best pair runs from one sentence into the next: no span
        ("Orders came in March 2026. Deliveries run from 2027 to 2028.", "March", "2027",
         "March 2026."),
        ("It rose 5%! Shares hit 2.1 today", "5%!", "2.1", "5%!"),
        # an abbreviation's full stop ends no sentence; a wrapped line is no new sentence
        ("The study was led by Dr. Sun Yiqing of Fudan.", "Dr.", "Yiqing", "Dr. Sun Yiqing"),
        ("said the chief executive\nMaria Lopez on Monday", "executive", "Lopez",
         "executive\nMaria Lopez"),
    ],
)  # fmt: skip
def test_no_span_runs_from_a_sentence_s_end_into_the_next(text, first, last, best):
    assert best_spans(_word_window(text, first, last), text, top=1)[0].text == best


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("It holds 13,213 kWh.", 12, 18), ("A$1.1 billion", 1, 5), ("up 27% on 2024/25", 4, 16)],
)
def test_a_span_s_edges_widen_independently(text, start, end):
    """best_spans widens each token edge once and reuses it across pairs: that is only
    right because the start's widening never depends on the end, nor the end's on the
    start."""
    from evqa.reader.decode import word_end, word_start

    assert whole_words(text, start, end) == (word_start(text, start), word_end(text, end))
    for other in range(len(text) + 1):
        if other > start:
            assert whole_words(text, start, other)[0] == word_start(text, start)
        if other < end:
            assert whole_words(text, other, end)[1] == word_end(text, end)


def test_passage_starts_are_sentence_starts_from_the_articles_sentences():
    from evqa.chunking import split_sentences
    from evqa.reader.decode import passage_starts, sentence_starts

    article = (
        "Intro line without a stop\nVoltreach builds cells. Deliveries start in March 2026. "
        "It said so! The end"
    )
    sentences = split_sentences(article)
    offset = article.index("Voltreach")
    passage = article[offset:]
    # the same starts as the passage split on its own, in passage offsets
    assert passage_starts(passage, offset, sentences) == sentence_starts(passage)
    assert [passage[a : a + 5] for a in sentence_starts(passage)] == ["Deliv", "It sa", "The e"]
    # a passage that starts inside a sentence: the sentence it starts in ends inside it
    mid = article.index("cells")
    assert passage_starts(article[mid:], mid, sentences) == sentence_starts(article[mid:])
    # no stop before a start (the heading line) is no cut; nor is a sentence past the end
    head = article[: article.index(" Deliveries")]
    assert passage_starts(head, 0, sentences) == []
    assert passage_starts("", 0, sentences) == [] and passage_starts(passage, offset, []) == []


def test_known_sentence_starts_are_used_instead_of_splitting():
    text = "rose 5 points and Shares rose 2.1% today"
    offs = ((-1, -1), (0, 4), (5, 6), (7, 13), (14, 17), (18, 24), (25, 29), (30, 33), (-1, -1))
    start = np.array([0, 0, 6.0, 0, 0, 0, 0, 0, 0])  # "5"
    end = np.array([0, 0, 1.0, 0, 0, 0, 0, 6.0, 0])  # "2.1"
    scored = [(W(offs), start, end)]
    assert best_spans(scored, text, top=1)[0].text == "5 points and Shares rose 2.1%"
    assert best_spans(scored, text, top=1, cuts=[18])[0].text == "5"  # a start at "Shares"
