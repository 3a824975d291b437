import pytest

from evqa.answer.qtype import answer_kind, expected_unit, kind_fit, unit_fit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the Normans conquer England?", "date"),
        ("In what year was the company founded?", "date"),
        ("How many trains did Lower Saxony order?", "number"),
        ("What percentage of voters agreed?", "number"),
        ("Who founded the company?", "person"),
        ("Where is the wind farm?", "place"),
        ("What is the name of the boat?", None),
    ],
)
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind


def test_kind_fit_by_label_by_shape_and_unknown():
    assert kind_fit("number", "fourteen", ()) == 1.0
    assert kind_fit("number", "the trains", ()) == -1.0
    assert kind_fit("number", "a dozen", ("CARDINAL",)) == 1.0
    assert kind_fit("date", "March 2024", ()) == 1.0
    assert kind_fit("date", "the hull", ()) == -1.0
    assert kind_fit("person", "the captain", ("PERSON",)) == 1.0
    assert kind_fit("person", "the captain", ()) == -1.0
    assert kind_fit(None, "anything", ("PERSON",)) == 0.0


@pytest.mark.parametrize(
    ("question", "span", "fit"),
    [
        ("energy density of Jinshi battery", "350 Wh/kg", 1.0),
        ("energy density of Jinshi battery", "40%", -1.0),
        ("What is the price of the car?", "$700 million", 1.0),
        ("What is the price of the car?", "40%", -1.0),
        ("What percentage of sales fell?", "78.18%", 1.0),
        ("How long did the war last?", "five years", 1.0),
        ("How long did the war last?", "1912", -1.0),
        ("How fast is the boat?", "42 km/h", 1.0),
        ("How fast is the boat?", "the captain", -1.0),
        ("Who steered the boat?", "Mara Vent", 0.0),
    ],
)
def test_unit_fit(question, span, fit):
    assert unit_fit(expected_unit(question), span) == fit
