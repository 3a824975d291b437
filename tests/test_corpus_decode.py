"""Decoding file bytes (evqa.corpus.decode)."""

from __future__ import annotations

from pathlib import Path

from corpus_fakes import write

from evqa.corpus import decode_text, read_corpus


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
