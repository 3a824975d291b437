"""Date-range filters for `evqa ask/search --since/--until`, shared by every backend.

Article dates are ISO 8601 with year, month or day precision (``YYYY``, ``YYYY-MM``,
``YYYY-MM-DD``). Each is compared as an integer ``YYYYMMDD`` taken at the start of its
period (``2023-06`` -> 20230601); ``since`` is the start of its period and ``until`` the end
(``--until 2023`` -> 20231231), so ``--since 2023 --until 2023`` keeps every 2023 article,
including one dated only ``2023``. An article without a date is left out whenever a
filter is given (the engine warns how many: ``Engine.undated_articles``).

A filter date is taken exactly as given: ASCII digits in that pattern, no surrounding
spaces, and an empty string is an error (leave the filter out instead), the same for the
library, the CLI and the HTTP API (whose schema pattern is ``DATE_PATTERN``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from evqa.errors import InputError

if TYPE_CHECKING:
    import numpy as np

# ASCII digits only (\d would take "٢٠٢٣"), matched whole (``$`` would take "2023\n")
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"  # as JSON Schema writes it
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
NO_DATE = 0  # what date_num gives an article without a (valid) date
# a month's name or its abbreviation, lower case, maybe with a stop ("sept.", "may"): what
# datelines (evqa.corpus.metadata) and figures (evqa.answer.figures) take for a month
MONTH_PATTERN = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
SHAPE = "YYYY, YYYY-MM or YYYY-MM-DD"


def _parts(value: str) -> tuple[int, int | None, int | None] | None:
    m = _DATE.fullmatch(value)
    if not m:
        return None
    y, mo, d = (int(g) if g else None for g in m.groups())
    try:
        date(y, 1 if mo is None else mo, 1 if d is None else d)  # "-00" is no month or day
    except ValueError:
        return None
    return y, mo, d


def date_num(value: str | None) -> int:
    """``YYYYMMDD`` at the start of the date's period; NO_DATE (0) when missing or invalid."""
    # an article's own date (normalised when the corpus is read) may keep stray spaces
    parts = _parts(value.strip()) if value else None
    if parts is None:
        return NO_DATE
    y, mo, d = parts
    return y * 10000 + (mo or 1) * 100 + (d or 1)


def num_text(num: int) -> str:
    """``YYYY-MM-DD`` of a date_num (20230601 -> "2023-06-01")."""
    return f"{num // 10000:04d}-{num // 100 % 100:02d}-{num % 100:02d}"


@dataclass(frozen=True)
class DateRange:
    lo: int | None  # inclusive YYYYMMDD, None = open
    hi: int | None

    def keeps(self, nums: int | np.ndarray) -> bool | np.ndarray:
        """Whether the range keeps dates ``nums`` (from date_num: an int, or a numpy array of
        them, one answer each); an undated article (NO_DATE) is never kept."""
        keep = nums > NO_DATE
        if self.lo is not None:
            keep = keep & (nums >= self.lo)
        if self.hi is not None:
            keep = keep & (nums <= self.hi)
        return keep


def date_range(
    since: str | None = None,
    until: str | None = None,
    names: tuple[str, str] = ("since", "until"),
) -> DateRange | None:
    """The filter for ``since``/``until`` (either may be None), or None for no filter.
    Raises InputError for a malformed or empty date or an empty range; ``names`` are what
    the messages call the two (the CLI passes its flags, --since and --until)."""
    if since is None and until is None:
        return None
    lo = hi = None
    if since is not None:
        y, mo, d = _checked(names[0], since)
        lo = y * 10000 + (mo or 1) * 100 + (d or 1)
    if until is not None:
        y, mo, d = _checked(names[1], until)
        last = calendar.monthrange(y, mo or 12)[1]
        hi = y * 10000 + (mo or 12) * 100 + (d or last)
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"{names[0]} {since} is after {names[1]} {until}; nothing can match")
    return DateRange(lo, hi)


def _checked(name: str, value: str) -> tuple[int, int | None, int | None]:
    if isinstance(value, str) and not value.strip():
        raise InputError(f"{name} is empty: give a date {SHAPE}, or leave it out (got {value!r})")
    m = _DATE.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise InputError(f"{name} must be a date {SHAPE} (got {value!r})")
    parts = _parts(value)
    if parts is None:  # the right shape, but no such month or day
        y, mo = (int(g) if g else None for g in m.groups()[:2])
        raise InputError(f"{name} {value} is not a date ({why_not_a_date(y, mo)})")
    return parts


def why_not_a_date(year: int, month: int | None) -> str:
    """Why a well-formed year, month and day are no date: "there is no month 13",
    "February 2025 has 28 days". The one wording of it, for the filter dates here and
    the dates an article gives (evqa.corpus.metadata)."""
    if year < 1:
        return "there is no year 0"
    if month is None or not 1 <= month <= 12:
        return f"there is no month {month or 0:02d}"
    days = calendar.monthrange(year, month)[1]
    return f"{calendar.month_name[month]} {year} has {days} days"
