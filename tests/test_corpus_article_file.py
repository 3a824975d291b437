"""Files that hold no article are skipped (evqa.corpus.article_file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_fakes import BODY, write

from evqa.corpus import corpus_fingerprint, read_corpus


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


def test_broken_links_are_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "real.txt", BODY)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nonexistent" / "x.txt")
    (tmp_path / "dangling.pdf").symlink_to(tmp_path / "nonexistent" / "x.pdf")
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["real"]
    # the .pdf is not a corpus file: named as such, whether or not its link is broken
    assert read.warnings[0] == "dangling.pdf: not a .txt/.md/.html file; skipped"
    assert read.warnings[1].startswith("dangling.txt: a broken link")
    assert read.warnings[1].endswith("; skipped") and len(read.warnings) == 2
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
