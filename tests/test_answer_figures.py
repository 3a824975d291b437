from evqa.answer.figures import side_by_side, unit_of


def test_unit_of():
    assert unit_of("350 Wh/kg") == "wh/kg"
    assert unit_of("$700 million") == "million"
    assert unit_of("40%") == "%"
    assert unit_of("1,000") == ""
    assert unit_of("Li Zhen") is None


def test_figures_share_a_unit_come_from_other_sentences_and_are_nearly_as_probable():
    texts = ["350 Wh/kg", "280 Wh/kg", "350 Wh/kg", "1,000 km", "160 Wh/kg"]
    sents = [("a", 0), ("a", 50), ("b", 0), ("a", 90), ("c", 0)]
    probs = [0.9, 0.8, 0.85, 0.88, 0.4]
    # 280 Wh/kg: same unit, other sentence; the second 350 is the same value; km is
    # another unit; 160 Wh/kg is not probable enough
    assert side_by_side(0, texts, sents, probs, threshold=0.5) == [0, 1]


def test_no_figures_for_a_non_numeric_answer():
    assert side_by_side(0, ["Li Zhen", "Li Bin"], [("a", 0), ("b", 0)], [0.9, 0.9], 0.1) == [0]
