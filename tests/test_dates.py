"""Date-range filters (evqa.dates): the semantics both backends share."""

from __future__ import annotations

import numpy as np
import pytest

from evqa.dates import DateRange, date_num, date_range
from evqa.errors import InputError


def test_date_num_is_the_start_of_the_period():
    assert date_num("2023-06-15") == 20230615
    assert date_num("2023-06") == 20230601
    assert date_num("2023") == 20230101
    assert date_num(None) == date_num("") == date_num("June 2023") == date_num("2023-02-30") == 0


def test_until_is_the_end_of_its_period_and_since_the_start():
    assert date_range("2023", "2023") == DateRange(20230101, 20231231)
    assert date_range(None, "2024-02") == DateRange(None, 20240229)  # a leap year
    assert date_range("2023-03-04", None) == DateRange(20230304, None)
    assert date_range(None, None) is None


def test_keeps_a_year_only_date_inside_its_year_and_drops_undated():
    r = date_range("2023", "2023-12-31")
    assert r.keeps(date_num("2023")) and r.keeps(date_num("2023-12-31"))
    assert r.keeps(date_num("2023-07"))
    assert not r.keeps(date_num("2022-12-31")) and not r.keeps(date_num("2024-01-01"))
    assert not r.keeps(date_num(None)) and not r.keeps(date_num("soon"))


def test_keeps_answers_for_each_date_of_an_array():
    nums = np.array([date_num(d) for d in ("2023-07", None, "2024-01-01", "2022")])
    assert date_range("2023", None).keeps(nums).tolist() == [True, False, True, False]
    assert date_range(None, "2023").keeps(nums).tolist() == [True, False, False, True]


@pytest.mark.parametrize(
    "since, until",
    [("2023-13", None), (None, "23-01-01"), ("2023-02-30", None), ("yesterday", None)],
)
def test_bad_dates_are_input_errors(since, until):
    with pytest.raises(InputError, match="YYYY"):
        date_range(since, until)


def test_an_empty_range_is_refused():
    with pytest.raises(InputError, match="after"):
        date_range("2024", "2023")


def test_messages_name_the_arguments_as_the_caller_says():
    with pytest.raises(InputError, match=r"^since must be a date"):
        date_range("yesterday", None)
    with pytest.raises(InputError, match=r"^--until must be a date"):
        date_range(None, "x", ("--since", "--until"))
    with pytest.raises(InputError, match=r"^--since 2024 is after --until 2023;"):
        date_range("2024", "2023", ("--since", "--until"))
