"""Decoding file bytes (evqa.corpus.decode)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_fakes import write

from evqa.corpus import decode_text, read_corpus
from evqa.corpus.decode import declared_charset


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


# --- an HTML page's declared charset ------------------------------------------------------

CZECH = "Pivovar v Příbrami zdvojnásobil výrobu, řekl Jiří Šťastný."


def _page(head: str, body: str = CZECH) -> str:
    return f"<html><head>{head}<title>Pivovar</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    "head",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">',
        '<meta charset="ISO-8859-2">',
        "<meta charset=latin2>",
    ],
)
def test_an_html_page_is_read_in_the_charset_it_declares(head: str) -> None:
    data = _page(head).encode("iso-8859-2")
    assert decode_text(data, html=True) == (_page(head), None)


def test_a_declared_charset_is_read_without_a_warning(tmp_path: Path) -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">'
    write(tmp_path / "brewery.html", _page(head).encode("iso-8859-2"))
    read = read_corpus(tmp_path)
    assert read.articles[0].text == CZECH
    assert read.warnings == ()


def test_a_text_file_ignores_a_charset_it_mentions() -> None:
    text = '<meta charset="iso-8859-2"> Caf\u00e9 \u20ac5'
    assert decode_text(text.encode("cp1252")) == (text, "cp1252")


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        ("", "cp1252"),  # none declared
        ('<meta charset="utf-8">', "cp1252"),  # declared wrongly: the bytes are not UTF-8
        ('<meta charset="no-such-charset">', "cp1252"),
        ('<meta charset="utf-16">', "cp1252"),  # a BOM-less page that reads as ASCII is not
    ],
)
def test_without_a_usable_declared_charset_the_fallback_stands(head: str, encoding: str) -> None:
    page = _page(head, "Caf\u00e9 \u2013 \u20ac5")
    assert decode_text(page.encode("cp1252"), html=True) == (page, encoding)


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">', "cp1250"),
        ("<META CHARSET='KOI8-R'>", "koi8-r"),
        ('<meta charset="iso-8859-1">', "cp1252"),  # as browsers read it
        ('<meta charset="us-ascii">', "cp1252"),
        ('<meta name="description" content="charset=x">', None),
        ("", None),
    ],
)
def test_declared_charset(head: str, codec: str | None) -> None:
    assert declared_charset(_page(head).encode("utf-8")) == codec


def test_a_charset_declared_late_in_the_page_is_not_read() -> None:
    late = "<p>" + "x" * 5000 + '</p><meta charset="iso-8859-2">'
    assert declared_charset(late.encode("ascii")) is None
