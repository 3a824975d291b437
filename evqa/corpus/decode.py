"""File bytes to text: UTF-8 and UTF-16 with a BOM as they are, else (HTML) the charset the page
declares, else cp1252 or latin-1; binary data detected; undecodable file-name bytes made
printable."""

from __future__ import annotations

import codecs
import re

_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\b\x1b")
_SURROGATES = re.compile("[\ud800-\udfff]")


def decode_text(data: bytes, *, html: bool = False) -> tuple[str | None, str | None]:
    """Decode file bytes. Returns (text, fallback encoding used or None); text is None
    for binary data. UTF-8 (with or without BOM) and UTF-16 with BOM are read as is;
    other bytes of an ``html`` page are read in the charset it declares (see
    :func:`declared_charset`), if they can be; else they fall back to cp1252, then latin-1."""
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
    declared = declared_charset(data) if html else None
    if declared is not None:
        try:
            return data.decode(declared), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


MAX_CHARSET_BYTES = 4096  # where a page's <meta> charset must be (HTML says the first 1024)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE
)
# ASCII and latin-1 labels mean windows-1252 to browsers (the WHATWG Encoding standard)
_BROWSER_ALIASES = {"ascii": "cp1252", "iso8859-1": "cp1252"}


def declared_charset(data: bytes) -> str | None:
    """The Python codec of the charset an HTML page declares in its first bytes
    (``<meta charset="iso-8859-2">`` or ``<meta http-equiv="Content-Type"
    content="text/html; charset=iso-8859-2">``), or None: none declared, one Python does
    not know, or one that is not ASCII-compatible (UTF-16/32, as a BOM-less page cannot be)."""
    match = _META_CHARSET.search(data[:MAX_CHARSET_BYTES])
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return None
    return _BROWSER_ALIASES.get(name, name)


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
