"""Cleaning raw text into an article: front matter, headings, heuristics (evqa.corpus.clean)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_fakes import BODY, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evqa.corpus import clean_article, read_corpus
from evqa.errors import InputError
from evqa.types import Article


def test_front_matter_in_text_file(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"---\ntitle: Front title\ndate: 2021-03-04\n---\n# Heading\n\n{BODY}")
    article = read_corpus(tmp_path).articles[0]
    assert (article.title, article.date) == ("Front title", "2021-03-04")
    assert article.text == BODY


def test_front_matter_wrong_types_warn(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"---\ntitle: [1, 2]\ndate: whenever\n---\n{BODY}")
    read = read_corpus(tmp_path)
    assert read.articles[0].title is None and read.articles[0].date is None
    assert len(read.warnings) == 2


def test_clean_article_pipeline() -> None:
    raw = (
        "Please click the button to open\nHeadline of the test story\n"
        f"By Jane Doe | May 3, 2024\n{BODY}\nComments"
    )
    article = clean_article(raw, "doc", kind="txt", source="here")
    assert article == Article(
        id="doc", text=BODY, title="Headline of the test story", date="2024-05-03", source="here"
    )


def test_clean_article_rejects_unknown_kind() -> None:
    with pytest.raises(InputError, match="kind"):
        clean_article(BODY, "doc", kind="pdf")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.text(), kind=st.sampled_from(["txt", "md", "html"]))
def test_clean_article_never_raises(raw: str, kind: str) -> None:
    warnings: list[str] = []
    article = clean_article(raw, "doc", kind=kind, warnings=warnings)
    assert article.text == article.text.strip()
    assert article.title is None or len(article.title) > 0


# --- datelines: explicit metadata wins; an HTML page's byline above the text ---------------

DATELINE = "TOKYO, April 3, 2025 — Japan's ministry said on Thursday it would pay more."


@pytest.mark.parametrize(
    ("name", "raw", "meta"),
    [
        ("a.md", f"---\ndate: 2025-04-04\n---\n{DATELINE}\n\n{BODY}", None),
        ("a.txt", f"{DATELINE}\n\n{BODY}", {"date": "2025-04-04"}),
        ("a.jsonl", None, None),
    ],
)
def test_explicit_dates_win_over_a_dateline(tmp_path: Path, name, raw, meta) -> None:
    if name.endswith(".jsonl"):
        row = {"id": "a", "text": f"{DATELINE}\n\n{BODY}", "date": "2025-04-04"}
        write(tmp_path / name, json.dumps(row) + "\n")
    else:
        write(tmp_path / name, raw)
    if meta:
        write(tmp_path / "a.meta.json", json.dumps(meta))
    path = tmp_path / name if name.endswith(".jsonl") else tmp_path
    article = read_corpus(path).articles[0]
    assert article.date == "2025-04-04"
    assert article.text.startswith(DATELINE)


def test_a_dateline_dates_a_text_file(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"Japan pours more money into its chip plant\n\n{DATELINE}\n{BODY}")
    assert read_corpus(tmp_path).articles[0].date == "2025-04-03"


def test_a_text_files_dated_headline_stays_its_title(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"Signed In Paris, December 12, 2015\n\n{BODY}")
    article = read_corpus(tmp_path).articles[0]
    assert (article.title, article.date) == ("Signed In Paris, December 12, 2015", None)
    assert article.text == BODY


def _page(head: str = "", meta: str = "", below: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in [BODY] * 3)
    return (
        f"<html><head><title>Chip plant begins trial runs</title>{head}</head><body>"
        '<div id="top"><a href="/">Daily</a> | <a href="/tech">Tech</a></div>'
        "<article><h1>Chip plant begins trial runs</h1>"
        f'<div class="meta">{meta}</div>'
        f"<p>AHMEDABAD — Sarvam began trial production on Thursday.{below}</p>{paragraphs}"
        "</article></body></html>"
    )


def test_an_html_byline_above_the_text_dates_the_page() -> None:
    meta = "Ritika Sharma · Ahmedabad · Published August 21, 2025"
    article = clean_article(_page(meta=meta), "p", kind="html")
    assert article.date == "2025-08-21"
    assert article.text.startswith("AHMEDABAD — Sarvam")


def test_an_html_pages_declared_date_wins_over_its_byline() -> None:
    head = '<meta property="article:published_time" content="2025-08-20T07:30:00+02:00">'
    meta = "Ritika Sharma · Published August 21, 2025"
    assert clean_article(_page(head, meta), "p", kind="html").date == "2025-08-20"


def test_a_date_in_an_html_pages_text_does_not_date_it() -> None:
    below = " By March 3, 2027 the plant will make chips. Published August 21, 2025"
    page = _page(meta="Ritika Sharma · Ahmedabad", below=below)
    assert clean_article(page, "p", kind="html").date is None


def test_a_date_in_the_head_that_names_no_day_leaves_the_article_undated_with_a_warning(
    tmp_path: Path,
) -> None:
    head = "Bad Date Headline On Buses\nPublished February 30, 2024"
    write(tmp_path / "bad.txt", f"{head}\n\n{BODY}")
    write(tmp_path / "euro.txt", f"Euro Date Headline On Trams\n05.03.2024\n\n{BODY} Graz.")
    read = read_corpus(tmp_path)
    bad, euro = read.articles
    assert (bad.title, bad.date, bad.text) == ("Bad Date Headline On Buses", None, BODY)
    assert (euro.title, euro.date) == ("Euro Date Headline On Trams", "2024-03-05")
    assert read.warnings == (
        "bad.txt: date 'February 30, 2024' is not a recognisable date (February 2024 has 29 "
        "days); the article is left undated",
    )


def test_an_explicit_date_silences_a_bad_one_in_the_head() -> None:
    notes: list[str] = []
    raw = f"Bad Date Headline On Buses\nPublished February 30, 2024\n\n{BODY}"
    article = clean_article(raw, "a", meta={"date": "2024-03-01"}, warnings=notes)
    assert (article.date, notes) == ("2024-03-01", [])


# --- front matter and HTML <meta> dates go through parse_date, as every date does ----------


@pytest.mark.parametrize(
    ("written", "why"), [("2024-02-30", "February 2024 has 29 days"), ("2024-13-01", "no month 13")]
)
def test_a_front_matter_date_that_names_no_day_leaves_the_article_undated_with_a_warning(
    tmp_path: Path, written: str, why: str
) -> None:
    write(tmp_path / "depot.md", f"---\ntitle: Tram Depot Rebuilt\ndate: {written}\n---\n{BODY}")
    for read in (read_corpus(tmp_path), read_corpus(tmp_path, skip_bad=True)):
        (article,) = read.articles
        assert (article.title, article.date, article.text) == ("Tram Depot Rebuilt", None, BODY)
        (warning,) = read.warnings
        assert warning.startswith(f"depot.md: front matter date '{written}' is not a recognisable")
        assert why in warning and warning.endswith("; it was ignored")


def _meta_page(*metas: tuple[str, str]) -> str:
    tags = "".join(f'<meta {attribute} content="{value}">' for attribute, value in metas)
    return (
        f"<html><head><title>Harbour cranes</title>{tags}</head><body><article>"
        f"<h1>Harbour cranes</h1><p>The harbour installed new cranes. {BODY}</p>"
        "</article></body></html>"
    )


@pytest.mark.parametrize(
    ("metas", "date"),
    [
        ([('name="date"', "12/05/2022")], "2022-12-05"),  # slashes: month first
        ([('name="date"', "25/12/2022")], "2022-12-25"),  # only the day-first reading
        ([('name="date"', "05.03.2024")], "2024-03-05"),  # dots: day first
        ([('itemprop="datePublished"', "12/05/2022")], "2022-12-05"),
        # a publication date wins over a modification date, wherever it is
        (
            [
                ('property="article:modified_time"', "2024-05-01"),
                ('property="article:published_time"', "2024-04-01T09:00:00Z"),
            ],
            "2024-04-01",
        ),
        # a form parse_date does not read: htmldate's reading of it stands
        ([('name="date"', "20220512")], "2022-05-12"),
    ],
)
def test_an_html_pages_meta_date_is_read_as_every_date_is(
    metas: list[tuple[str, str]], date: str
) -> None:
    notes: list[str] = []
    assert clean_article(_meta_page(*metas), "p", kind="html", warnings=notes).date == date
    assert notes == []


def test_an_html_meta_date_that_names_no_day_leaves_the_page_undated_with_a_warning() -> None:
    notes: list[str] = []
    page = _meta_page(('property="article:published_time"', "2024-02-30T10:00:00Z"))
    assert clean_article(page, "p", kind="html", warnings=notes).date is None
    assert notes == [
        "page metadata date '2024-02-30T10:00:00Z' is not a recognisable date (February 2024 "
        "has 29 days); it was ignored"
    ]


# --- a page's publication date wins over its modification dates, wherever those are -------

_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "Harbour cranes", "datePublished": "2023-11-02T09:15:00Z", '
    '"dateModified": "2024-01-15T10:00:00Z"}</script>'
)
_MODIFIED_METAS = (
    '<meta property="og:updated_time" content="2024-01-15T10:00:00+00:00">'
    '<meta property="article:modified_time" content="2024-01-15T10:00:00+00:00">'
)


def _dated_page(head: str, byline: str = "") -> str:
    return (
        f"<html><head><title>Harbour cranes</title>{head}</head><body><article>"
        f"<h1>Harbour cranes</h1><p class='byline'>{byline}</p>"
        f"<p>The harbour installed new cranes. {BODY}</p></article></body></html>"
    )


@pytest.mark.parametrize(
    ("head", "byline", "date"),
    [
        (_MODIFIED_METAS + _JSON_LD, "", "2023-11-02"),  # JSON-LD datePublished
        (
            '<meta property="article:modified_time" content="2024-09-30T08:00:00Z">',
            "By Eva Lund, <time datetime='2024-07-05T08:00:00Z' itemprop='datePublished'>"
            "July 5, 2024</time>",
            "2024-07-05",
        ),
        # a modification date is the last resort: better than none
        (
            '<meta property="article:modified_time" content="2024-09-30T08:00:00Z">',
            "",
            "2024-09-30",
        ),
        ('<meta name="lastmod" content="2024-09-30">', "", "2024-09-30"),
    ],
)
def test_a_modification_date_dates_a_page_only_when_nothing_else_does(
    head: str, byline: str, date: str
) -> None:
    notes: list[str] = []
    article = clean_article(_dated_page(head, byline), "p", kind="html", warnings=notes)
    assert (article.date, notes) == (date, [])
    assert article.text.endswith(BODY)


# --- a site's name after an og:title, as after a <title> -----------------------------------


@pytest.mark.parametrize(
    "head",
    [
        "<title>Port Traffic Hits Record High | Baltic Shipping News</title>"
        "<meta property='og:title' content='Port Traffic Hits Record High | Baltic Shipping News'>",
        "<title>Port news</title><meta property='og:site_name' content='Baltic Shipping News'>"
        "<meta property='og:title' content='Port Traffic Hits Record High - Baltic Shipping News'>",
    ],
)
def test_a_site_name_after_the_og_title_is_dropped(head: str) -> None:
    page = (
        f"<html><head>{head}</head><body><article><h1>Port Traffic Hits Record High</h1>"
        f"<p>The port authority said container traffic rose 17 percent. {BODY}</p>"
        "</article></body></html>"
    )
    article = clean_article(page, "p", kind="html")
    assert article.title == "Port Traffic Hits Record High"
    assert article.text.startswith("The port authority said")  # the headline line is consumed


def test_an_og_title_whose_last_part_is_not_the_site_is_kept() -> None:
    page = (
        "<html><head><title>Fed holds rates | Daily Planet</title>"
        "<meta property='og:site_name' content='Daily Planet'>"
        "<meta property='og:title' content='Fed holds rates | Analysis'></head><body><article>"
        f"<p>The Fed held rates on Wednesday. {BODY}</p></article></body></html>"
    )
    assert clean_article(page, "p", kind="html").title == "Fed holds rates | Analysis"
