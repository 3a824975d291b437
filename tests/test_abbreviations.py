import pytest

from evqa.abbreviations import TITLES, spelled_out


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("Voltreach CFO", "Voltreach chief financial officer"),
        ("Who is the CEO of Nio?", "Who is the chief executive of Nio?"),
        ("Frostline's COO?", "Frostline's chief operating officer?"),
        ("How much were the CEOs paid?", "How much were the chief executives paid?"),
        ("the CTO's plan", "the chief technology officer's plan"),
        ("Acme SVP and VP of sales", "Acme senior vice president and vice president of sales"),
    ],
)
def test_titles_are_written_out_as_articles_write_them(question, read):
    assert spelled_out(question) == read


@pytest.mark.parametrize(
    "question",
    [
        "Who is the Ceo of Nio?",  # not the abbreviation's case
        "CEOX shares",  # a longer word
        "XCEO shares",
        "VPN users",
        "R&D-CEO",  # part of a hyphenated or ampersand name
        "What did GM announce?",  # GM also names a carmaker: not in the list
        "ceo pay",
    ],
)
def test_other_words_are_left_alone(question):
    assert spelled_out(question) is question


def test_every_title_is_upper_case_and_spelled_out_in_lower_case():
    for short, long in TITLES.items():
        assert short.isupper() and long.islower() and len(long.split()) >= 2
