from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evqa.corpus import (
    article_hash,
    clean_article,
    corpus_fingerprint,
    decode_text,
    iter_corpus,
    read_article_file,
    read_corpus,
    safe_id,
)
from evqa.errors import CorpusError, InputError
from evqa.types import Article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
BODY = "Gotion said its battery entered pilot production. It plans a 2 GWh line."


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write_jsonl(path: Path, lines: list[object]) -> Path:
    rows = [x if isinstance(x, str) else json.dumps(x) for x in lines]
    return write(path, "\n".join(rows) + "\n")


# --- folders ------------------------------------------------------------------------------


def test_folder_is_read_recursively_and_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", BODY)
    write(tmp_path / "sub" / "a.md", f"# A heading here\n\n{BODY}")
    write(tmp_path / "sub" / "deeper" / "c.HTML", f"<html><body><p>{BODY}</p></body></html>")
    write(tmp_path / "notes.pdf", "ignored")
    write(tmp_path / "data.json", "{}")
    write(tmp_path / ".hidden.txt", BODY)
    write(tmp_path / ".git" / "x.txt", BODY)
    read = read_corpus(tmp_path)
    # ids are unique paths: a subfolder's files carry it, a top-level file is its name
    assert [a.id for a in read.articles] == ["b", "sub/a", "sub/deeper/c"]
    assert read.warnings == ()
    a = read.articles[1]
    assert a.title == "A heading here"
    assert a.text == BODY
    assert a.source == "sub/a.md"  # relative to the corpus root, never absolute
    assert read.articles[2].text == BODY


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \.txt, \.md or \.html files"):
        read_corpus(tmp_path)


def test_folder_without_supported_files(tmp_path: Path) -> None:
    write(tmp_path / "a.pdf", "x")
    write(tmp_path / ".hidden.txt", BODY)
    with pytest.raises(CorpusError, match="no .txt"):
        read_corpus(tmp_path)


def test_non_utf8_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "cp.txt", "Caf\u00e9 \u2013 na\u00efve \u20ac5 battery deal.".encode("cp1252"))
    read = read_corpus(tmp_path)
    assert read.articles[0].text == "Caf\u00e9 \u2013 na\u00efve \u20ac5 battery deal."
    assert read.warnings == ("cp.txt: not valid UTF-8; decoded as cp1252",)


def test_latin1_is_the_last_fallback() -> None:
    assert decode_text(b"a\x81b \xe9") == ("a\x81b \u00e9", "latin-1")


def test_utf16_and_bom_are_read() -> None:
    assert decode_text("\ufeffHello".encode("utf-8")) == ("Hello", None)
    assert decode_text("Hello wörld".encode("utf-16")) == ("Hello wörld", None)


@pytest.mark.parametrize(
    "content",
    [
        b"text\x00with nul",
        b"\x89PNG\r\n\x1a\n" + b"\x01" * 50,
        b"%PDF-1.7 stuff",
        bytes(range(1, 32)) * 4,
    ],
)
def test_binary_file_is_skipped_with_a_warning(tmp_path: Path, content: bytes) -> None:
    write(tmp_path / "bin.txt", content)
    write(tmp_path / "ok.txt", BODY)
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["ok"]
    assert read.warnings == ("bin.txt: looks like a binary file, not text; skipped",)


@pytest.mark.parametrize("content", ["", "  \n\n\t ", "Loading...\nComments\nJoin Now: Free!\n"])
def test_empty_file_is_skipped_with_a_warning(tmp_path: Path, content: str) -> None:
    write(tmp_path / "empty.txt", content)
    write(tmp_path / "ok.txt", BODY)
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["ok"]
    assert read.warnings == ("empty.txt: no article text (empty, or only boilerplate); skipped",)


def test_nothing_left_after_skipping(tmp_path: Path) -> None:
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "bin.txt", b"\x00\x01")
    with pytest.raises(CorpusError, match=r"no readable articles .*2 item\(s\) skipped"):
        read_corpus(tmp_path)


def test_duplicate_file_ids(tmp_path: Path) -> None:
    write(tmp_path / "x" / "same.md", "First one. " + BODY)
    write(tmp_path / "x" / "same.txt", "Second one. " + BODY)
    with pytest.raises(CorpusError, match="duplicate article id 'x/same'") as err:
        read_corpus(tmp_path)
    # the message speaks of the CLI flag and of what it would do, not of a kept article
    assert "--skip-bad" in str(err.value) and "skip_bad=True" not in str(err.value)
    assert "(x/same.md is then kept)" in str(err.value)
    read = read_corpus(tmp_path, skip_bad=True)
    assert [a.text[:10] for a in read.articles] == ["First one."]
    assert read.warnings[0] == (
        "x/same.txt: duplicate article id 'x/same' (also x/same.md); skipped, x/same.md is kept"
    )


def test_same_file_name_in_nested_folders_gives_distinct_ids(tmp_path: Path) -> None:
    write(tmp_path / "2023" / "jan" / "story.txt", "Old story. " + BODY)
    write(tmp_path / "2024" / "jan" / "story.txt", "New story. " + BODY)
    write(tmp_path / "000_435de727ab52d225.txt", "Top level. " + BODY)
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == [
        "000_435de727ab52d225",  # files at the top keep their name as id
        "2023/jan/story",
        "2024/jan/story",
    ]
    assert read.warnings == ()


def test_unsafe_file_name_is_sanitised(tmp_path: Path) -> None:
    write(tmp_path / "bad\nname\x01.txt", BODY)
    read = read_corpus(tmp_path)
    assert read.articles[0].id == "bad_name_"
    assert "unsafe characters" in read.warnings[0]


def test_an_undecodable_file_name_is_read_and_shown_printably(tmp_path: Path) -> None:
    import os

    with open(os.fsencode(tmp_path) + b"/caf\xe9 news.txt", "wb") as f:
        f.write(b"Renault cut prices of its electric cars on Monday, dealers said.\n")
    read = read_corpus(tmp_path)
    article = read.articles[0]
    assert article.id == "caf_ news"
    assert article.source == "caf\ufffd news.txt"  # storable as UTF-8, printable
    assert read.warnings == (
        "caf\ufffd news.txt: unsafe characters in the file name; article id is 'caf_ news'",
    )
    assert corpus_fingerprint(tmp_path)
    (file,) = tmp_path.iterdir()
    article, warnings = read_article_file(file)
    assert article.source == "caf\ufffd news.txt"


def test_broken_links_are_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "real.txt", BODY)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nonexistent" / "x.txt")
    (tmp_path / "dangling.pdf").symlink_to(tmp_path / "nonexistent" / "x.pdf")
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["real"]
    assert len(read.warnings) == 1  # the .pdf is not a corpus file: ignored, no warning
    assert read.warnings[0].startswith("dangling.txt: a broken link")
    assert read.warnings[0].endswith("; skipped")
    first = corpus_fingerprint(tmp_path)
    (tmp_path / "nonexistent").mkdir()
    write(tmp_path / "nonexistent" / "x.txt", BODY + " More.")
    assert corpus_fingerprint(tmp_path) != first


def test_boilerplate_only_html_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "cookies.html", BOILERPLATE_HTML)
    write(tmp_path / "story.html", SHORT_ARTICLE_HTML)
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["story"]
    assert read.articles[0].text == (
        "Renault cut the price of its electric Megane by 4,000 euros on Monday, "
        "dealers in Lyon said."
    )
    assert read.warnings == ("cookies.html: no article text (empty, or only boilerplate); skipped",)


BOILERPLATE_HTML = """<html><head><title>Example News</title></head><body>
<div class="cookie-banner">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<footer><p>Example News Ltd. <a href="/privacy">Privacy policy</a></p></footer>
</body></html>"""

SHORT_ARTICLE_HTML = """<html><head><title>Renault cuts prices</title></head><body>
<div id="consent-popup">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<nav><a href="/">Home</a> <a href="/cars">Cars</a></nav>
<article><h1>Renault cuts prices</h1><p>Renault cut the price of its electric Megane by
4,000 euros on Monday, dealers in Lyon said.</p></article>
<footer>Example News Ltd, 1 Main Street</footer></body></html>"""


def test_single_file_path_is_a_corpus(tmp_path: Path) -> None:
    path = write(tmp_path / "one.txt", BODY)
    assert [a.id for a in read_corpus(path).articles] == ["one"]


# --- sidecars and front matter ------------------------------------------------------------


def test_sidecar_wins_over_heuristics(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"Heuristic headline of the story\ndate 2020-01-01\n{BODY}")
    meta = {"title": "Sidecar title", "date": "March 3, 2024", "url": "https://x.test/a"}
    write(tmp_path / "a.meta.json", json.dumps(meta))
    article = read_corpus(tmp_path).articles[0]
    assert (article.title, article.date, article.url) == (
        "Sidecar title",
        "2024-03-03",
        meta["url"],
    )
    assert article.text == f"Heuristic headline of the story\n\n{BODY}"


def test_sidecar_bad_date_keeps_none_and_warns(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"date 2020-01-01\n{BODY}")
    write(tmp_path / "a.meta.json", json.dumps({"date": "sometime"}))
    read = read_corpus(tmp_path)
    assert read.articles[0].date is None
    assert read.warnings == (
        "a.meta.json: date 'sometime' is not a recognisable date; it was ignored",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable UTF-8 JSON"),
        ("[1]", "JSON object"),
        ('{"title": 5}', "must be a string"),
    ],
)
def test_bad_sidecar(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "b.txt", BODY)
    write(tmp_path / "sub" / "a.meta.json", "{}")
    write(tmp_path / "b.meta.json", content)
    with pytest.raises(CorpusError, match=message):
        read_corpus(tmp_path)
    read = read_corpus(tmp_path, skip_bad=True)
    assert [a.id for a in read.articles] == ["a"]
    assert read.warnings[0].startswith("b.meta.json: ") and read.warnings[0].endswith("skipped")


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


def test_read_article_file_with_sidecar(tmp_path: Path) -> None:
    path = write(
        tmp_path / "doc.html", f"<html><body><article><p>{BODY}</p></article></body></html>"
    )
    write(tmp_path / "doc.meta.json", json.dumps({"title": "T", "source": "Example News"}))
    article, warnings = read_article_file(path)
    assert article is not None and warnings == ()
    assert (article.id, article.title, article.source, article.text) == (
        "doc",
        "T",
        "Example News",
        BODY,
    )


def test_read_article_file_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a supported file"):
        read_article_file(write(tmp_path / "a.pdf", "x"))
    with pytest.raises(CorpusError, match="does not exist"):
        read_article_file(tmp_path / "missing.txt")


# --- JSONL --------------------------------------------------------------------------------


def test_jsonl_corpus(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "id": "z",
                "text": BODY,
                "title": "Zed",
                "date": "May 3, 2024",
                "url": "u",
                "extra": 1,
            },
            "",
            {"id": "a", "text": f"Headline of article a here\n{BODY}", "title": None},
        ],
    )
    read = read_corpus(path)
    assert read.warnings == ()
    a, z = read.articles
    assert (a.id, a.title, a.text, a.source) == (
        "a",
        "Headline of article a here",
        BODY,
        f"{path.name}:3",
    )
    assert (z.title, z.date, z.url, z.source) == ("Zed", "2024-05-03", "u", f"{path.name}:1")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{broken", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"text"', "must be a JSON object"),
        (json.dumps({"text": BODY}), "missing required field 'id'"),
        (json.dumps({"id": "b"}), "missing required field 'text'"),
        (json.dumps({"id": " ", "text": BODY}), "field 'id' is empty"),
        (json.dumps({"id": "b", "text": "  "}), "field 'text' is empty"),
        (json.dumps({"id": 7, "text": BODY}), "field 'id' must be a string"),
        (json.dumps({"id": "b", "text": BODY, "title": 3}), "field 'title' must be a string"),
        (json.dumps({"id": "b", "text": BODY, "date": 2020}), "field 'date' must be a string"),
        (json.dumps({"id": "b\nc", "text": BODY}), "id '.+' contains control characters"),
    ],
)
def test_malformed_jsonl_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": BODY}, line])
    with pytest.raises(CorpusError, match=f"c.jsonl line 2: {message}"):
        read_corpus(path)
    read = read_corpus(path, skip_bad=True)
    assert [a.id for a in read.articles] == ["a"]
    assert len(read.warnings) == 1
    assert re.match(f"c.jsonl line 2: {message}", read.warnings[0])


def test_jsonl_duplicate_ids(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl", [{"id": "a", "text": BODY}, {"id": "a", "text": "Other."}]
    )
    with pytest.raises(CorpusError, match="line 2: duplicate article id 'a'"):
        read_corpus(path)
    read = read_corpus(path, skip_bad=True)
    assert [a.text for a in read.articles] == [BODY]
    assert "first on line 1" in read.warnings[0]


def test_jsonl_bad_date_and_empty_text_warn(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [{"id": "a", "text": BODY, "date": "someday"}, {"id": "b", "text": "Loading..."}],
    )
    read = read_corpus(path)
    assert [(a.id, a.date) for a in read.articles] == [("a", None)]
    assert [w.split(":")[0] for w in read.warnings] == ["c.jsonl line 1", "c.jsonl line 2"]


def test_empty_jsonl(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no readable articles"):
        read_corpus(write(tmp_path / "c.jsonl", "\n\n"))


# --- fingerprints and hashes --------------------------------------------------------------


def test_fingerprint_follows_content_only(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", BODY)
    first = corpus_fingerprint(tmp_path)
    assert first == corpus_fingerprint(tmp_path)
    write(tmp_path / "a.txt", BODY)  # same bytes, new mtime
    write(tmp_path / "ignored.pdf", "x")
    write(tmp_path / ".hidden.txt", "x")
    assert corpus_fingerprint(tmp_path) == first
    write(tmp_path / "a.meta.json", "{}")
    with_sidecar = corpus_fingerprint(tmp_path)
    assert with_sidecar != first
    write(tmp_path / "a.txt", BODY + " More.")
    assert corpus_fingerprint(tmp_path) not in (first, with_sidecar)


def test_fingerprint_depends_on_paths(tmp_path: Path) -> None:
    write(tmp_path / "one" / "a.txt", BODY)
    write(tmp_path / "two" / "b.txt", BODY)
    assert corpus_fingerprint(tmp_path / "one") != corpus_fingerprint(tmp_path / "two")


def test_fingerprint_jsonl_and_missing(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": BODY}])
    first = corpus_fingerprint(path)
    write_jsonl(path, [{"id": "a", "text": BODY + "!"}])
    assert corpus_fingerprint(path) != first
    with pytest.raises(CorpusError, match="does not exist"):
        corpus_fingerprint(tmp_path / "missing")


def test_article_hash() -> None:
    base = Article(id="a", text=BODY, title="T", date="2020-01-01", url="u", source="s")
    assert article_hash(base) == article_hash(Article(**{**base.to_dict(), "source": "other"}))
    for field, value in [
        ("id", "b"),
        ("text", "x"),
        ("title", None),
        ("date", "2020"),
        ("url", "v"),
    ]:
        assert article_hash(Article(**{**base.to_dict(), field: value})) != article_hash(base)


def test_safe_id() -> None:
    assert safe_id("  004_1b31 ") == "004_1b31"
    assert safe_id("a\tb\u2028c\u200bd") == "a_b_c_d"
    assert safe_id("\n") == ""


# --- clean_article ------------------------------------------------------------------------


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


# --- seeds --------------------------------------------------------------------------------


@pytest.mark.integration
def test_seed_corpus() -> None:
    read = read_corpus(SEEDS)
    assert read.warnings == ()
    by_id = {a.id: a for a in read.articles}
    assert list(by_id) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert by_id["000_435de727ab52d225"].date == "2023-12-28"
    assert by_id["001_ebd73b47b558b927"].title.startswith("China's Battery Titans BYD And CATL")
    assert by_id["003_9c872a3d12e3445f"].title == (
        "BAIC BJEV makes headway in development of solid-state batteries"
    )
    assert by_id["003_9c872a3d12e3445f"].date == "2020-12-25"
    assert by_id["003_9c872a3d12e3445f"].text.startswith("Shanghai (Gasgoo)- BAIC BluePark")
    assert by_id["004_1b31b26ffe040619"].date is None
    assert by_id["002_9549c912d5ab0164"].title is None
    assert by_id["004_1b31b26ffe040619"].title is None
    assert all(a.title is None or len(a.title) <= 200 for a in read.articles)


def test_a_jsonl_file_inside_a_folder_corpus_is_named_in_a_warning(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Ferries ran late on Monday, the operator said.")
    (folder / "wire").mkdir()
    (folder / "wire" / "wire.jsonl").write_text('{"id": "w1", "text": "Wire story."}\n')
    read = read_corpus(folder)
    assert [a.id for a in read.articles] == ["a"]
    assert any("wire/wire.jsonl" in w and "evqa index add" in w for w in read.warnings)
    stream = iter_corpus(folder)
    list(stream.articles)
    assert any("wire/wire.jsonl" in w for w in stream.warnings)
