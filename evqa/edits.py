"""What `evqa index add` and `remove` may do, whatever the backend: added articles whose
ids clash are refused (or skipped), and a removal of unknown ids or of every article is
refused before anything changes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evqa.errors import CorpusError, InputError


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


def check_removal(ids: Sequence[str], known: set[str], total: int, index_root: Path) -> None:
    """Refuse (InputError, nothing changed) unknown ids, or removing every article."""
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError(
            f"no article with id {', '.join(map(repr, unknown))} in {index_root}; "
            "list ids with: evqa index status --json"
        )
    if total <= len(set(ids)):
        raise InputError("removing every article would leave an empty index; nothing changed")
