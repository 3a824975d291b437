import pytest
from hypothesis import given
from hypothesis import strategies as st

from evqa.answer.sentences import LIMIT, answer_sentence, clip, sentence_of


@pytest.mark.parametrize(
    ("start", "end", "bounds"),
    [(3, 5, (0, 10)), (12, 14, (11, 20)), (8, 13, (0, 20)), (10, 11, (10, 11))],
)
def test_sentence_of(start, end, bounds):
    assert sentence_of([(0, 10), (11, 20)], start, end) == bounds


def test_a_short_sentence_is_kept_whole():
    text = "The Helios boat reached 42 km/h. It won."
    assert answer_sentence(text, [(0, 32), (33, 40)], 24, 31) == (0, 32)


def _run_on(words: int) -> str:
    """Text without sentence punctuation: one "sentence" of ``words`` words."""
    return " ".join(f"word{i}" for i in range(words))


def test_a_run_on_sentence_is_cut_to_words_around_the_span():
    text = _run_on(2000) + " with 77 turbines"
    start = text.index("77 turbines")
    a, b = answer_sentence(text, [(0, len(text))], start, start + 11)
    assert b - a <= LIMIT and a <= start and b == len(text)  # the span ends the text
    assert text[a - 1] == " " and text[a:].startswith("word")  # starts on a whole word
    middle = text.index("word1000 ")
    a, b = answer_sentence(text, [(0, len(text))], middle, middle + 8)
    assert b - a <= LIMIT and text[a - 1] == " " and text[b] == " "
    assert a < middle - LIMIT // 3 and b > middle + LIMIT // 3  # the span in the middle


def test_a_span_longer_than_the_limit_is_its_own_sentence():
    text = _run_on(50)
    assert answer_sentence(text, [(0, len(text))], 5, 300, limit=100) == (5, 300)


@given(
    st.integers(20, 400),  # words
    st.integers(0, 10_000),
    st.integers(1, 60),
    st.integers(20, 300),
)
def test_the_window_holds_the_span_inside_the_sentence(words, at, length, limit):
    text = _run_on(words)
    start = at % (len(text) - 1)
    end = min(len(text), start + length)
    a, b = clip(text, 0, len(text), start, end, limit)
    assert 0 <= a <= start and end <= b <= len(text)
    assert b - a <= max(limit, end - start)
