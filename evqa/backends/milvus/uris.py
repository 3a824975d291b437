"""Milvus URIs: which forms are accepted, and how the manifest records and resolves them.

A URI is a milvus-lite file (``news.db``) or a server (``http://host:19530``). A lite file
inside the index folder is recorded relative to it, so the folder can move.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evqa import config
from evqa.errors import IndexCorruptError, InputError

LITE_FILE = "milvus.db"  # default milvus-lite file inside the index folder
SERVER_SCHEMES = ("http", "https", "grpc", "tcp", "unix")  # what pymilvus connects to
URI_FORMS = "a milvus-lite file ending in .db (news.db) or a server (http://HOST:19530)"


def is_lite(uri: str) -> bool:
    return "://" not in uri


def check_uri(uri: str) -> str:
    """``uri`` if pymilvus can use it, else InputError saying what is accepted."""
    if not uri or not uri.strip():
        raise InputError(f"the Milvus URI is empty; pass --uri with {URI_FORMS}")
    _check_encodable(uri)
    if is_lite(uri):
        if not uri.endswith(".db"):
            raise InputError(f"the Milvus URI {uri!r} is not {URI_FORMS}")
        return uri
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as e:
        raise InputError(f"the Milvus URI {uri!r} is malformed ({e}); pass {URI_FORMS}") from None
    if parts.username or parts.password:
        raise InputError(
            "do not put credentials in the Milvus URI; set EVQA_MILVUS_TOKEN "
            "(TOKEN or user:password) instead"
        )
    if parts.scheme.lower() not in SERVER_SCHEMES:
        raise InputError(
            f"unsupported Milvus URI scheme {parts.scheme!r} in {uri}; pass {URI_FORMS} "
            f"(schemes: {', '.join(SERVER_SCHEMES)})"
        )
    if uri.endswith(".db"):  # pymilvus would open it as a milvus-lite file
        raise InputError(f"the Milvus server URI {uri!r} must not end in .db; pass {URI_FORMS}")
    return uri


def _check_encodable(uri: str) -> None:
    """InputError for a URI that is not valid UTF-8 (a file name's bytes, surrogate-escaped):
    pymilvus and milvus-lite cannot pass it on, and a manifest could not name it."""
    try:
        uri.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            f"the Milvus URI {_shown(uri)} is not valid UTF-8; pass --uri with a name that "
            f"is (rename the file or folder), {URI_FORMS}"
        ) from None


def _shown(uri: str) -> str:
    """``uri`` printable: a file name's undecodable bytes as ``\\xff``."""
    try:
        raw = uri.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return uri.encode("utf-8", "backslashreplace").decode()
    return raw.decode("utf-8", "backslashreplace")


def recorded_uri(uri: str, index_root: Path) -> str:
    """The URI as the manifest keeps it: a milvus-lite file inside the index folder is
    recorded relative to it (so the folder can move), anything else as given."""
    if is_lite(uri):
        path = Path(uri).resolve()
        try:
            return path.relative_to(Path(index_root).resolve()).as_posix()
        except ValueError:
            return str(path)
    return uri


def resolve_uri(entry: Mapping[str, Any], index_root: Path) -> str:
    """EVQA_MILVUS_URI, else the manifest's URI (a relative lite path is under the index)."""
    uri = config.resolve("milvus_uri", None, {"milvus_uri": entry.get("uri")})
    if uri is None:
        raise IndexCorruptError(f"the manifest of {index_root} names no Milvus URI")
    uri = str(uri)
    if is_lite(uri) and not Path(uri).is_absolute() and not config.from_env("milvus_uri"):
        uri = str(Path(index_root) / uri)
    return uri


def absolute_uri(entry: Mapping[str, Any], index_root: Path | None) -> str:
    """The manifest's URI as a command run from any folder needs it: a lite path relative
    to the index folder made absolute (the manifest's, not EVQA_MILVUS_URI)."""
    uri = str(entry.get("uri") or "")
    if uri and is_lite(uri) and not Path(uri).is_absolute() and index_root is not None:
        uri = str((Path(index_root) / uri).resolve())
    return uri
