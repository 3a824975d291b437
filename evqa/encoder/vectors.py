"""What every encoder shares about its vectors: L2-normalised float32 rows (``normalise``), and
documents embedded longest first (``length_order``) so each batch pads little."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def normalise(emb: np.ndarray) -> np.ndarray:
    emb = np.asarray(emb, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return np.ascontiguousarray(emb / np.maximum(norms, 1e-12), dtype=np.float32)


def length_order(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """Indices from longest to shortest; ties keep input order."""
    return np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
