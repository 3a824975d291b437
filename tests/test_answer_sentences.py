import pytest

from evqa.answer.sentences import sentence_of


@pytest.mark.parametrize(
    ("start", "end", "bounds"),
    [(3, 5, (0, 10)), (12, 14, (11, 20)), (8, 13, (0, 20)), (10, 11, (10, 11))],
)
def test_sentence_of(start, end, bounds):
    assert sentence_of([(0, 10), (11, 20)], start, end) == bounds
