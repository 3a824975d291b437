"""The vectors every encoder shares: normalised rows, longest-first order (evqa.encoder.vectors)."""

from __future__ import annotations

import numpy as np

from evqa.encoder.vectors import length_order, normalise


def test_length_order_is_longest_first_and_stable():
    assert length_order([2, 5, 2, 5, 0]).tolist() == [1, 3, 0, 2, 4]


def test_normalise_gives_unit_float32_rows_and_leaves_a_zero_row_zero():
    emb = normalise(np.array([[3, 4], [0, 0]], dtype=np.float64))
    assert emb.dtype == np.float32 and emb.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(emb, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
