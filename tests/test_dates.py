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
    [(None, "23-01-01"), ("yesterday", None), ("2023-2-3", None), ("", "2023-02-03x")],
)
def test_badly_formed_dates_are_input_errors(since, until):
    with pytest.raises(InputError, match="YYYY"):
        date_range(since, until)


@pytest.mark.parametrize(
    "since, until, message",
    [
        ("2025-02-30", None, "since 2025-02-30 is not a date (February 2025 has 28 days)"),
        (None, "2024-02-30", "until 2024-02-30 is not a date (February 2024 has 29 days)"),
        ("2023-04-31", None, "since 2023-04-31 is not a date (April 2023 has 30 days)"),
        ("2023-13", None, "since 2023-13 is not a date (there is no month 13)"),
        ("2023-00-05", None, "since 2023-00-05 is not a date (there is no month 00)"),
        ("2023-02-00", None, "since 2023-02-00 is not a date (February 2023 has 28 days)"),
        ("0000", None, "since 0000 is not a date (there is no year 0)"),
    ],
)
def test_well_formed_dates_that_do_not_exist_say_why(since, until, message):
    with pytest.raises(InputError) as e:
        date_range(since, until)
    assert str(e.value) == message


def test_a_zero_month_or_day_is_no_date():
    assert date_num("2023-00") == date_num("2023-02-00") == 0


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


@pytest.mark.parametrize("value", ["", " ", "\t"])
def test_an_empty_date_is_refused_rather_than_read_as_no_filter(value):
    with pytest.raises(InputError, match=r"^since is empty: give a date .*or leave it out"):
        date_range(value, None)
    with pytest.raises(InputError, match=r"^--until is empty"):
        date_range(None, value, ("--since", "--until"))


@pytest.mark.parametrize(
    "value", [" 2023", "2023 ", "2023\n", "2023-06\n", "\u0662\u0660\u0662\u0663", "２０２３"]
)
def test_only_ascii_digits_without_surrounding_space_are_a_date(value):
    with pytest.raises(InputError, match=r"^since must be a date YYYY, YYYY-MM or YYYY-MM-DD"):
        date_range(value, None)


def test_the_schema_pattern_accepts_exactly_what_date_range_does():
    import re

    from evqa.dates import DATE_PATTERN

    for value in ["2023", "2023-06", "2023-06-15", " 2023", "2023\n", "٢٠٢٣", "", "2023-6"]:
        accepted = True
        try:
            date_range(value, None)
        except InputError:
            accepted = False
        # JSON Schema's $ is the end of the string: Python's \Z
        assert bool(re.search(DATE_PATTERN.replace("$", r"\Z"), value)) == accepted, value


def test_num_text_writes_a_date_num_back_as_iso():
    from evqa.dates import num_text

    assert num_text(date_num("2023-06")) == "2023-06-01"
    assert num_text(20241231) == "2024-12-31"
    assert num_text(date_num("0099-01-02")) == "0099-01-02"
