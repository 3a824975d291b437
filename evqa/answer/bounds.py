"""The chosen answer's bounds, finished: a year with the words that make it a time ("first
quarter of 2027", not "2027"), a number with its magnitude and unit ("45,000 tonnes", not
"45,000") and without the preposition before it ("$620 million", not "at $620 million").

The reader, trained on SQuAD, often stops short of the first two and takes the third.
SQuAD's own labels (all 24 articles) say where an answer ends:
- where the text qualifies a year, annotators took the qualifier for 13 of 26 answers to
  "when" questions and for 1 of 28 to "what year" ones; so a year takes it unless the
  question asks for a year;
- where a number is followed by a unit, they took the unit for 95 of 107 answers to
  questions that do not name it, and for 26 of 60 to questions that do ("how many
  tonnes"); so a number takes it unless the question names it;
- where a number, amount or date follows a preposition ("in", "at", "from"), they left it
  out of 1,457 answers and took it into 50 (most of those a range, "from 1915 until 1918");
  so it goes, unless the answer is a range. So it does before a date written with words
  ("in March 1974", "in the first quarter of 2027"): left out of 107 answers, taken into 5.
- where an answer overlaps a name that the index's entity recogniser found (a person, an
  organisation, a place or a facility), annotators took the whole name for 1,970 of 2,038
  answers on the 19 training articles (a person's for 662 of 671: "Albert Einstein", not
  "Einstein"); so an answer that cuts such a name takes the rest of it ("Royer" of
  "Mathilde Royer", "Hallberg" of "Hallberg Cranes");
- where a person the recogniser found follows a word in lower case that is no function
  word ("quarterback Cam Newton", "mayor Ed Lee"), annotators left that title out of 149
  answers that end on the person and took it into 13; so an answer ending on a person
  starts with the person.

Applied to the chosen answer only: what is answered, and how sure, do not change."""

from __future__ import annotations

import re
from collections.abc import Sequence

from evqa.answer.candidates import takes_stop
from evqa.dates import MONTH_PATTERN
from evqa.question_content import FUNCTION_WORDS
from evqa.types import Span

_S = r"[^\S\n]+"  # a space, never across a line break

# --- a year and its qualifier -------------------------------------------------------------

_ORDINAL = r"(?:first|second|third|fourth|final|last|1st|2nd|3rd|4th)"
# the words of a time that a year or a date follows: "first quarter of", "end of",
# "spring", "early ", "mid-" (shared by a year's qualifier and a date after a preposition)
_PART_OF = rf"(?:{_ORDINAL}{_S}(?:quarter|half)|end|beginning|start|middle|turn){_S}of"
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
_EDGE = rf"(?:early|late|mid){_S}|mid-"
# the words right before a year that make it a time (matched at the end of the text before
# it); a leading "the" is matched but not taken: "the first half of 2026" answers "first
# half of 2026"
_QUALIFIER = re.compile(
    rf"(?:the{_S})?(?P<words>"
    rf"{_PART_OF}{_S}"
    rf"|{_SEASON}(?:{_S}of)?{_S}"
    rf"|{_EDGE}"
    rf"|[QH][1-4]{_S}"
    rf"|(?:[0-9]{{1,2}}{_S})?{MONTH_PATTERN}(?:{_S}[0-9]{{1,2}},?)?{_S}"
    r")$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"1[0-9]{3}|2[0-9]{3}")
_ASKS_YEAR = re.compile(r"\byears?\b", re.IGNORECASE)
_LOOK_BACK = 40  # characters: the longest qualifier, "the beginning of", with room


def qualified_year(text: str, start: int, end: int, question: str) -> int:
    """Where the answer ``text[start:end]`` starts once its year takes the words before it
    that make it a time ("first quarter of", "mid-", "Q1", "12 March"); ``start`` when the
    span is not a year alone, nothing qualifies it, or the question asks for a year."""
    if not _YEAR.fullmatch(text, start, end) or _ASKS_YEAR.search(question):
        return start
    head = text[max(0, start - _LOOK_BACK) : start]
    m = _QUALIFIER.search(head)
    if m is None or (m.start() > 0 and head[m.start() - 1].isalnum()):
        return start  # "Diamid-2026": the words are part of another word
    return start - len(head) + m.start("words")


# --- a number and its unit ----------------------------------------------------------------

# units written as a word after a number; words that are also common English words ("won",
# "real", "bar") are left out, so "3 won" is never "3 won"
UNITS = frozenset(
    """
    t tonne tonnes ton tons kt mt kg kilogram kilograms g gram grams lb lbs oz ounce ounces
    km kilometre kilometres kilometer kilometers mile miles m metre metres meter meters cm mm
    nm nanometre nanometres nanometer nanometers ft foot feet inch inches
    ha hectare hectares acre acres
    w kw mw gw watt watts kilowatt kilowatts megawatt megawatts gigawatt gigawatts
    wh kwh mwh gwh twh megawatt-hours gigawatt-hours kilowatt-hours wh/kg wh/l
    ah mah ampere-hours amp-hours kv mph km/h kph psi °c °f
    l litre litres liter liters gallon gallons barrel barrels bpd teu dwt carats
    dollars euros pounds yuan renminbi yen rupees rupiah ringgit baht pesos rand dong lira
    zloty forint francs kronor kroner krona krone
    percent
    """.split()
)
_MAGNITUDE = r"(?:thousand|million|billion|trillion|bn|mn)\b"
_CURRENCY = r"[^\W\d_]{0,3}[$€£¥₹₩]"  # a symbol, maybe with letters glued before it: "A$", "US$"
# a number as an answer: maybe a currency before it ("A$", "€", "NOK "), maybe a magnitude
_NUMBER = re.compile(
    rf"(?:{_CURRENCY}|(?-i:[A-Z]{{3}}){_S})?[0-9][0-9,.]*(?:{_S}{_MAGNITUDE})?",
    re.IGNORECASE,
)
_AFTER = re.compile(
    rf"(?:{_S}(?P<magnitude>{_MAGNITUDE}))?"
    rf"(?:{_S}(?P<unit>per{_S}cent\b|%|[^\W\d_][\w/°-]*))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w/°%-]+")


def with_unit(text: str, start: int, end: int, question: str) -> int:
    """Where the answer ``text[start:end]`` ends once its number takes the magnitude and
    the unit written after it ("$161" of "$161 million", "45,000" of "45,000 tonnes", "25"
    of "25 per cent"); ``end`` when the span is not a number alone or the question names
    what follows ("How many tonnes ...", "in millions")."""
    if _NUMBER.fullmatch(text, start, end) is None:
        return end
    named = {_singular(w) for w in _WORD.findall(question.casefold())}
    after = _AFTER.match(text, end)
    magnitude, unit = after.group("magnitude"), after.group("unit")
    if magnitude:
        if _singular(magnitude.casefold()) in named:
            return end
        end = after.end("magnitude")
    if unit and _is_unit(unit) and not _names_unit(unit, named):
        end = after.end("unit")
    return end


def _is_unit(word: str) -> bool:
    w = word.casefold()
    return w in UNITS or w == "%" or (w.startswith("per") and w.endswith("cent"))


def _names_unit(unit: str, named: set[str]) -> bool:
    """True if the question's words name the unit ("tonnes" for "how many tons")."""
    u = _singular(unit.casefold())
    if (u.startswith("per") and u.endswith("cent")) or u == "%":
        return bool(named & {"percent", "percentage", "per", "%"})
    return u in named or (u.startswith("ton") and bool(named & {"ton", "tonne"}))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


# --- a preposition before a number ------------------------------------------------------

# a date written with words opens with its month or with what makes its year a time: "in
# March 2027", "in the first quarter of 2027", "by mid-2027" (it must hold a digit or a month)
_DATE_WORDS = (
    rf"(?:the{_S})?(?:{MONTH_PATTERN}(?![\w-])|{_PART_OF}\b|{_EDGE}|{_SEASON}{_S}(?:of{_S})?[0-9])"
)
_PREPOSITION = re.compile(
    rf"(?:at|from|in|on|by|to|of|for|with|since|until|during){_S}"
    rf"(?={_CURRENCY}|[0-9]|{_DATE_WORDS})",
    re.IGNORECASE,
)
_DATED = re.compile(rf"[0-9]|\b{MONTH_PATTERN}(?![\w-])", re.IGNORECASE)
# "to", "and" or a dash that is not a word's hyphen ("2024-26", not "mid-2027")
_RANGE = re.compile(r"\b(?:to|until|till|through|and)\b|(?<![^\W\d_])[-–—]", re.IGNORECASE)


def past_preposition(text: str, start: int, end: int) -> int:
    """Where the answer ``text[start:end]`` starts without the preposition before its
    number, amount or date ("at $620 million", "from 1 November", "in the first quarter of
    2027", "in March"); ``start`` when it has none, is a range ("from 2024 to 2026") or
    names no day, month or year after it ("in the middle of the night")."""
    m = _PREPOSITION.match(text, start, end)
    if m is None or _RANGE.search(text, m.end(), end) or not _DATED.search(text, m.end(), end):
        return start
    return m.end()


# --- a name cut short --------------------------------------------------------------------

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
MAX_NAME_WORDS = 6  # a longer "name" is more likely the recogniser's mistake
MAX_ADDED_WORDS = 2
_QUOTES = "'’\"“”"
_POSSESSIVE = re.compile(r"['’]s\b")
_NAME_WORD = re.compile(r"[^\W\d_][\w.&'’-]*")  # a letter first; no bracket, comma or quote


def whole_names(text: str, start: int, end: int, spans: Sequence[Span]) -> tuple[int, int]:
    """``start``/``end`` widened to the whole of each name (``spans`` of ``NAME_LABELS``,
    found at index time) that the answer ``text[start:end]`` cuts ("Royer" of "Mathilde
    Royer"). Only capitalised words are added, at most MAX_ADDED_WORDS of them, none a
    possessive ("Tesla's EV" for "Tesla"), and no word in lower case, bracket or comma
    ("Battle of", "(Qingshui County"); a name on two lines or of more than
    MAX_NAME_WORDS words is left alone: more likely the recogniser's mistake than the
    reader's."""
    a, b = start, end
    for n in spans:
        if n.label not in NAME_LABELS or not (n.start < end and start < n.end):
            continue
        lead, trail = len(n.text) - len(n.text.lstrip(_QUOTES)), len(n.text.rstrip(_QUOTES))
        n0, n1 = n.start + lead, n.start + trail  # "Kesterra Pharmaceuticals'": no quote
        added = text[n0:start] + " " + text[end:n1]
        words = added.split()
        if (
            len(n.text.split()) > MAX_NAME_WORDS
            or "\n" in text[n0:n1]
            or len(words) > MAX_ADDED_WORDS
            or not all(w[0].isupper() and _NAME_WORD.fullmatch(w) for w in words)
            or _POSSESSIVE.search(added)
        ):
            continue
        a, b = min(a, n0), max(b, n1)
    if b > end and takes_stop(text[a:b], text[b : b + 1]):
        b += 1  # "Ferrox Storage Inc."
    return a, b


# the word in lower case right before a name
_BEFORE = re.compile(r"(?<![\w-])([a-z][a-z-]*)[^\S\n]+$")
_NOT_A_TITLE = frozenset({"including", "said", "says", "told"})  # and FUNCTION_WORDS
MAX_TITLE_WORDS = 3  # "chief executive", "Sales director", "former finance minister"


def without_title(text: str, start: int, end: int, spans: Sequence[Span]) -> int:
    """Where the answer ``text[start:end]`` starts once it drops what comes before the person
    it ends on, when that is a title in lower case ("chief executive Rachel Denholm",
    "Sales director Mei Ling Chow"); ``start`` when it ends on no person (``spans``: the
    index's), what comes before is longer than MAX_TITLE_WORDS words, or the word before
    the person is a function word ("Jim Nantz and Phil Simms", "friends of Luther") or
    capitalised ("Sir Christopher Wren")."""
    for n in spans:
        if n.label != "PERSON" or not (start < n.start and n.end == end):
            continue
        if not n.text[:1].isupper() or len(text[start : n.start].split()) > MAX_TITLE_WORDS:
            continue  # "... descendants of Genghis Khan and particularly Timur": no title
        m = _BEFORE.search(text, start, n.start)
        word = m.group(1) if m else ""
        if word and word not in FUNCTION_WORDS and word not in _NOT_A_TITLE:
            return n.start
    return start


def finished(
    text: str, start: int, end: int, question: str, names: Sequence[Span] = ()
) -> tuple[int, int]:
    """The bounds of the chosen answer ``text[start:end]`` for ``question``, finished
    (``names``: the index's typed spans of the article, for ``whole_names`` and
    ``without_title``)."""
    start, end = whole_names(text, start, end, names)
    start = without_title(text, start, end, names)
    start = past_preposition(text, start, end)
    return qualified_year(text, start, end, question), with_unit(text, start, end, question)
