import pytest

from evqa.answer.timespan import qualified_year

WHEN = "When will it start?"


def _answer(text: str, question: str = WHEN, year: str = "2027") -> str:
    start = text.rindex(year)
    end = start + len(year)
    return text[qualified_year(text, start, end, question) : end]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Output starts in the first quarter of 2027.", "first quarter of 2027"),
        ("It closes in the second half of 2027, it said.", "second half of 2027"),
        ("The line is due by mid-2027.", "mid-2027"),
        ("The line is due in mid 2027.", "mid 2027"),
        ("Shipments begin in early 2027.", "early 2027"),
        ("Shipments begin by the end of 2027.", "end of 2027"),
        ("Trials resume in the spring of 2027.", "spring of 2027"),
        ("Trials resume in autumn 2027.", "autumn 2027"),
        ("Guidance for Q1 2027 was cut.", "Q1 2027"),
        ("The vote is on 12 March 2027.", "12 March 2027"),
        ("The vote is on March 12, 2027.", "March 12, 2027"),
        ("The vote is in Sept. 2027.", "Sept. 2027"),
    ],
)
def test_a_year_takes_the_words_that_make_it_a_time(text, answer):
    assert _answer(text) == answer


@pytest.mark.parametrize(
    "question", ["In what year will it start?", "start year of the line", "Which years?"]
)
def test_a_question_that_asks_for_a_year_gets_the_year(question):
    assert _answer("Output starts in the first quarter of 2027.", question) == "2027"


@pytest.mark.parametrize(
    "text",
    [
        "Output starts in 2027.",
        "Output starts in the first quarter\nof 2027.",  # never across a line break
        "The Diamid-2027 trial ended.",  # "mid" inside another word
        "It had 12 2027 units.",
    ],
)
def test_a_year_nothing_qualifies_stays_alone(text):
    assert _answer(text) == "2027"


def test_only_a_year_alone_is_widened():
    text = "Output starts in the first quarter of 2027 at 40 MW."
    start = text.index("2027")
    assert qualified_year(text, start, start + 10, WHEN) == start  # "2027 at 40"
    assert qualified_year(text, start, start + 2, WHEN) == start  # "20"
    at = text.index("40")
    assert qualified_year(text, at, at + 2, WHEN) == at
