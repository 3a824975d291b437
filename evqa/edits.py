"""What `evqa index add` and `remove` may do, whatever the backend: added articles whose
ids clash are refused (or skipped), an added article replaces the indexed one with its id
(and the report names it, as it names those added again unchanged), and a removal of
unknown ids or of every article is refused before anything changes. A single path (str or
Path) given to add is one path, a single str given to remove is one id, and an empty list
is refused."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from evqa import config
from evqa.errors import CorpusError, InputError


def added_paths(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The paths an add reads: one path (str or Path) is that path, not its characters;
    InputError for an empty list or a path of another type."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    elif isinstance(paths, bytes) or not isinstance(paths, Iterable):
        raise InputError(_paths_hint(paths))
    out = []
    for p in paths:
        if not isinstance(p, str | os.PathLike):
            raise InputError(_paths_hint(p))
        out.append(config.check_path(p, "an added path"))
    if not out:
        raise InputError(
            "no paths given, nothing to add; pass a file, a folder or a .jsonl file, or a "
            "list of them"
        )
    return out


def _paths_hint(value: object) -> str:
    return (
        f"paths must be a file, a folder or a .jsonl file (str or Path), or a list of them, "
        f"not {value!r}"
    )


def removed_ids(ids: str | Iterable[str]) -> list[str]:
    """The ids a removal names: one str is one id, not its characters; InputError for an
    empty list (nothing changed) or an id that is not a str."""
    if isinstance(ids, str):
        ids = [ids]
    elif not isinstance(ids, Iterable):
        raise InputError(_ids_hint(ids))
    out = list(ids)
    for i in out:
        if not isinstance(i, str):
            raise InputError(_ids_hint(i))
    _check_some(out)
    return out


def _ids_hint(value: object) -> str:
    return f"ids must be an article id (str) or a list of them, not {value!r}"


def _check_some(ids: Sequence[str]) -> None:
    if not ids:
        raise InputError(
            "no ids given, nothing removed; pass an article id or a list of them "
            "(list ids with: evqa index status --json)"
        )


def id_clashes(
    pairs: Sequence[tuple[Path, str]], skip_bad: bool
) -> tuple[set[tuple[Path, str]], list[str]]:
    """The (path, id) pairs, in reading order, whose id an earlier path already gave: bad
    input (CorpusError), or with ``skip_bad`` skipped with a warning (the first is kept)."""
    from evqa.corpus import SKIP_HINT, printable

    first: dict[str, Path] = {}
    skip: set[tuple[Path, str]] = set()
    warnings: list[str] = []
    for path, doc_id in pairs:
        if doc_id not in first:
            first[doc_id] = path
            continue
        clash = printable(
            f"{path}: article id {doc_id!r} is also the id of an article in {first[doc_id]} "
            "(a single file's id is its name; add the folder that holds both, and the ids "
            "include their subfolders)"
        )
        kept = printable(f"the one from {first[doc_id]}")
        if not skip_bad:
            raise CorpusError(f"{clash}; {SKIP_HINT} ({kept} is then added)")
        warnings.append(f"{clash}; skipped, {kept} is added")
        skip.add((path, doc_id))
    return skip, warnings


def replaced_ids(stored: Mapping[str, str], added: Mapping[str, str]) -> list[str]:
    """The ids, sorted, of the indexed articles an add replaces with another article: in
    both maps (id -> the article's key or hash) with another key. An article added again
    unchanged replaces nothing."""
    return sorted(i for i, key in added.items() if i in stored and stored[i] != key)


def new_ids(stored: Mapping[str, str], added: Mapping[str, str]) -> list[str]:
    """The ids, sorted, of the added articles the index did not hold (maps as for
    :func:`replaced_ids`)."""
    return sorted(i for i in added if i not in stored)


def unchanged_ids(stored: Mapping[str, str], added: Mapping[str, str]) -> list[str]:
    """The ids, sorted, of the added articles the index already held as they are: in both
    maps with the same key (maps as for :func:`replaced_ids`). With :func:`replaced_ids`
    and :func:`new_ids` they name every added article once."""
    return sorted(i for i, key in added.items() if i in stored and stored[i] == key)


def check_removal(ids: Sequence[str], known: set[str], total: int, index_root: Path) -> None:
    """Refuse (InputError, nothing changed) no ids, unknown ids, or removing every article."""
    _check_some(ids)
    unknown = list(dict.fromkeys(i for i in ids if i not in known))
    if unknown:
        what = "article with id" if len(unknown) == 1 else "articles with ids"
        raise InputError(
            f"no {what} {', '.join(map(repr, unknown))} in {index_root}; "
            "list ids with: evqa index status --json"
        )
    if total <= len(set(ids)):
        raise InputError("removing every article would leave an empty index; nothing changed")
