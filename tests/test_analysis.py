from __future__ import annotations

from pathlib import Path

import pytest

from evqa import analysis
from evqa.analysis import analyze, merge, name_spans, regex_spans
from evqa.errors import ModelError
from evqa.types import Span

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _found(text: str, **kw) -> dict[str, str]:
    return {s.text: s.label for s in regex_spans(text, **kw)}


@pytest.mark.parametrize(
    ("text", "span", "label"),
    [
        ("An impressive energy density of 350 Wh/kg, which is", "350 Wh/kg", "QUANTITY"),
        ("The pack hits 280 Wh/kg.", "280 Wh/kg", "QUANTITY"),
        ("a massive 2 GWh mass production line", "2 GWh", "QUANTITY"),
        ("Their initial 0.2 GWh pilot line", "0.2 GWh", "QUANTITY"),
        ("including a 200°C thermal chamber", "200°C", "QUANTITY"),
        ("perform stably from -20°C to 85°C. Plus", "-20°C to 85°C", "QUANTITY"),
        ("an estimated 1,000 km driving range", "1,000 km", "QUANTITY"),
        ("over 10,000 km of on-road testing", "10,000 km", "QUANTITY"),
        ("promises over 3,000 charge cycles and", "3,000 charge cycles", "QUANTITY"),
        ("a consistently high 90% yield rate", "90%", "PERCENT"),
        ("a year-on-year plunge of 78.18%.", "78.18%", "PERCENT"),
        ("Volkswagen invested $700 million in Xpeng", "$700 million", "MONEY"),
        (
            "costs of 1.5-2 billion yuan (205-273 million USD) per GWh",
            "1.5-2 billion yuan (205-273 million USD)",
            "MONEY",
        ),
        ("it sold only 24,877 new cars, representing", "24,877 new cars", "CARDINAL"),
        (
            "had sold over 500,000 full-electric vehicles (BEVs).",
            "500,000 full-electric vehicles",
            "CARDINAL",
        ),
        ("deliveries start in January 2024.", "January 2024", "DATE"),
        ("on July 30, 2020, the first", "July 30, 2020", "DATE"),
    ],
)
def test_regex_finds_numbers_with_units(text, span, label):
    assert _found(text).get(span) == label


def test_regex_offsets_point_into_the_text():
    text = "Costs: $700 million. Range: 1,000 km at -20°C to 85°C; 90% yield in May 2024."
    spans = regex_spans(text, names=True)
    assert spans
    for s in spans:
        assert text[s.start : s.end] == s.text
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_regex_spans_do_not_overlap():
    spans = regex_spans("1.5-2 billion yuan (205-273 million USD) and 3,000 charge cycles")
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start


def test_a_bare_number_or_a_number_in_a_word_is_not_a_quantity():
    assert _found("Model 3 and the U7 with 12 seats") == {}
    assert _found("version2km") == {}


def test_names_are_capitalised_runs_without_leading_function_words():
    text = "The report came from Nikkei Asia. In 2023 SAIC and FAW objected."
    names = [s.text for s in name_spans(text)]
    assert names == ["Nikkei Asia", "SAIC and FAW"]


def test_names_are_only_added_on_request():
    text = "Xia Shunli spoke."
    assert [s.label for s in regex_spans(text)] == []
    assert [(s.text, s.label) for s in regex_spans(text, names=True)] == [("Xia Shunli", "NAME")]


def test_merge_prefers_the_unit_bearing_regex_span():
    text = "density of 350 Wh/kg and 0.2 GWh"
    model = [Span(11, 14, "CARDINAL", "350"), Span(25, 28, "PRODUCT", "0.2")]
    merged = merge(model, regex_spans(text))
    assert [(s.text, s.label) for s in merged] == [
        ("350 Wh/kg", "QUANTITY"),
        ("0.2 GWh", "QUANTITY"),
    ]


def test_merge_replaces_a_qualified_model_number():
    text = "about 40% more"
    merged = merge([Span(0, 9, "PERCENT", "about 40%")], regex_spans(text))
    assert [s.text for s in merged] == ["40%"]


def test_merge_keeps_longer_model_dates_and_entities():
    text = "By the end of 2019, BAIC BJEV had sold"
    model = [Span(3, 18, "DATE", "the end of 2019"), Span(20, 29, "ORG", "BAIC BJEV")]
    merged = merge(model, regex_spans(text))
    assert merged == model


def test_merge_fills_gaps_with_regex_dates():
    text = "It began in May 2024."
    merged = merge([], regex_spans(text))
    assert [(s.text, s.label) for s in merged] == [("May 2024", "DATE")]


def test_analyze_without_spacy_is_regex_only_and_reports_progress():
    seen: list[int] = []
    texts = ["It reached 350 Wh/kg in May 2024.", "Gotion High-Tech built it.", ""]
    out = analyze(texts, use_spacy=False, progress=seen.append)
    assert len(out) == 3 and sum(seen) == 3
    assert {(s.text, s.label) for s in out[0]} == {("350 Wh/kg", "QUANTITY"), ("May 2024", "DATE")}
    assert [(s.text, s.label) for s in out[1]] == [("Gotion High-Tech", "NAME")]
    assert out[2] == []


def test_long_texts_are_cut_at_whitespace_into_pieces(monkeypatch):
    monkeypatch.setattr(analysis, "_MAX_PIECE", 20)
    text = "alpha beta gamma delta\nepsilon zeta eta theta iota kappa lambda"
    pieces = analysis._pieces(text)
    assert "".join(p for _, p in pieces) == text
    for off, piece in pieces:
        assert text[off : off + len(piece)] == piece and len(piece) <= 20
    assert all(not p.startswith(" ") for _, p in pieces)


def test_entities_over_a_line_break_keep_the_longest_line():
    text = "Shutterstock\n\nEngineered by"
    assert analysis._longest_line(text, 0, 24) == (0, 12)


def test_trimmed_drops_articles_and_possessives():
    text = "the JAC Yiwei EV and Elon Musk’s"
    assert analysis._trimmed(text, 0, 16, "ORG").text == "JAC Yiwei EV"
    assert analysis._trimmed(text, 21, 32, "PERSON").text == "Elon Musk"


@pytest.mark.integration
def test_missing_spacy_model_is_a_model_error(monkeypatch):
    monkeypatch.setattr(analysis, "SPACY_MODEL", "no_such_model_xyz")
    analysis._nlp.cache_clear()
    try:
        with pytest.raises(ModelError, match="regex spans only"):
            analyze(["text"])
    finally:
        analysis._nlp.cache_clear()


@pytest.mark.integration
def test_analyze_seeds_with_spacy():
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    out = analyze(texts)
    assert len(out) == len(texts)
    found = set()
    for text, spans in zip(texts, out, strict=True):
        for s in spans:
            assert text[s.start : s.end] == s.text
        found.update((s.text, s.label) for s in spans)
    for expected in [
        ("350 Wh/kg", "QUANTITY"),
        ("280 Wh/kg", "QUANTITY"),
        ("-20°C to 85°C", "QUANTITY"),
        ("$700 million", "MONEY"),
        ("78.18%", "PERCENT"),
        ("January 2024", "DATE"),
        ("Xia Shunli", "PERSON"),
    ]:
        assert expected in found
    # the unit-bearing span replaced spaCy's bare "350"
    assert ("350", "CARDINAL") not in found


@pytest.mark.integration
def test_analyze_can_add_noun_phrases():
    out = analyze(["It leverages a sulfide-based solid electrolyte."], noun_phrases=True)
    assert ("sulfide-based solid electrolyte", "NOUN") in {(s.text, s.label) for s in out[0]}
