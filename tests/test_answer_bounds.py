import pytest
from hypothesis import given
from hypothesis import strategies as st

from evqa.answer.bounds import finished, past_preposition, qualified_year, with_unit
from evqa.types import Span

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


def _number(text: str, number: str, question: str = "How much is it?") -> str:
    start = text.index(number)
    return text[start : with_unit(text, start, start + len(number), question)]


@pytest.mark.parametrize(
    ("text", "number", "answer"),
    [
        ("It makes 45,000 tonnes a year.", "45,000", "45,000 tonnes"),
        ("A swap costs 13,500 rupiah.", "13,500", "13,500 rupiah"),
        ("It raised $161 million in May.", "$161", "$161 million"),
        ("It raised $161 million in May.", "$161 million", "$161 million"),
        ("It will cost NOK 2.9 billion.", "NOK 2.9", "NOK 2.9 billion"),
        ("Sales rose 25 per cent.", "25", "25 per cent"),
        ("Sales rose 5 % today.", "5", "5 %"),
        ("Cells reach 350 Wh/kg.", "350", "350 Wh/kg"),
        ("Cells reach 350 WH/KG.", "350", "350 WH/KG"),
        ("Output is 1.5 GWh per year.", "1.5", "1.5 GWh"),
    ],
)
def test_a_number_takes_its_magnitude_and_unit(text, number, answer):
    assert _number(text, number) == answer


@pytest.mark.parametrize(
    ("text", "number", "question"),
    [
        ("It makes 45,000 tonnes a year.", "45,000", "How many tonnes a year?"),
        ("It makes 45,000 tonnes a year.", "45,000", "How many tons a year?"),
        ("Sales rose 25 per cent.", "25", "What percentage did sales rise?"),
        ("It cost 2.9 billion in all.", "2.9", "How many billions did it cost?"),
    ],
)
def test_a_number_leaves_what_the_question_names(text, number, question):
    assert _number(text, number, question) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("It has 400 employees.", "400"),  # not a unit
        ("The team 3 won prizes.", "3"),  # a unit's name that is also a word
        ("It makes 45,000\ntonnes a year.", "45,000"),  # never across a line break
        ("Phase 2 tonnes", "Phase 2"),  # not a number alone
        ("and 45 tonnes", "and 45"),  # three letters before it are a currency code only in capitals
    ],
)
def test_a_number_without_a_unit_after_it_stays_alone(text, number):
    assert _number(text, number) == number


@pytest.mark.parametrize(
    ("span", "answer"),
    [
        ("at $620 million", "$620 million"),
        ("from 1 November", "1 November"),
        ("In 2014", "2014"),
        ("at A$14.2 billion", "A$14.2 billion"),
        ("from 2024 to 2026", "from 2024 to 2026"),  # a range keeps it
        ("from 1915 until 1918", "from 1915 until 1918"),
        ("at Ferrox", "at Ferrox"),  # not before a number
        ("in-house 40", "in-house 40"),
        # a date written with words
        ("in the first quarter of 2027", "the first quarter of 2027"),
        ("in March 1974", "March 1974"),
        ("on May 3", "May 3"),
        ("by mid-2027", "mid-2027"),  # a hyphen is no range
        ("from 2024-26", "from 2024-26"),  # a dash between numbers is
        ("from March 2024 to May 2025", "from March 2024 to May 2025"),
        ("in the middle of the night", "in the middle of the night"),  # no day, month, year
        ("in early talks", "in early talks"),
        ("in mayhem in 2020", "in mayhem in 2020"),  # "may" of another word
    ],
)
def test_a_number_loses_the_preposition_before_it(span, answer):
    text = f"It was {span} then."
    start = text.index(span)
    assert text[past_preposition(text, start, start + len(span)) : start + len(span)] == answer


def test_finished_does_all_three_and_leaves_other_answers_alone():
    text = "Line two opens in mid-2027 with 8 GWh, said Mara Vent, at 40 MW."
    year, gwh, name, mw = (text.index(w) for w in ("2027", "8 ", "Mara", "at 40"))
    assert finished(text, year, year + 4, "When?") == (text.index("mid"), year + 4)
    assert finished(text, gwh, gwh + 1, "How big?") == (gwh, gwh + 5)
    assert finished(text, name, name + 9, "Who said so?") == (name, name + 9)
    assert finished(text, mw, mw + 5, "What power?") == (mw + 3, mw + 8)


def _name(text: str, name: str, label: str = "PERSON") -> Span:
    start = text.index(name)
    return Span(start, start + len(name), label, name)


@pytest.mark.parametrize(
    ("text", "answer", "name", "label", "finished_answer"),
    [
        ("The chief executive, Mathilde Royer, said so.", "Royer", "Mathilde Royer", "PERSON",
         "Mathilde Royer"),
        ("Cranes come from Hallberg Cranes of Sweden.", "Hallberg", "Hallberg Cranes", "ORG",
         "Hallberg Cranes"),
        ("A pilot in Ho Chi Minh City starts soon.", "Ho Chi Minh", "Ho Chi Minh City", "GPE",
         "Ho Chi Minh City"),
        ("Packs came from Ferrox Storage Inc., a start-up.", "Ferrox", "Ferrox Storage Inc",
         "ORG", "Ferrox Storage Inc."),  # the abbreviation's full stop comes with it
        ("It backs Kesterra Pharmaceuticals' pill.", "Kesterra", "Kesterra Pharmaceuticals'",
         "ORG", "Kesterra Pharmaceuticals"),  # a possessive's apostrophe does not
        # what it leaves alone: a name the answer does not cut, a date, a long "name", a
        # name on another line
        ("Mathilde Royer said so.", "Mathilde Royer", "Mathilde Royer", "PERSON",
         "Mathilde Royer"),
        ("It opens on 3 May 2026 in Lyon.", "May 2026", "3 May 2026", "DATE", "May 2026"),
        ("The Bank of the Republic of Far Away Lands said so.", "Far Away Lands",
         "Bank of the Republic of Far Away Lands", "ORG", "Far Away Lands"),
        ("Sales rose at Valeri\nMotors said.", "Valeri", "Valeri\nMotors", "ORG", "Valeri"),
        ("It supplies Tesla’s EV plant.", "Tesla", "Tesla’s EV", "ORG", "Tesla"),  # possessive
        ("Rivals CATL and BYD Co Ltd BYDDY agreed.", "CATL and BYD", "BYD Co Ltd BYDDY", "ORG",
         "CATL and BYD"),  # three more words
        ("near the Battle of Kalka River site", "Kalka River", "Battle of Kalka River", "EVENT",
         "Kalka River"),  # not a name's label
        ("at the Battle of Kalka River", "Kalka River", "Battle of Kalka River", "LOC",
         "Kalka River"),  # a word in lower case
        ("in Liupanshan (Qingshui County) then", "Liupanshan", "Liupanshan (Qingshui County",
         "GPE", "Liupanshan"),  # a bracket
    ],
)  # fmt: skip
def test_an_answer_that_cuts_a_name_takes_the_rest_of_it(
    text, answer, name, label, finished_answer
):
    start = text.index(answer)
    a, b = finished(text, start, start + len(answer), "Who?", [_name(text, name, label)])
    assert text[a:b] == finished_answer


@pytest.mark.parametrize(
    ("text", "answer", "person", "finished_answer"),
    [
        ("Sales director Mei Ling Chow said so.", "Sales director Mei Ling Chow", "Mei Ling Chow",
         "Mei Ling Chow"),
        ("He told chief executive Rachel Denholm.", "chief executive Rachel Denholm",
         "Rachel Denholm", "Rachel Denholm"),
        ("It hired co-founder Ana Ruiz in May.", "co-founder Ana Ruiz", "Ana Ruiz", "Ana Ruiz"),
        # what it leaves alone: a function word, an honorific, a title in capitals, an answer
        # that does not end on the person, a person the index did not find
        ("Jim Nantz and Phil Simms called it.", "Jim Nantz and Phil Simms", "Phil Simms",
         "Jim Nantz and Phil Simms"),
        ("It was built by Sir Christopher Wren.", "Sir Christopher Wren", "Christopher Wren",
         "Sir Christopher Wren"),
        ("Chief Executive Rachel Denholm said so.", "Chief Executive Rachel Denholm",
         "Rachel Denholm", "Chief Executive Rachel Denholm"),
        ("said chief executive Rachel Denholm's aide", "chief executive Rachel Denholm's aide",
         "Rachel Denholm", "chief executive Rachel Denholm's aide"),
        ("Rulers were proud descendants of Genghis Khan and particularly Timur.",
         "proud descendants of Genghis Khan and particularly Timur", "Timur",
         "proud descendants of Genghis Khan and particularly Timur"),  # no title: a clause
    ],
)  # fmt: skip
def test_an_answer_ending_on_a_person_drops_a_title_in_lower_case(
    text, answer, person, finished_answer
):
    start = text.index(answer)
    a, b = finished(text, start, start + len(answer), "Who?", [_name(text, person)])
    assert text[a:b] == finished_answer
    assert finished(text, start, start + len(answer), "Who?") == (start, start + len(answer))


_WORDS = st.sampled_from(
    "in at the of by first quarter 2027 March $620 million tonnes chief executive Mathilde "
    "Royer Hallberg Cranes and , . ( ) 's mid-2027 GWh said \n".split(" ")
)


@given(st.lists(_WORDS, min_size=1, max_size=30), st.data())
def test_finished_bounds_stay_in_the_text_and_hold_a_non_empty_answer(words, data):
    text = " ".join(words)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    names = [
        Span(a, b, data.draw(st.sampled_from(["PERSON", "ORG", "DATE"])), text[a:b])
        for a, b in data.draw(
            st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=3)
        )
        if a < b
    ]
    a, b = finished(text, start, end, "When?", names)
    assert 0 <= a < b <= len(text)
