import pytest

from evqa.answer.figures import figure_of, side_by_side, unit_of


def test_unit_of():
    assert unit_of("350 Wh/kg") == "wh/kg"
    assert unit_of("$700 million") == "$"
    assert unit_of("4.0 billion") == ""  # a magnitude is not a unit
    assert unit_of("435.8 million tonnes") == "tonnes"
    assert unit_of("40%") == "%"
    assert unit_of("1,000") == ""
    assert unit_of("Li Zhen") is None


def test_figures_share_a_unit_come_from_other_sentences_and_are_nearly_as_probable():
    texts = ["350 Wh/kg", "280 Wh/kg", "350 Wh/kg", "1,000 km", "160 Wh/kg", "290 Wh/kg"]
    places = [("a", 0, 5, 14), ("a", 50, 60, 69), ("b", 0, 3, 12), ("a", 90, 95, 103),
              ("c", 0, 1, 10), ("a", 0, 20, 29)]  # fmt: skip
    probs = [0.9, 0.8, 0.85, 0.88, 0.3, 0.89]
    # 280 Wh/kg: same unit, other sentence; the second 350 is the same value; km is
    # another unit; 160 Wh/kg is not probable enough; 290 is in the answer's sentence
    assert side_by_side(0, texts, places, probs, threshold=0.5) == [0, 1]


def test_a_long_span_holding_a_figure_is_not_a_figure_nor_is_an_overlapping_one():
    texts = ["350 Wh/kg", "the full pack system hits an energy density of 280 Wh/kg", "280 Wh/kg"]
    places = [("a", 0, 5, 14), ("a", 40, 45, 100), ("a", 60, 91, 100)]
    assert side_by_side(0, texts, places, [0.9, 0.8, 0.7], 0.1) == [0, 2]
    places[2] = ("a", 40, 91, 100)  # same sentence as the long one: still fine, it was skipped
    assert side_by_side(0, texts, places, [0.9, 0.8, 0.7], 0.1) == [0, 2]
    overlapping = [("a", 0, 5, 14), ("a", 60, 91, 100), ("b", 0, 93, 100)]
    assert side_by_side(0, ["350 Wh/kg", "280 Wh/kg", "280 Wh/kg"], overlapping,
                        [0.9, 0.8, 0.7], 0.1) == [0, 1]  # fmt: skip


def test_no_figures_for_a_non_numeric_answer():
    places = [("a", 0, 0, 7), ("b", 0, 0, 6)]
    assert side_by_side(0, ["Li Zhen", "Li Bin"], places, [0.9, 0.9], 0.1) == [0]


def test_figures_come_from_the_answers_article_and_need_a_unit():
    texts = ["$4.0 billion", "$1.9 billion", "$3.1 billion"]
    places = [("suez", 0, 0, 12), ("baltimore", 0, 0, 12), ("suez", 80, 90, 102)]
    assert side_by_side(0, texts, places, [0.9, 0.85, 0.8], 0.1) == [0, 2]
    unitless = ["44", "435.8", "60,000"]
    places = [("a", 0, 0, 2), ("a", 50, 50, 55), ("a", 90, 90, 96)]
    assert side_by_side(0, unitless, places, [0.9, 0.85, 0.8], 0.1) == [0]


@pytest.mark.parametrize(
    ("text", "span", "figure"),
    [
        ("It cost $161 million in all.", "$161", "$161 million"),  # not off a million-fold
        ("It cost $161 million in all.", "$161 million", "$161 million"),
        ("He gets a fee of €4.75 million from it.", "a fee of €4.75 million", "€4.75 million"),
        ("It stood at $52.3 million then.", "at $52.3 million", "$52.3 million"),
        ("That is roughly 12.7% of spending.", "roughly 12.7%", "12.7%"),
        ("Shares rose to CHF 98.50 in Zurich.", "to CHF 98.50", "CHF 98.50"),
        ("The site uses 11 million litres a day.", "11 million litres", "11 million litres"),
        ("They offered £70m for him.", "£70m", "£70m"),
        ("It missed the 5% threshold with 4.7% of votes.", "5% threshold with 4.7%", None),
        ("Polls closed on 12 May at noon.", "12 May", None),  # a date, not 12 of a unit "May"
        ("Results come on May 19, officials said.", "May 19", None),
        ("Results come on May 19, officials said.", "19", None),  # the month is beside it
        ("Its opinion is due on 20.06.2025 at the latest.", "20.06.2025", None),
        ("It was led by Mihai Petrescu.", "Mihai Petrescu", None),
        (
            "the full pack system hits an energy density of 280 Wh/kg",
            "the full pack system hits an energy density of 280 Wh/kg",
            None,
        ),  # a clause, not a figure
    ],
)
def test_figure_of_is_the_whole_value_without_leading_words_and_no_date(text, span, figure):
    start = text.index(span)
    assert figure_of(text, start, start + len(span)) == figure


def test_the_magnitude_is_not_taken_past_the_text_given():
    text = "It cost $161 million in all."
    assert figure_of(text[:12], 8, 12) == "$161"


def test_a_candidate_that_is_no_figure_is_never_side_by_side():
    texts = ["41.3%", None, "7.2%"]  # None: "5% threshold with 4.7%"
    places = [("a", 0, 0, 5), ("a", 50, 50, 72), ("a", 90, 90, 94)]
    assert side_by_side(0, texts, places, [0.9, 0.85, 0.8], 0.1) == [0, 2]
    assert side_by_side(1, texts, places, [0.9, 0.85, 0.8], 0.1) == [1]
