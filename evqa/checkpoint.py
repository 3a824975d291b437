"""The embedding checkpoint of a local build: what an interrupted build had embedded.

Embedding is most of a build's time (a corpus of 25k articles takes tens of minutes), and a
build only writes its generation at the end. So a build saves each block of chunk embeddings
as it goes, into ``index/.embedded/``, and the next build of the folder (same model and
document encoder) takes them instead of embedding those chunks again. A finished build
removes the checkpoint. Readers never look at it; writers hold the build lock.

Layout::

    index/.embedded/
      meta.json           {"model": sha256, "encoder": name, "dim": n}: whose vectors these are
      00000.npz ...       one block each: hashes (the chunks' embedded-text hashes, as
                          IndexData.embedded) and vectors (float16, L2-normalised)

A block is written to a temporary name and renamed (``store.atomic_path``), so a block on
disk is whole. Nothing
is unpickled (``allow_pickle=False``). A checkpoint that cannot be written only costs the
resume: the build goes on without it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evqa import store
from evqa.store import CHECKPOINT as FOLDER

META = "meta.json"
BLOCK = 8192  # chunks embedded between two saves (a minute or two on 2 cores)


@dataclass(frozen=True)
class Key:
    """What the vectors were made with: a checkpoint of another model or encoder is no use."""

    model: str  # the model's weights sha256
    encoder: str
    dim: int

    def to_dict(self) -> dict[str, str | int]:
        return {"model": self.model, "encoder": self.encoder, "dim": self.dim}


def load(root: Path, key: Key) -> dict[str, np.ndarray]:
    """The saved vectors by chunk hash, if the checkpoint in ``root`` was made with ``key``;
    {} when there is none, it is of another key, or it cannot be read (a damaged block is
    skipped: those chunks are embedded again)."""
    folder = Path(root) / FOLDER
    if _saved_key(folder) != key.to_dict():
        return {}
    vectors: dict[str, np.ndarray] = {}
    for path in sorted(folder.glob("[0-9]*.npz")):
        with contextlib.suppress(OSError, ValueError, KeyError, EOFError):
            with np.load(path, allow_pickle=False) as block:
                hashes, vecs = block["hashes"], block["vectors"]
            if vecs.shape == (len(hashes), key.dim):
                vectors.update(zip(hashes.tolist(), vecs, strict=True))
    return vectors


@dataclass
class Writer:
    """Appends blocks to the checkpoint of ``root``; starts a new one when the saved one is
    of another key. Stops quietly (``broken``) at the first write that fails."""

    root: Path
    key: Key
    broken: bool = False
    _next: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        folder = Path(self.root) / FOLDER
        try:
            if _saved_key(folder) != self.key.to_dict():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True, exist_ok=True)
                with store.atomic_path(folder / META) as tmp:
                    tmp.write_text(json.dumps(self.key.to_dict()), encoding="utf-8")
            numbers = [int(p.stem) for p in folder.glob("[0-9]*.npz") if p.stem.isdigit()]
            self._next = max(numbers, default=-1) + 1
        except OSError:
            self.broken = True

    def append(self, hashes: list[str], vectors: np.ndarray) -> None:
        if self.broken or not hashes:
            return
        try:
            path = Path(self.root) / FOLDER / f"{self._next:05d}.npz"
            with store.atomic_path(path) as tmp, tmp.open("wb") as f:
                np.savez(f, hashes=np.array(hashes), vectors=vectors.astype(np.float16))
        except OSError:
            self.broken = True
            return
        self._next += 1


def clear(root: Path) -> None:
    """Remove the checkpoint (a build that finished needs it no more)."""
    shutil.rmtree(Path(root) / FOLDER, ignore_errors=True)


def _saved_key(folder: Path) -> dict | None:
    """The key the checkpoint in ``folder`` was made with, None if it cannot be read."""
    try:
        return json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
