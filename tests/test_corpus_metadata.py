from __future__ import annotations

import datetime as dt

import pytest

from evqa.corpus.metadata import (
    date_problem,
    extract_metadata,
    field_type_errors,
    looks_like_headline,
    normalize_date,
    normalize_fields,
    normalize_title,
    parse_date,
    split_front_matter,
)

BODY = "The company said sales rose 20% in the first half. It plans a new plant."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-12-28", "2023-12-28"),
        ("2024-05-17T10:00:00Z", "2024-05-17"),
        ("December 25 , 2020", "2020-12-25"),
        ("Dec. 25, 2020", "2020-12-25"),
        ("25 December 2020", "2020-12-25"),
        ("Thu, 25 Dec 2020 10:30 AM ET", "2020-12-25"),
        ("May 2024", "2024-05"),
        ("2024-05", "2024-05"),
        ("2021", "2021"),
        ("2024-02-30", None),
        ("yesterday", None),
        ("Monday", None),
        ("not a date", None),
        ("", None),
    ],
)
def test_parse_date(raw: str, expected: str | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05.03.2024", "2024-03-05"),  # dotted: day first, wherever it is written so
        ("5.3.2024", "2024-03-05"),
        ("05.03.2024 10:30", "2024-03-05"),
        ("Tue, 05.03.2024", "2024-03-05"),
        ("12.25.2024", "2024-12-25"),  # no day-first reading: the only one there is
        ("12/05/2022", "2022-12-05"),  # slashed: ambiguous, month first (US)
        ("05-03-2024", "2024-05-03"),
        ("25/12/2022", "2022-12-25"),  # no month-first reading: the only one there is
        ("31.02.2024", None),
        ("13/13/2024", None),
        ("2024.03.05", "2024-03-05"),
    ],
)
def test_numeric_dates_dotted_day_first_slashed_month_first(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected
    assert parse_date(raw, partial=False) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("February 30, 2024", "February 2024 has 29 days"),
        ("Thursday, 31st April 2025", "April 2025 has 30 days"),
        ("2023-02-29", "February 2023 has 28 days"),
        ("2024-13-01", "there is no month 13"),
        ("31.02.2024", "February 2024 has 29 days"),
        ("13/13/2024", "there is no month 13"),
        ("February 29, 2024", None),
        ("25/12/2022", None),
        ("not a date", None),
        ("sometime in 2024", None),
    ],
)
def test_date_problem_says_why_a_written_date_names_no_day(raw: str, problem: str | None):
    assert date_problem(raw) == problem


@pytest.mark.parametrize(
    "line",
    [
        "Published February 30, 2024",
        "Updated: 31.04.2024",
        "By Jane Doe, February 30, 2024",
        "Jane Doe · Lyon · Published February 30, 2024",
        "February 30, 2024",
    ],
)
def test_a_head_line_with_a_date_that_names_no_day_is_consumed_and_said(line: str) -> None:
    found = extract_metadata(f"Bus Company Orders Hydrogen Buses\n{line}\n\n{BODY}")
    assert (found.title, found.date, found.text) == (
        "Bus Company Orders Hydrogen Buses",
        None,
        BODY,
    )
    assert found.date_problem.startswith("date '")
    assert "is not a recognisable date (" in found.date_problem


def test_a_valid_date_below_a_bad_one_dates_the_article_with_no_problem() -> None:
    found = extract_metadata(f"Published February 30, 2024\nUpdated March 2, 2024\n\n{BODY}")
    assert (found.date, found.date_problem) == ("2024-03-02", None)
    found = extract_metadata(f"TOKYO, February 30, 2025 — {BODY}")
    assert found.date is None and "February 2025 has 28 days" in found.date_problem
    assert extract_metadata(f"Headline Of The Story Here\n\n{BODY}").date_problem is None


def test_parse_date_without_partial_needs_a_day() -> None:
    assert parse_date("May 2024", partial=False) is None
    assert parse_date("2021", partial=False) is None
    assert parse_date("May 3, 2024", partial=False) == "2024-05-03"


def test_normalize_date_accepts_date_objects() -> None:
    assert normalize_date(dt.date(2020, 1, 2)) == "2020-01-02"
    assert normalize_date(dt.datetime(2020, 1, 2, 3, 4)) == "2020-01-02"
    assert normalize_date(["2020"]) is None


def test_labelled_dateline_is_consumed() -> None:
    found = extract_metadata(f"date 2023-12-28\n\n{BODY}")
    assert found.date == "2023-12-28"
    assert found.title is None
    assert found.text == BODY


def test_headline_and_byline_with_date() -> None:
    text = (
        "BAIC BJEV makes headway in solid-state batteries\n\n"
        f"Monika From Gasgoo| December 25 , 2020\n\n{BODY}"
    )
    found = extract_metadata(text)
    assert found.title == "BAIC BJEV makes headway in solid-state batteries"
    assert found.date == "2020-12-25"
    assert found.text == BODY


@pytest.mark.parametrize(
    "line",
    [
        "Published: March 3, 2024",
        "Posted on 2024-03-03",
        "By Jane Doe | March 3, 2024",
        "March 3, 2024",
    ],
)
def test_dateline_forms(line: str) -> None:
    found = extract_metadata(f"{line}\n{BODY}")
    assert found.date == "2024-03-03"
    assert found.text == BODY


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("By Katrin Vogel | DÜSSELDORF, March 26, 2026", "2026-03-26"),
        ("By Lin Haoran | HEFEI, China, Oct. 3, 2025", "2025-10-03"),
        ("By Rohan Deshpande | Nashik, November 19, 2026", "2026-11-19"),  # Title Case place
        ("By Claire Dufresne — Montreal, March 4, 2025", "2025-03-04"),
        ("PORI, Finland, Nov. 27, 2025 / By Liisa Korhonen", "2025-11-27"),
        ("MANKATO, Minn. (July 15, 2025) -- Greta Lindahl, Staff Writer", "2025-07-15"),
        ("By Elena Marchetti in Turin and Li Wen in Hefei\nTURIN/HEFEI, 22 May 2025", "2025-05-22"),
    ],
)
def test_byline_with_place_and_date(head: str, expected: str) -> None:
    # a byline's part may be a dateline in any case, its date bracketed; a spaced slash
    # parts a byline; a byline may say where its writers are; a place may be two places
    found = extract_metadata(f"Battery maker opens new plant in Hefei\n{head}\n\n{BODY}")
    assert found.title == "Battery maker opens new plant in Hefei"
    assert found.date == expected
    assert found.text == BODY


def test_byline_place_with_a_date_that_names_no_day() -> None:
    found = extract_metadata(f"By Rohan Deshpande | Nashik, February 30, 2026\n\n{BODY}")
    assert found.date is None
    assert "February 2026 has 28 days" in found.date_problem
    assert found.text == BODY


def test_title_case_place_and_date_alone_is_still_a_headline() -> None:
    # without a byline's separators, a Title Case line with a date is the headline
    found = extract_metadata(f"Fed Raises Rates, March 3, 2025\n\n{BODY}")
    assert found.title == "Fed Raises Rates, March 3, 2025"
    assert found.date is None


def test_plain_byline_is_removed_without_date() -> None:
    found = extract_metadata(f"Battery maker opens new plant in Hefei\nBy Jane Doe\n{BODY}")
    assert found.title == "Battery maker opens new plant in Hefei"
    assert found.date is None
    assert found.text == BODY


def test_date_in_body_is_not_the_publication_date() -> None:
    text = f"{BODY}\nThe battery was first revealed in May 2024.\nPublished: March 3, 2024"
    found = extract_metadata(text)
    assert found.date is None
    assert found.title is None
    assert found.text == text


def test_body_first_line_gives_no_title() -> None:
    long_line = (
        "Volkswagen-backed Gotion is making waves, announcing that its battery is in production."
    )
    found = extract_metadata(f"{long_line}\nSection heading here\nMore body text.")
    assert found.title is None
    assert found.text.startswith(long_line)


def test_title_is_never_a_long_paragraph() -> None:
    paragraph = " ".join(["word"] * 60)
    assert not looks_like_headline(paragraph)
    assert extract_metadata(f"{paragraph}\n{BODY}").title is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("China's Battery Titans BYD And CATL Forge Alliance", True),
        ("Will solid-state batteries win?", True),
        ("Two words", False),
        ("This is a sentence that ends with a period.", False),
        ("Key figures:", False),
        ("2024 2025 2026", False),
    ],
)
def test_looks_like_headline(line: str, expected: bool) -> None:
    assert looks_like_headline(line) is expected


@pytest.mark.parametrize(
    ("head", "title", "date"),
    [
        ("Bridge Reopens\nBy Ann Lee | March 3, 2024", "Bridge Reopens", "2024-03-03"),
        ("Markets Rally\nBy Tom Ray | June 4, 2024", "Markets Rally", "2024-06-04"),
        ("Ferry Strike\nPublished August 21, 2025", "Ferry Strike", "2025-08-21"),
        ("Ferry Strike\nBy Ann Lee\nMarch 3, 2024", "Ferry Strike", "2024-03-03"),
        ("‘Never Again’\nBy Ann Lee, March 3, 2024", "‘Never Again’", "2024-03-03"),
    ],
)
def test_a_two_word_headline_above_a_dated_byline_is_the_title(head, title, date) -> None:
    found = extract_metadata(f"{head}\n\n{BODY}")
    assert (found.title, found.date, found.text) == (title, date, BODY)


def test_a_two_word_headline_above_an_opening_dateline_is_the_title() -> None:
    found = extract_metadata(f"Bridge Reopens\nTOKYO, March 3, 2025 — {BODY}")
    assert (found.title, found.date) == ("Bridge Reopens", "2025-03-03")
    assert found.text == f"TOKYO, March 3, 2025 — {BODY}"


def test_a_two_word_headline_above_a_day_that_is_no_day_is_the_title_undated() -> None:
    found = extract_metadata(f"Ferry Strike\nPublished February 30, 2025\n\n{BODY}")
    assert (found.title, found.date, found.text) == ("Ferry Strike", None, BODY)
    assert "February 2025 has 28 days" in found.date_problem


def test_one_word_above_a_dated_byline_stays_in_the_text_and_the_date_is_found() -> None:
    # a section ("Opinion") more often than a headline: not the title
    found = extract_metadata(f"Opinion\nBy Ann Lee | March 3, 2024\n\n{BODY}")
    assert (found.title, found.date, found.text) == (None, "2024-03-03", f"Opinion\n\n{BODY}")


@pytest.mark.parametrize(
    "text",
    [
        "Yes.\nThe council voted on Monday to close the road.",
        "Yes.\nBy Ann Lee | March 3, 2024\n\nThe council voted.",  # a sentence
        "Bridge Reopens\nThe council voted on Monday to close the road.",  # no byline
        "Bridge Reopens\nBy Ann Lee\n\nThe council voted on Monday.",  # nor a date
        "Bridge Reopens\nIt reopened on March 3, 2024.",  # a date in a sentence
        "bridge reopens\nBy Ann Lee | March 3, 2024\n\nThe council voted.",  # lower case
        "Bridge Reopens\nMarch 3, 2020 - the day markets crashed.",  # no dateline
        "Key figures:\nPublished August 21, 2025\n\nThe council voted.",  # a label
    ],
)
def test_a_short_first_line_above_no_dated_head_line_is_body(text: str) -> None:
    found = extract_metadata(text)
    assert found.title is None
    assert found.text.split("\n")[0] == text.split("\n")[0]


def test_a_short_headline_with_an_explicit_title_stays_in_the_text() -> None:
    text = f"Bridge Reopens\nBy Ann Lee | March 3, 2024\n\n{BODY}"
    found = extract_metadata(text, title_hint="Kessel Bridge Reopens To Traffic")
    assert (found.title, found.date, found.text) == (
        None,
        "2024-03-03",
        f"Bridge Reopens\n\n{BODY}",
    )
    found = extract_metadata(text, title_hint="bridge reopens")
    assert (found.title, found.text) == ("Bridge Reopens", BODY)


def test_sentence_starting_with_by_is_not_a_byline() -> None:
    text = f"By Tesla standards, the car is slow.\n{BODY}"
    assert extract_metadata(text).text == text


def test_single_headline_only_text_is_kept_as_body() -> None:
    found = extract_metadata("Battery maker opens new plant in Hefei")
    assert found.title is None
    assert found.text == "Battery maker opens new plant in Hefei"


def test_title_hint_consumes_only_a_matching_line() -> None:
    text = f"Gotion starts  pilot production\n{BODY}"
    assert extract_metadata(text, title_hint="gotion starts pilot production").text == BODY
    other = extract_metadata(text, title_hint="Something else")
    assert other.title is None
    assert other.text == text


def test_front_matter_is_split_off() -> None:
    raw = "---\ntitle: My title\ndate: 2021-03-04\nauthor: x\n---\nBody text here."
    fields, rest, problems = split_front_matter(raw)
    assert fields == {"title": "My title", "date": "2021-03-04"}  # as written, for parse_date
    assert rest == "Body text here."
    assert problems == []


def test_broken_front_matter_is_dropped_with_a_problem() -> None:
    fields, rest, problems = split_front_matter("---\ntitle: [unclosed\n---\nBody.")
    assert fields == {}
    assert rest == "Body."
    assert "not valid YAML" in problems[0]


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("2024-02-30", "2024-02-30"),  # no day: for parse_date to say so, not a ValueError
        ("2024-13-01", "2024-13-01"),
        ("2001-12-14 21:59:43.10 -5", "2001-12-14"),  # a YAML timestamp: its date as written
        ("2024-05-17T23:30:00+02:00", "2024-05-17"),
        ("!!timestamp 2024-02-30", "2024-02-30"),
        ("March 3, 2024", "March 3, 2024"),
    ],
)
def test_a_front_matter_date_stays_a_string(written: str, date: str) -> None:
    fields, rest, problems = split_front_matter(f"---\ndate: {written}\n---\nBody.")
    assert (fields, rest, problems) == ({"date": date}, "Body.", [])


@pytest.mark.parametrize(
    "body",
    ["count: !!int many", "deep: " + "[" * 100_000 + "]" * 100_000],
    ids=["a value its tag cannot make", "nested too deeply"],
)
def test_front_matter_yaml_cannot_read_is_dropped_with_a_problem(body: str) -> None:
    fields, rest, problems = split_front_matter(f"---\ntitle: T\n{body}\n---\nBody.")
    assert (fields, rest) == ({}, "Body.")
    assert problems[0].startswith("front matter is not valid YAML (")


def test_text_without_front_matter_is_unchanged() -> None:
    raw = "---\n\nA line after a rule.\n---\nMore."
    assert split_front_matter(raw) == ({}, raw, [])


def test_field_type_errors() -> None:
    errors = field_type_errors({"title": 3, "date": dt.date(2020, 1, 1), "url": None, "x": 1})
    assert list(errors) == ["title"]
    assert "must be a string" in errors["title"]


def test_normalize_fields() -> None:
    fields, warnings = normalize_fields(
        {"title": "  A   title ", "date": "soon", "url": " http://x ", "source": ""}
    )
    assert fields == {"title": "A title", "date": None, "url": "http://x"}
    assert warnings == ["date 'soon' is not a recognisable date; it was ignored"]
    _, warnings = normalize_fields({"date": "2024-02-30"})
    assert warnings == [
        "date '2024-02-30' is not a recognisable date (February 2024 has 29 days); it was ignored"
    ]


def test_explicit_fields_lose_control_characters():
    fields, _ = normalize_fields({"title": "Evil \x1b[31mRED\x9b", "url": "http://x\x1b"})
    assert fields == {"title": "Evil [31mRED", "url": "http://x"}
    assert normalize_title("A\x1bB") == "A B"


# --- news datelines and dated bylines ------------------------------------------------------

HEADLINE = "Japan pours more money into a 2nm chip plant"


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        ("WASHINGTON, October 14, 2025 — The US Commerce Department said", "2025-10-14"),
        ("TOKYO, April 3, 2025 — Japan's ministry said on Thursday", "2025-04-03"),
        ("GEORGE TOWN, Malaysia, June 5, 2025 — Penang attracted", "2025-06-05"),
        ("NEW YORK, Oct. 14, 2025 /PRNewswire/ -- Acme Corp today announced", "2025-10-14"),
        ("LONDON (Reuters), 3 March 2025 - Shares rose", "2025-03-03"),
        ("SEOUL, Thursday, October 30, 2025 – Hanbit Memory reported", "2025-10-30"),
        ("SÃO PAULO, March 3, 2025 — Petrobras said", "2025-03-03"),
        ("Paris (AFP), 3 March 2025 - The ministry said", "2025-03-03"),
        ("October 14, 2025 (Reuters) — The US Commerce Department said", "2025-10-14"),
        ("BERLIN, 2025-03-05: The ministry said", "2025-03-05"),
    ],
)
def test_a_dateline_opening_the_body_dates_the_article_and_stays(first_line, expected) -> None:
    text = f"{HEADLINE}\n\n{first_line} a new plan.\n\n{BODY}"
    found = extract_metadata(text)
    assert found.date == expected
    assert found.title == HEADLINE
    assert found.text == f"{first_line} a new plan.\n\n{BODY}"  # the dateline is body text


@pytest.mark.parametrize(
    "line",
    [
        "Ritika Sharma · Ahmedabad · Published August 21, 2025",
        "Ritika Sharma | Updated: August 21, 2025",
        "By Ritika Sharma, August 21, 2025",
        "By Ritika Sharma on 21 August 2025",
        "AHMEDABAD, August 21, 2025",
        "AHMEDABAD, Thursday, August 21, 2025 —",
        "ZÜRICH, August 21, 2025 —",
        "AUSTIN, Texas, August 21, 2025",
        "Kecskemét, Hungary — 21 August 2025 — By Dóra Szalai",  # parted by spaced dashes
        "Jakarta – 21 August 2025 – By Andreas Pratama",
        "Ritika Sharma -- August 21, 2025",
    ],
)
def test_a_dated_byline_or_dateline_line_is_consumed(line: str) -> None:
    found = extract_metadata(f"{HEADLINE}\n{line}\n{BODY}")
    assert found.date == "2025-08-21"
    assert found.text == BODY


@pytest.mark.parametrize(
    "first_line",
    [
        "By March 2027 the fab will make 2-nanometre chips — the company said.",
        "Hokuto aims to mass-produce chips by March 3, 2027 — a year later than planned.",
        "The plant opened on April 3, 2025 — two years late.",
        "In March 2027 — a year late — the plant will open.",
        "TOKYO, April 2025 — Japan's ministry said it would pay more.",
        "TOKYO — Japan's ministry said on April 3, 2025 that it would pay more.",
        "April 3, 2025, was the day Japan's ministry said it would pay more.",
        "TOKYO, April 31, 2025 — no such day.",
        # a date opening the body without a place in capitals or an agency is the body's
        "March 3, 2020 - the day markets crashed - still haunts investors.",
        "October 14, 2025 — The US Commerce Department said it would act.",
        "Paris, March 3, 2025 - the climate talks opened.",
        "October 19, 1987: Black Monday wiped 22% off the Dow in a single day.",
        "Paris — March 3, 2025 — the climate talks opened with a row over money",  # long
    ],
)
def test_a_date_in_the_body_text_does_not_date_the_article(first_line: str) -> None:
    text = f"{HEADLINE}\n\n{first_line}\n\n{BODY}"
    found = extract_metadata(text)
    assert found.date is None
    assert found.text == f"{first_line}\n\n{BODY}"


@pytest.mark.parametrize(
    "headline",
    [
        "Fed Raises Rates, March 3, 2025",
        "Fed Holds Rates, Says Inflation Sticky, March 3, 2025",
        "Dow Jones, March 3, 2025",
        "Signed In Paris, December 12, 2015",
        "AMD, Nvidia Rally, March 3, 2025",
        "FED RAISES RATES, MARCH 3, 2025",
    ],
)
def test_a_headline_with_a_date_stays_the_title_and_is_no_dateline(headline: str) -> None:
    found = extract_metadata(f"{headline}\n\n{BODY}")
    assert found.title == headline
    assert found.date is None
    assert found.text == BODY


def test_a_dateline_with_a_region_below_the_headline_is_consumed() -> None:
    found = extract_metadata(f"{HEADLINE}\nGEORGE TOWN, Malaysia, June 5, 2025\n{BODY}")
    assert (found.title, found.date, found.text) == (HEADLINE, "2025-06-05", BODY)


def test_a_dateline_deeper_than_the_first_body_line_is_ignored() -> None:
    text = f"{HEADLINE}\n\nSEOUL — Shares rose.\n\nTOKYO, April 3, 2025 — Japan said more.\n{BODY}"
    assert extract_metadata(text).date is None


def test_the_byline_date_wins_over_a_dateline_in_the_body() -> None:
    text = f"{HEADLINE}\nBy Jane Doe | May 1, 2025\nTOKYO, April 3, 2025 — Japan said.\n{BODY}"
    assert extract_metadata(text).date == "2025-05-01"


def test_head_date_takes_the_first_dated_line() -> None:
    from evqa.corpus.metadata import head_date

    lines = ["Home › Tech", "Ritika Sharma · Ahmedabad · Published August 21, 2025", "May 2024"]
    assert head_date(lines) == "2025-08-21"
    assert head_date(["Advertisement", "by March 2027 the fab will open"]) is None
    assert head_date([]) is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # the dateline below says which reading of "12/05/2024" is meant
        ("12/05/2024\n\nVALDORA CITY, 12 May 2024 (Reuters) — The party won.", "2024-05-12"),
        ("12/05/2024\nPublished 2024-05-12\n\nThe party won.", "2024-05-12"),
        ("12-05-2024\n\nVALDORA CITY, May 12, 2024 — The party won.", "2024-05-12"),
        ("05.12.2024\n\nVALDORA CITY, 12 May 2024 (Reuters) — The party won.", "2024-05-12"),
        # it agrees with the usual reading, or is neither reading: the usual reading stays
        ("12/05/2024\n\nVALDORA CITY, 5 December 2024 (Reuters) — The party won.", "2024-12-05"),
        ("12/05/2024\n\nVALDORA CITY, 7 May 2024 (Reuters) — The party won.", "2024-12-05"),
        # one reading only ("25/12/2024"), or a date in the body: nothing to settle
        ("25/12/2024\n\nVALDORA CITY, 12 May 2024 (Reuters) — The party won.", "2024-12-25"),
        ("12/05/2024\n\nThe party won on 12 May 2024, officials said.", "2024-12-05"),
        # the first line is unambiguous: it wins, as before
        ("Published May 12, 2024\n12/05/2023\n\nThe party won.", "2024-05-12"),
    ],
)
def test_a_head_date_settles_an_ambiguous_numeric_date(head: str, expected: str) -> None:
    found = extract_metadata(f"{HEADLINE}\n{head}")
    assert (found.title, found.date) == (HEADLINE, expected)


def test_head_date_settles_an_ambiguous_numeric_date() -> None:
    from evqa.corpus.metadata import head_date

    assert head_date(["12/05/2024", "By Jane Doe, 12 May 2024"]) == "2024-05-12"
    assert head_date(["12/05/2024", "By Jane Doe, 7 May 2024"]) == "2024-12-05"
    assert head_date(["12/05/2024", "Updated 11/05/2024"]) == "2024-12-05"
