"""``np.load`` that is safe to call from several threads at once.

numpy parses every ``.npy`` header with ``ast.literal_eval``, and CPython 3.11's AST
constructor keeps its recursion depth in shared state: two threads loading at the same
moment can fail with ``SystemError: AST constructor recursion depth mismatch`` (seen when
a server thread reopens an index while a build reads the previous generation). The lock
costs nothing next to the I/O.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

_LOCK = threading.Lock()


def load(path: Path, *, mmap: bool) -> np.ndarray:
    """``np.load(path)``, memory-mapped read-only when ``mmap``; never unpickles."""
    with _LOCK:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
