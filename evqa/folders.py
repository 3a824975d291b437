"""The walk of a folder's visible files, followed through links to folders; small and
import-light, as the staleness check of every query walks the corpus with it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def visible_files(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Each folder under ``root`` with the names of its files, hidden files and folders (a
    leading dot) left out: ``root`` first, subfolders in name order, then the folders
    reached through links to folders (their files named by their path through the link).

    Every folder is listed once, by its real path: one reached both directly and through a
    link is listed where it is, one that two links reach through the first, and a link
    back to a folder already listed (a loop) is passed over."""
    seen: set[str] = set()
    links = [os.fspath(root)]  # folders still to walk: root, then the links found on the way
    while links:
        top = links.pop(0)
        real = os.path.realpath(top)
        if real in seen:
            continue
        seen.add(real)
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in sorted(dirs) if _walk_into(os.path.join(folder, d), seen, links)]
            yield folder, sorted(name for name in files if not name.startswith("."))


def _walk_into(path: str, seen: set[str], links: list[str]) -> bool:
    """Whether ``os.walk`` is to go into subfolder ``path``: not if it is hidden or a folder
    already walked; a link to a folder is noted in ``links``, to be walked later."""
    if os.path.basename(path).startswith("."):
        return False
    if os.path.islink(path):
        links.append(path)
        return False
    real = os.path.realpath(path)
    if real in seen:
        return False
    seen.add(real)
    return True
