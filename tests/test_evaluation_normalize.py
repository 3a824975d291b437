"""evqa.evaluation.normalize: evqa's answer normalisation."""

from __future__ import annotations

import pytest

from evqa.evaluation.normalize import normalize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Gotion HIGH-TECH", "gotion high-tech"),  # casefold
        ("STRASSE", "straße"),  # casefold, not lower
        ("ｆｕｌｌ ｗｉｄｔｈ", "full width"),  # NFKC
        ("20 ℃", "20°C"),  # NFKC + number-unit join
        ("−20 °C", "-20°C"),  # minus sign
        ("–20°C", "-20°C"),  # en dash
        ("205–273 million", "205-273 million"),
        ("24,877", "24877"),  # thousands separator
        ("1,000,000 km", "1000000km"),
        ("350 Wh/kg", "350Wh/kg"),  # number-unit space
        ("0.2 GWh", "0.2GWh"),
        ("90 %", "90%"),
        ("10,000 km", "10000km"),
        ("$ 700 million", "$700 million"),
        ("2030.", "2030"),  # punctuation at ends
        ("(Gasgoo)", "Gasgoo"),
        ("(Gasgoo)-", "Gasgoo"),  # a trailing hyphen is punctuation
        ("“Jinshi Battery”", "Jinshi Battery"),
        ("Gotion’s", "Gotion's"),
        ("a   b\n\tc", "a b c"),  # whitespace (and the article a)
        ("the FAW Group", "FAW Group"),  # articles
        ("an EV", "EV"),
    ],
)
def test_normalize_equal(a, b):
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The 350 Wh/kg cell.", "350wh/kg cell"),
        ("in 2020, 300 cars", "in 2020 300 cars"),  # a comma that is not a separator
        ("3 kingdoms", "3 kingdoms"),  # not a unit: no join
        ("2 whales", "2 whales"),
        ("sodium-ion", "sodium-ion"),  # inner hyphen kept
        ("-20°C to 85°C", "-20°c to 85°c"),  # leading minus kept
        ("Co.,Ltd.", "co.,ltd"),
        ("A — B", "b"),  # dash-only token and article dropped
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_values(text, expected):
    assert normalize(text) == expected
