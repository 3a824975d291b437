"""A year with the words that make it a time: "first quarter of 2027", not "2027".

The reader, trained on SQuAD, often answers a bare year where the text says "the first
quarter of 2027" or "mid-2026". SQuAD's own annotators split on a "when" question (13 of
26 answers of such a year took the words before it) and almost never took them for a
"what year" one (1 of 28). So the answer to a question that does not ask for a year takes
the words that qualify its year; one that asks for a year keeps the year alone."""

from __future__ import annotations

import re

from evqa.dates import MONTH_PATTERN

_ORDINAL = r"(?:first|second|third|fourth|final|last|1st|2nd|3rd|4th)"
_S = r"[^\S\n]+"  # a space, never across a line break
# the words right before a year that make it a time (matched at the end of the text before
# it); a leading "the" is matched but not taken: "the first half of 2026" answers "first
# half of 2026"
_QUALIFIER = re.compile(
    rf"(?:the{_S})?(?P<words>"
    rf"(?:{_ORDINAL}{_S}(?:quarter|half)|end|beginning|start|middle|turn){_S}of{_S}"
    rf"|(?:spring|summer|autumn|fall|winter)(?:{_S}of)?{_S}"
    rf"|(?:early|late|mid){_S}|mid-"
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
        return start  # "Diamid-2026", "Bmid 2026": the words are part of another word
    return start - len(head) + m.start("words")
