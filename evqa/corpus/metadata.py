"""Title and publication date of an article.

Two sources, explicit first:

* explicit metadata: a ``<stem>.meta.json`` sidecar, JSONL fields, or YAML front matter
  ("---\\ntitle: ...\\ndate: ...\\n---") at the top of a .txt/.md file;
* heuristics on the *head* of the cleaned text (`extract_metadata`): a leading headline
  line (of three words or more; of two only right above a line that dates the article,
  "Bridge Reopens" over "By Ann Lee | March 3, 2024"), a labelled dateline ("date
  2023-12-28", "Published: ..."), a byline carrying a date ("Monika From Gasgoo|
  December 25 , 2020", "Ritika Sharma · Ahmedabad · Published August 21, 2025", "By Jane
  Doe, March 3, 2025"), a place in capitals and a date
  ("WASHINGTON, October 14, 2025", "SÃO PAULO, ..."; "Paris (AFP), ..." with a known
  agency), a line that is only a date, or a plain "By Name" byline; and a news dateline
  opening the first body line ("TOKYO, April 3, 2025 — Japan's ...", "March 3, 2025
  (Reuters) - ..."), which gives the date but stays in the text. A Title Case headline
  with a date ("Fed Raises Rates, March 3, 2025") is the title, not a dateline, and a
  body line opening with a date but no place or agency ("March 3, 2020 - the day markets
  crashed") gives no date. Scanning stops at the first body line, so a date
  mentioned in the body ("first revealed in May 2024", "by March 2027 the fab will...")
  is never taken as the publication date. Unlabelled forms need a full date (day, month
  and year); a label ("Published March 2025") also lets a month or a year stand.

Consumed head lines (headline, dateline, byline) are removed from the text; the
headline is kept as the title. Without a headline line the title is None (never the
first sentence: a title must not be a body paragraph); renderers show the doc id.

Dates are normalised to ISO: YYYY-MM-DD, or YYYY-MM / YYYY when only those are given.
``parse_date`` is the one place that reads them: a numeric date is day-first with dots
("05.03.2024" is 5 March) and month-first (US) with slashes or dashes ("12/05/2022" is
December 5) unless only the other reading is a day; in an article's head, another head line
or the opening dateline that writes one of its readings unambiguously ("12 May 2024") settles
it (`_settled`); dateparser (imported lazily, it is slow
to load) handles what the fast paths don't. A date that names no day ("February 30, 2024")
is none: ``date_problem`` says why, and the article is left undated with a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from evqa.corpus.cleaning import join_lines
from evqa.dates import MONTH_PATTERN, why_not_a_date

__all__ = [
    "HEAD_LINES",
    "META_KEYS",
    "Extracted",
    "extract_metadata",
    "field_type_errors",
    "date_problem",
    "head_date",
    "looks_like_headline",
    "normalize_date",
    "normalize_fields",
    "normalize_title",
    "parse_date",
    "split_front_matter",
]

META_KEYS = ("title", "date", "url", "source")
HEAD_LINES = 6  # how many non-empty lines at the top may hold headline/byline/dateline
MAX_TITLE_CHARS = 200
MAX_TITLE_WORDS = 30
MAX_DATE_CHARS = 60


@dataclass(frozen=True)
class Extracted:
    """Cleaned text with its head metadata lines removed, plus what they said."""

    text: str
    title: str | None = None
    date: str | None = None
    # why there is no date though a head line gives one ("date 'February 30, 2024' is ...")
    date_problem: str | None = None


# --- dates ----------------------------------------------------------------------------------

_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
_ISO = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_SPACE_COMMA = re.compile(r"\s+,")
# a month name or a numeric d/m/y: without one, a string with a year is not worth
# handing to dateparser ("Tesla sales rise in 2024")
_DATE_HINT = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}",
    re.IGNORECASE,
)
# a numeric day, month and year: dotted ("05.03.2024") it is day-first, as everywhere that
# writes dates so; with slashes or dashes ("12/05/2022") it is ambiguous and read month-first
# (US usage), unless only the day-first reading is a day ("25/12/2022")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})([./-])(\d{1,2})\2((?:1[89]|20)\d{2})\b")
_STRPTIME_FORMATS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
)
_DATEPARSER_SETTINGS = {
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_AS_TIMEZONE_AWARE": False,
    # absolute dates only: "yesterday" or "3 days ago" need a reference we don't have
    "PARSERS": ["custom-formats", "absolute-time"],
}


def parse_date(value: str, *, partial: bool = True) -> str | None:
    """Normalise a date string to ISO, or None if it is not a date with a year.

    ``partial`` allows month precision ("May 2024" -> "2024-05") and a bare year.
    """
    value = _SPACE_COMMA.sub(",", " ".join(value.split()))
    if not value or len(value) > MAX_DATE_CHARS:
        return None
    iso = _parse_iso(value, partial=partial)
    if iso is not None or _ISO.fullmatch(value):
        return iso
    if partial and re.fullmatch(r"(?:1[89]|20)\d{2}", value):
        return value
    numeric = _NUMERIC_DATE.search(value)
    if numeric:  # read here, by our rule, not by dateparser's
        iso = _numeric_iso(numeric)
        if iso is None:
            return None
        value = value[: numeric.start()] + iso + value[numeric.end() :]
        if _ISO.fullmatch(value):
            return _parse_iso(value, partial=partial)
    if not _YEAR.search(value) or not _DATE_HINT.search(value):
        return None
    return _parse_strptime(value) or _parse_dateparser(value, partial)


def _numeric_readings(m: re.Match[str]) -> list[tuple[int, int, int]]:
    """The (year, month, day) readings of a numeric date, the preferred one first."""
    a, sep, b, year = m.groups()
    day_first, month_first = (int(year), int(b), int(a)), (int(year), int(a), int(b))
    return [day_first, month_first] if sep == "." else [month_first, day_first]


def _numeric_day(m: re.Match[str]) -> tuple[int, int, int] | None:
    """The first reading of a numeric date that is a day, else None."""
    return next((r for r in _numeric_readings(m) if _is_day(*r)), None)


def _numeric_iso(m: re.Match[str]) -> str | None:
    """A numeric date as ISO: the first of its readings that is a day, else None."""
    day = _numeric_day(m)
    return None if day is None else dt.date(*day).isoformat()


def _parse_iso(value: str, *, partial: bool) -> str | None:
    m = _ISO.fullmatch(value)
    if not m:
        return None
    year, month, day = m.groups()
    try:
        if day is None:
            dt.date(int(year), int(month), 1)
            return f"{year}-{month}" if partial else None
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _parse_strptime(value: str) -> str | None:
    for fmt in _STRPTIME_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


@lru_cache(maxsize=4096)
def _parse_dateparser(value: str, partial: bool) -> str | None:
    import dateparser  # slow to import and to warm up: only when a fast path failed

    strict = dict(_DATEPARSER_SETTINGS, STRICT_PARSING=True)
    parsed = dateparser.parse(value, languages=["en"], settings=strict)
    if parsed is not None:
        return parsed.date().isoformat()
    if not partial:
        return None
    month = dict(_DATEPARSER_SETTINGS, REQUIRE_PARTS=["month", "year"])
    parsed = dateparser.parse(value, languages=["en"], settings=month)
    return None if parsed is None else f"{parsed.year:04d}-{parsed.month:02d}"


def normalize_date(value: object) -> str | None:
    """An explicit date (string, date or datetime) as ISO, or None if unparseable."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str):
        return parse_date(value, partial=True)
    return None


# --- titles ---------------------------------------------------------------------------------

_HEADLINE_END = re.compile(r"[.,;:]$")


def normalize_title(value: str) -> str | None:
    """Control characters out, whitespace collapsed; None if nothing is left."""
    return " ".join(_CONTROLS.sub(" ", value).split()) or None


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # never in a title, url or source


def looks_like_headline(line: str, *, min_words: int = 3) -> bool:
    """A short line of 3-30 words (``min_words``-30), with letters, not ending like a
    sentence or a label."""
    words = line.split()
    return (
        min_words <= len(words) <= MAX_TITLE_WORDS
        and len(line) <= MAX_TITLE_CHARS
        and not _HEADLINE_END.search(line.rstrip("\"'”’)"))
        and any(c.isalpha() for c in line)
    )


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


# --- head heuristics ------------------------------------------------------------------------

_DATE_LABEL = re.compile(
    r"(?:date|dated|published(?: on| at)?|posted(?: on| at)?|updated(?: on| at)?|last updated|"
    r"publication date|release date)\s*[:\-–—]?\s*(?P<date>.{4,60})",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"(?:[Bb]y|[Ww]ritten by|[Aa]uthor|[Rr]eporter)\s*:?\s+[A-Z][\w.'’-]*"
    r"(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|da|in)){0,11}"
    r"(?:\s*,\s*[\w&'-]+(?: [\w&'-]+){0,4})?"
)
# bars, bullets and a spaced slash part a byline: "By Lin Haoran | HEFEI, China, Oct. 3,
# 2025", "PORI, Finland, Nov. 27, 2025 / By Liisa Korhonen"
_SEPARATORS = re.compile(r"\s*[|•·]\s*|\s+/\s+")
# "Kecskemét, Hungary — 14 March 2025 — By Dóra Szalai": spaced dashes part a byline whose
# parts are all short, unlike "TOKYO, March 3, 2025 — The company said ..." (a dateline
# opening the body)
_DASHES = re.compile(r"\s+(?:[—–]|--?)\s+")
MAX_DASHED_PART_WORDS = 6

# a full date as datelines and bylines write it: "October 14, 2025", "Oct. 14 2025",
# "14 October 2025", "Tuesday, October 14, 2025", "2025-10-14" (day, month and year)
_MONTH = MONTH_PATTERN
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YYYY = r"(?:1[89]|20)\d\d"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+"
_FULL_DATE = (
    rf"(?i:(?:{_WEEKDAY})?(?:{_MONTH}\s+{_DAY},?\s+{_YYYY}|{_DAY}\s+{_MONTH},?\s+{_YYYY})"
    rf"|{_YYYY}-\d\d-\d\d)"
)
# a dateline's place is written in capitals: "WASHINGTON", "NEW YORK", "SÃO PAULO", maybe
# with its region ("GEORGE TOWN, Malaysia", "AUSTIN, Texas") and agency ("TOKYO (Reuters)");
# a place in Title Case is a headline's words ("Fed Raises Rates, March 3, 2025"), unless a
# known agency tag follows it ("Paris (AFP)"). re has no \p{Lu}: the capitals, accented
# ones too, are listed. A region is in Title Case, so "AMD, Nvidia Rally, March 3, 2025"
# may be a headline: see `_dateline`
_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())
_CAPS_WORD = rf"[{_UPPER}][{_UPPER}.'’&/-]+"  # "TURIN/HEFEI" too
_NAME = r"[A-Z][\w.'’&-]*"
_REGION = rf"(?:, {_NAME}(?: {_NAME}){{0,2}}){{0,2}}"
_AGENCY = r"(?:\([^()]{1,40}\)|/[^/]{1,40}/)"
_KNOWN_AGENCY = (
    r"(?:[(/]\s*(?i:reuters|ap|afp|bloomberg|xinhua|kyodo|yonhap|pti|ians|ani|dpa|efe|upi|"
    r"ansa|bernama|tass|pr ?newswire|globe ?newswire|business ?wire|accesswire)\s*[)/])"
)
_PLACE = (
    rf"(?:{_CAPS_WORD}(?: {_CAPS_WORD}){{0,3}}|{_NAME}(?: {_NAME}){{0,3}}"
    rf"(?={_REGION}\s*{_KNOWN_AGENCY}))(?P<region>{_REGION})(?P<agency>\s*{_AGENCY})?"
)
_DASH = r"(?:[—–]|--?)"
# "WASHINGTON, October 14, 2025 —" or "October 14, 2025 (Reuters) -" opening the first body
# line: the date is the article's, the line stays body text. Without a place or an agency
# it is the body talking about a day ("March 3, 2020 - the day markets crashed")
_INLINE_DATELINE = re.compile(
    rf"(?:{_PLACE},\s*(?P<date>{_FULL_DATE})\s*{_AGENCY}?|(?P<bare>{_FULL_DATE})\s*"
    rf"{_KNOWN_AGENCY})\s*(?:{_DASH}|:)\s*\S"
)
# a head line that is only a place and a date: "WASHINGTON, October 14, 2025"
_PLACE_DATE = re.compile(rf"{_PLACE},\s*(?P<date>{_FULL_DATE})\s*{_AGENCY}?\s*{_DASH}?")
# one part of a byline parted by bars or dashes that is a place and a date: the place may be
# in Title Case there ("Nashik, November 19, 2026"), since the byline's separators already
# tell it from a headline; the date may be in brackets ("MANKATO, Minn. (July 15, 2025)")
_PART_PLACE = r"[^\W\d_][\w.'’&/-]*(?: [\w.'’&/-]+){0,3}"
_PART_PLACE_DATE = re.compile(
    rf"{_PART_PLACE}(?:,\s*{_PART_PLACE}){{0,2}}(?:,\s*(?P<date>{_FULL_DATE})|"
    rf"\s*\((?P<bracketed>{_FULL_DATE})\))"
)
# a byline with its date: "By Jane Doe, March 3, 2025", "By Jane Doe on 3 March 2025"
_BYLINE_DATE = re.compile(
    rf"(?:[Bb]y|[Ww]ritten by)\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|da))"
    rf"{{0,5}}\s*(?:,|\bon\b|{_DASH})\s*(?P<date>{_FULL_DATE})"
)


# a whole date as written with its month's name ("February 30, 2024", "30 Feb 2024"), any
# day number, to say why it names no day
_WRITTEN_DATE = re.compile(
    rf"(?i:(?:{_WEEKDAY})?(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
    rf"(?P<y1>{_YYYY})|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH}),?\s+(?P<y2>{_YYYY})))"
)
_MONTH_NUMBERS = {
    name: n
    for n, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def date_problem(value: str) -> str | None:
    """Why ``value``, written as a whole date (a month's name, a day and a year; YYYY-MM-DD;
    a numeric date), names no day ("February 2024 has 29 days"); None if it names one or
    is not written as a date."""
    value = _SPACE_COMMA.sub(",", " ".join(value.split()))
    parts = _written_parts(value)
    if parts is None or _is_day(*parts):
        return None
    return why_not_a_date(*parts[:2])


def _written_parts(value: str) -> tuple[int, int, int | None] | None:
    """(year, month, day) of a whole date as written, else None; a numeric date's first
    reading that is a day, else its preferred one."""
    m = _ISO.fullmatch(value)
    if m:
        year, month, day = m.groups()
        return int(year), int(month), None if day is None else int(day)
    m = _NUMERIC_DATE.fullmatch(value)
    if m:
        return _numeric_day(m) or _numeric_readings(m)[0]
    m = _WRITTEN_DATE.fullmatch(value)
    if m:
        month = _MONTH_NUMBERS[(m.group("m1") or m.group("m2")).lower()[:3]]
        return int(m.group("y1") or m.group("y2")), month, int(m.group("d1") or m.group("d2"))
    return None


def _is_day(year: int, month: int, day: int | None) -> bool:
    try:
        dt.date(year, month, 1 if day is None else day)
    except ValueError:
        return False
    return True


def _undated(written: object, problem: str | None) -> str:
    """What is said of a date that was given but is no date (``problem``: why, if known)."""
    why = f" ({problem})" if problem else ""
    return f"date {written!r} is not a recognisable date{why}"


def _dateline_problem(line: str) -> str | None:
    """What is wrong with a head line that would be a dateline, a byline with a date or a
    "Published ..." line but for a date that names no day ("Published February 30, 2024");
    None for any other line."""
    if len(line) > 120 or not _YEAR.search(line):
        return None
    for part in _parts(line):
        m = _DATE_LABEL.fullmatch(part) or _PLACE_DATE.fullmatch(part)
        m = m or _BYLINE_DATE.fullmatch(part) or _PART_PLACE_DATE.fullmatch(part)
        written = (_written_date(m) if m else part).strip()
        problem = date_problem(written)
        if problem:
            return _undated(written, problem)
    return None


def _inline_problem(line: str) -> str | None:
    """What is wrong with a news dateline opening a body line whose date names no day
    ("TOKYO, February 30, 2025 — ..."); else None."""
    m = _INLINE_DATELINE.match(line)
    if m is None:
        return None
    written = _written_date(m)
    problem = date_problem(written)
    return _undated(written, problem) if problem else None


def _dateline(line: str, *, title_pending: bool = False) -> str | None:
    """The date of a dateline/byline/date-only line, else None.

    ``title_pending``: no headline has been found above ``line``, which may be it; a
    headline-like place and date with a region ("AMD, Nvidia Rally, March 3, 2025") then
    is the headline, unless an agency or a closing dash marks a dateline.
    """
    if len(line) > 120 or not _YEAR.search(line):
        return None
    labelled = _DATE_LABEL.fullmatch(line)
    if labelled:
        return parse_date(labelled.group("date"), partial=True)
    parts = _parts(line)
    if len(parts) > 1:
        if len(parts) > 4 or any(len(p) > 80 for p in parts):
            return None
        dates = (_part_date(p) for p in parts if _YEAR.search(p))
        return next((d for d in dates if d), None)
    dated = _PLACE_DATE.fullmatch(line)
    if dated:
        headline = (
            title_pending
            and dated.group("region")
            and not dated.group("agency")
            and not re.search(rf"{_DASH}$", line)
            and looks_like_headline(line)
        )
        return None if headline else _place_date(dated)
    dated = _BYLINE_DATE.fullmatch(line)
    if dated:
        return parse_date(dated.group("date"), partial=False)
    return parse_date(line, partial=False)


def _parts(line: str) -> list[str]:
    """The parts of a byline: split at bars and bullets, else at spaced dashes when every
    part is short (at most MAX_DASHED_PART_WORDS words) and none ends a sentence."""
    parts = [p for p in _SEPARATORS.split(line) if p]
    if len(parts) == 1:
        dashed = [p for p in _DASHES.split(line) if p]
        if all(len(p.split()) <= MAX_DASHED_PART_WORDS and p[-1] not in ".!?" for p in dashed):
            return dashed
    return parts


def _place_date(m: re.Match[str]) -> str | None:
    """The date of a dateline match; None for a headline in capitals ("FED RAISES RATES,
    MARCH 3, 2025"): a dateline writes its month in lower case."""
    date = _written_date(m)
    return None if date.isupper() else parse_date(date, partial=False)


def _written_date(m: re.Match[str]) -> str:
    """The date a dateline pattern matched, whichever of its alternatives did: ``date``, or
    a bare date after an agency tag (``bare``) or a date in brackets (``bracketed``)."""
    found = m.groupdict()
    return found["date"] or found.get("bare") or found.get("bracketed")


def _part_date(part: str) -> str | None:
    """The date of one part of a byline ("Published August 21, 2025", "June 5, 2025",
    "Nashik, November 19, 2026", "MANKATO, Minn. (July 15, 2025)")."""
    labelled = _DATE_LABEL.fullmatch(part)
    if labelled:
        return parse_date(labelled.group("date"), partial=True)
    placed = _PART_PLACE_DATE.fullmatch(part)
    if placed:
        return parse_date(_written_date(placed), partial=False)
    return parse_date(part, partial=False)


def _inline_dateline(line: str) -> str | None:
    """The date of a news dateline opening a body line ("TOKYO, April 3, 2025 — ..."),
    else None."""
    m = _INLINE_DATELINE.match(line)
    return _place_date(m) if m else None


def head_date(lines: list[str]) -> str | None:
    """The first date that one of ``lines`` (head lines of an article: bylines,
    datelines, "Published ..." lines) gives, as another of them settles it (see
    `_settled`), else None."""
    return _settled([(line, d) for line in lines if line and (d := _dateline(line))])


def _ambiguous_readings(line: str) -> tuple[str, str] | None:
    """The two days a line's only numeric date may be ("12/05/2024": December 5 or 12
    May), the preferred first; None unless the line has one such date and both of its
    readings are days."""
    found = list(_NUMERIC_DATE.finditer(line))
    if len(found) != 1:
        return None
    readings = [r for r in _numeric_readings(found[0]) if _is_day(*r)]
    if len(readings) != 2 or readings[0] == readings[1]:
        return None
    first, second = (dt.date(*r).isoformat() for r in readings)
    return first, second


def _settled(dated: list[tuple[str, str]]) -> str | None:
    """The date of the first of ``dated`` (head lines and the dates they give), unless it
    is a numeric date that may be read two ways ("12/05/2024") and another line gives one
    of them unambiguously ("VALDORA CITY, 12 May 2024 (Reuters) — ..."): that one."""
    if not dated:
        return None
    line, date = dated[0]
    readings = _ambiguous_readings(line)
    if readings is None or date not in readings:
        return date
    settled = (d for other, d in dated[1:] if _ambiguous_readings(other) is None)
    return next((d for d in settled if d in readings), date)


def extract_metadata(text: str, *, title_hint: str | None = None) -> Extracted:
    """Find headline, dateline and byline lines at the top of cleaned text.

    With ``title_hint`` (an explicit title), only a head line equal to it is consumed as
    the headline (other headline-like lines stay in the text); otherwise the first
    headline-like line before the body is.
    """
    lines = text.split("\n")
    title = problem = None
    dated: list[tuple[str, str]] = []  # the head lines that give a date, and their dates
    heads = [i for i, line in enumerate(lines) if line][:HEAD_LINES]
    for n, i in enumerate(heads):
        line, below = lines[i], [lines[j] for j in heads[n + 1 :]]
        kind, value = _classify(line, below, title_hint, have_title=title is not None)
        if kind == "body":
            # "TOKYO, April 3, 2025 — Japan's ...": stays in the text
            if inline := _inline_dateline(line):
                dated.append((line, inline))
            elif not dated:
                problem = problem or _inline_problem(line)
            break
        if kind == "kept":
            continue
        lines[i] = ""
        if kind == "date":
            dated.append((line, value))
        elif kind == "bad date":
            problem = problem or value
        elif kind == "title":
            title = value
    body = join_lines(lines)
    if not body:  # the head was everything: keep the text, claim nothing
        return Extracted(text=text)
    date = _settled(dated)
    return Extracted(text=body, title=title, date=date, date_problem=None if date else problem)


def _classify(
    line: str, below: list[str], title_hint: str | None, *, have_title: bool
) -> tuple[str, str | None]:
    """What head ``line`` is (``below``: the head lines under it): "date", "bad date",
    "byline", "title", "kept" (a headline-like line left in the text) or "body"."""
    date = _dateline(line, title_pending=not have_title and title_hint is None)
    if date:
        return "date", date
    problem = _dateline_problem(line)
    if problem:  # a dateline all the same: consumed, the article left undated
        return "bad date", problem
    if _BYLINE.fullmatch(line):
        return "byline", None
    if not have_title:
        if title_hint is not None and _same_title(line, title_hint):
            return "title", normalize_title(line)
        if looks_like_headline(line) or _short_headline(line, below):
            # with an explicit, different title, a headline line stays in the text, as
            # one word does ("Opinion" above "By Jane Doe | March 3, 2024": a section)
            if title_hint is not None or len(line.split()) < 2:
                return "kept", None
            return "title", normalize_title(line)
    return "body", None


def _short_headline(line: str, below: list[str]) -> bool:
    """A headline of one or two words ("Bridge Reopens"): headline-shaped, opening with a
    capital or a digit, and right above (plain "By Name" bylines between) a line that
    dates the article: a byline or dateline with a date ("By Ann Lee | March 3, 2024",
    "Published August 21, 2025") or a news dateline opening the body ("TOKYO, March 3,
    2025 — ..."). A short line above anything else ("Yes." or "Bridge Reopens" above a
    sentence) is body text."""
    if not looks_like_headline(line, min_words=1):
        return False
    if next(c for c in line if c.isalnum()).islower():
        return False
    nearest = next((b for b in below if not _BYLINE.fullmatch(b)), None)
    return nearest is not None and _dates_article(nearest)


def _dates_article(line: str) -> bool:
    """Whether ``line`` is a head line or an opening dateline giving the article's date
    (or a date that names no day, "Published February 30, 2024")."""
    found = _dateline(line) or _dateline_problem(line)
    return bool(found or _inline_dateline(line) or _inline_problem(line))


# --- front matter ---------------------------------------------------------------------------

_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?P<body>[A-Za-z_][\w-]*[ \t]*:.*?)\r?\n"
    r"(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
    re.DOTALL,
)


def split_front_matter(raw: str) -> tuple[dict[str, object], str, list[str]]:
    """Split YAML front matter off the top of a text file.

    Returns (fields, rest of the text, problems). Only title/date/url/source are kept;
    a block that is not a YAML mapping is dropped with a problem noted.
    """
    m = _FRONT_MATTER.match(raw)
    if not m:
        return {}, raw, []
    import yaml  # PyYAML: installed with transformers; only needed for front matter

    rest = raw[m.end() :]
    try:
        data = yaml.load(m.group("body"), Loader=_front_matter_loader())  # a SafeLoader
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        # ValueError: a value its tag cannot make ("!!int abc"); RecursionError: nesting
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {}, rest, [f"front matter is not valid YAML ({reason}); it was ignored"]
    if not isinstance(data, dict):
        return {}, rest, ["front matter is not a 'key: value' mapping; it was ignored"]
    return {k: data[k] for k in META_KEYS if data.get(k) is not None}, rest, []


@lru_cache(maxsize=1)
def _front_matter_loader() -> type:
    """PyYAML's SafeLoader, but a timestamp stays a string, its date as written: a
    front-matter date is read by `parse_date`, as every other date is ("2024-02-30" names
    no day: a warning, not a crash)."""
    import yaml

    class FrontMatterLoader(yaml.SafeLoader):
        pass

    FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_written)
    return FrontMatterLoader


# a YAML timestamp's date, before its time ("2024-02-03" of "2024-02-03 10:00:00 -5"): the
# day as written, which is what PyYAML's datetime gave (its .date(), in its own time zone)
_YAML_DATE = re.compile(r"(\d{4}-\d\d?-\d\d?)(?:[Tt \t]|\Z)")


def _timestamp_as_written(loader, node) -> str:
    value = loader.construct_scalar(node).strip()
    m = _YAML_DATE.match(value)
    return m.group(1) if m else value


def field_type_errors(fields: Mapping[str, object]) -> dict[str, str]:
    """Wrongly typed explicit metadata, by key: title/url/source/date must be strings
    (a date may also be a date object)."""
    errors = {}
    for key in META_KEYS:
        value = fields.get(key)
        ok = value is None or isinstance(value, str)
        ok = ok or (key == "date" and isinstance(value, dt.date))
        if not ok:
            errors[key] = f"field {key!r} must be a string, not {type(value).__name__}"
    return errors


def normalize_fields(fields: Mapping[str, object]) -> tuple[dict[str, str | None], list[str]]:
    """Explicit metadata with whitespace trimmed and the date as ISO. Wrongly typed or
    empty fields are left out; an unparseable date becomes None, with a warning (an
    explicit date that cannot be read is not replaced by a guess)."""
    out: dict[str, str | None] = {}
    warnings: list[str] = []
    for key in META_KEYS:
        value = fields.get(key)
        if key == "date" and value is not None:
            out[key] = normalize_date(value)
            if out[key] is None:
                problem = date_problem(value) if isinstance(value, str) else None
                warnings.append(f"{_undated(value, problem)}; it was ignored")
        elif isinstance(value, str) and (value := _CONTROLS.sub(" ", value)).strip():
            out[key] = " ".join(value.split()) if key == "title" else value.strip()
    return out, warnings
