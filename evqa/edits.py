"""What `evqa index add` and `remove` may do, whatever the backend: added articles whose
ids clash are refused (or skipped), an added article replaces the indexed one with its id
(and the report names it), and a removal of unknown ids or of every article is refused
before anything changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def replaced_ids(stored: Mapping[str, str], added: Mapping[str, str]) -> list[str]:
    """The ids, sorted, of the indexed articles an add replaces with another article: in
    both maps (id -> the article's key or hash) with another key. An article added again
    unchanged replaces nothing."""
    return sorted(i for i, key in added.items() if i in stored and stored[i] != key)


def check_removal(ids: Sequence[str], known: set[str], total: int, index_root: Path) -> None:
    """Refuse (InputError, nothing changed) unknown ids, or removing every article."""
    unknown = list(dict.fromkeys(i for i in ids if i not in known))
    if unknown:
        what = "article with id" if len(unknown) == 1 else "articles with ids"
        raise InputError(
            f"no {what} {', '.join(map(repr, unknown))} in {index_root}; "
            "list ids with: evqa index status --json"
        )
    if total <= len(set(ids)):
        raise InputError("removing every article would leave an empty index; nothing changed")
