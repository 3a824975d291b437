"""Collection names: an index's pair (``NAME`` for chunks, ``NAME_articles`` for articles),
the default name for an index folder, and which names Milvus accepts."""

from __future__ import annotations

from pathlib import Path

from evqa.errors import InputError

ARTICLES_SUFFIX = "_articles"


def pair(name: str) -> tuple[str, str]:
    """The chunk and article collections of the index whose chunks are in ``name``."""
    return name, name + ARTICLES_SUFFIX


def default_collection(index_root: Path) -> str:
    name = "".join(c if c.isalnum() and c.isascii() else "_" for c in Path(index_root).name)
    return f"evqa_{name.strip('_') or 'index'}"[:200]


def check_collection(name: str) -> str:
    ok = (
        0 < len(name) <= 200
        and (name[0].isalpha() or name[0] == "_")
        and all((c.isascii() and c.isalnum()) or c == "_" for c in name)
    )
    if not ok:
        raise InputError(
            f"--collection {name!r} is not a valid Milvus collection name: use letters, "
            "digits and underscores, starting with a letter"
        )
    return name
