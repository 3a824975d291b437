"""What kind of answer a question asks for, and whether a span is of that kind.

This is one feature of the answer combination (``evqa.answer.features``), not a filter:
its weight is learned on held-out data, so a wrong guess here costs little."""

from __future__ import annotations

import re
from collections.abc import Iterable

from evqa.spans import NUMERIC_LABELS

_KINDS = (
    ("date", r"^when\b|\b(?:what|which|in what) (?:year|date|month|day|century|decade)\b"),
    (
        "number",
        r"\bhow (?:much|many|far|long|big|large|fast|high|heavy|old|tall|often)\b|"
        r"\bwhat (?:percentage|percent|proportion|number|amount|share)\b",
    ),
    ("person", r"^(?:who|whom|whose)\b|\b(?:who|whom|whose) (?:is|was|were|are|did)\b"),
    ("place", r"^where\b|\b(?:what|which) (?:country|city|state|region|place|continent)\b"),
)
_PATTERNS = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in _KINDS)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:1\d|20)\d\d\b|\b(?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december|century|decade|bc|ad)\b|\d+(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
_LABELS = {
    "date": frozenset({"DATE", "TIME"}),
    "number": NUMERIC_LABELS,
    "person": frozenset({"PERSON", "ORG", "NORP", "NAME"}),
    "place": frozenset({"GPE", "LOC", "FAC", "NAME"}),
}


def answer_kind(question: str) -> str | None:
    """ "date", "number", "person", "place", or None when the question does not say."""
    q = question.strip()
    for kind, pattern in _PATTERNS:
        if pattern.search(q):
            return kind
    return None


def kind_fit(kind: str | None, text: str, labels: Iterable[str]) -> float:
    """1 if the span looks like the asked-for kind, -1 if not, 0 if no kind is asked for."""
    if kind is None:
        return 0.0
    if set(labels) & _LABELS[kind]:
        return 1.0
    if kind == "number":
        ok = bool(_NUMBER.search(text))
    elif kind == "date":
        ok = bool(_DATE.search(text))
    else:
        ok = text[:1].isupper()
    return 1.0 if ok else -1.0


# Units by quantity: what a figure's unit says it measures.
_UNIT_CLASSES = (
    ("energy_density", r"wh/kg|wh/l|wh per (?:kilogram|kg|litre|liter)"),
    ("temperature", r"°\s?[cf]?|degrees?(?: celsius| fahrenheit)?"),
    ("percent", r"%|percent|per cent|percentage points?"),
    (
        "money",
        r"[$€£¥]|usd|eur|rmb|yuan|dollars?|euros?|pounds sterling|yen|won",
    ),
    ("speed", r"km/h|kph|mph|m/s|knots?"),
    ("energy", r"[kmgt]wh|kilowatt[- ]hours?|megawatt[- ]hours?|gigawatt[- ]hours?"),
    ("power", r"[kmg]w|kilowatts?|megawatts?|gigawatts?|watts?|horsepower|hp"),
    ("voltage", r"kv|volts?|v"),
    ("distance", r"km|kilometres?|kilometers?|miles?|metres?|meters?|feet|ft|mm|cm"),
    ("mass", r"kg|kilograms?|tonnes?|tons?|grams?|lbs?|pounds?"),
    ("time", r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries"),
)
_UNIT_PATTERNS = tuple(
    (name, re.compile(rf"(?<![a-z/])(?:{p})(?![a-z/])", re.IGNORECASE)) for name, p in _UNIT_CLASSES
)
# What a question about a quantity expects to be measured in.
_EXPECTS = (
    ("energy_density", r"\benergy density\b|\bwh/kg\b"),
    ("temperature", r"\btemperature\b|\bhow (?:hot|cold|warm)\b|\bdegrees?\b"),
    ("percent", r"\bpercent(?:age)?\b|\bwhat share\b|\bwhat proportion\b|\bwhat fraction\b"),
    ("money", r"\bhow much (?:money|did .* (?:cost|pay|spend|raise|invest))|\bcost\b|\bprice\b"),
    ("speed", r"\bhow fast\b|\bspeed\b"),
    ("distance", r"\bhow far\b|\bdistance\b|\bhow (?:long|tall|high|wide|deep) is\b|\brange\b"),
    ("mass", r"\bhow heavy\b|\bweigh"),
    ("time", r"\bhow long (?:did|does|do|will|has|have|was|were|would)\b|\bduration\b"),
    ("power", r"\bpower output\b|\bhorsepower\b"),
    ("voltage", r"\bvoltage\b"),
)
_EXPECT_PATTERNS = tuple((name, re.compile(p, re.IGNORECASE)) for name, p in _EXPECTS)


def expected_unit(question: str) -> str | None:
    """The quantity a question asks to be measured ("energy density" -> energy_density)."""
    for name, pattern in _EXPECT_PATTERNS:
        if pattern.search(question):
            return name
    return None


def unit_fit(expected: str | None, text: str) -> float:
    """1 if the span is a figure in the expected quantity's units, -1 if it is not, 0 if
    the question asks for no particular quantity."""
    if expected is None:
        return 0.0
    if not _NUMBER.search(text):
        return -1.0
    units = {name for name, pattern in _UNIT_PATTERNS if pattern.search(text)}
    return 1.0 if expected in units else -1.0
