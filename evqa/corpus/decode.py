"""File bytes to text: UTF-8 and UTF-16 with a BOM as they are, else cp1252 or latin-1; binary
data detected; undecodable file-name bytes made printable."""

from __future__ import annotations

import codecs
import re

_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\b\x1b")
_SURROGATES = re.compile("[\ud800-\udfff]")


def decode_text(data: bytes) -> tuple[str | None, str | None]:
    """Decode file bytes. Returns (text, fallback encoding used or None); text is None
    for binary data. UTF-8 (with or without BOM) and UTF-16 with BOM are read as is;
    other bytes fall back to cp1252, then latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, None
        return (None, None) if "\x00" in text else (text, None)
    if is_binary(data):
        return None, None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def is_binary(data: bytes) -> bool:
    """NUL bytes, a known binary signature, or many control bytes in the first 4 KB."""
    if b"\x00" in data or data.startswith(_BINARY_MAGIC):
        return True
    head = data[:4096]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return bool(head) and controls / len(head) > 0.1


def printable(text: str) -> str:
    """``text`` with the undecodable bytes of a file name (Python's surrogate escapes)
    shown as U+FFFD, so it can be printed, stored as UTF-8 and sent as JSON."""
    return _SURROGATES.sub("\ufffd", text)
