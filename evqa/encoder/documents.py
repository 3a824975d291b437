"""Embedding documents on the CPU, length-sorted: with sentence-transformers (``torch``) or
with onnxruntime over the ONNX export (``onnx``, ``onnx-int8``: ``onnx_documents``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evqa import config
from evqa.encoder import onnx_documents
from evqa.encoder.model import ModelInfo
from evqa.encoder.torch_model import load_model
from evqa.encoder.vectors import length_order, normalise


def encode_documents(
    model: ModelInfo,
    texts: Sequence[str],
    *,
    batch_size: int = config.DEFAULTS["batch_size"],
    progress: Callable[[int], None] | None = None,
    encoder: str | None = None,
    cache_dir: Path | None = None,
) -> np.ndarray:
    """Embed ``texts``: float32, L2-normalised, shape (n, dim), in input order.

    ``encoder`` is one of evqa.config.ENCODERS (None: the configured default): ``torch`` runs
    sentence-transformers, ``onnx`` / ``onnx-int8`` the ONNX export in ``cache_dir`` (None: the
    configured cache), made first if needed (``onnx_documents``). Texts are sorted by token
    count so each batch pads little, and ``progress(n)`` is called after each batch.
    """
    name = config.check_encoder(encoder or config.DEFAULTS["encoder"])
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    if name == "torch":
        return _encode_torch(model, texts, batch_size, progress)
    cache = Path(cache_dir if cache_dir is not None else config.resolve("cache_dir"))
    onnx = onnx_documents.load(model, cache, name)
    return onnx.encode(texts, batch_size=batch_size, progress=progress)


def _encode_torch(
    model: ModelInfo,
    texts: Sequence[str],
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> np.ndarray:
    """sentence-transformers, batch by batch over the length-sorted texts."""
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    st = load_model(str(model.path))
    order = length_order(_token_counts(st, texts))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        emb = st.encode(
            [texts[i] for i in idx],
            batch_size=len(idx),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        out[idx] = emb
        if progress is not None:
            progress(len(idx))
    return normalise(out)


def _token_counts(st: Any, texts: Sequence[str]) -> np.ndarray:
    """The token count of each text, capped at what the model reads."""
    try:
        enc = st.tokenizer(list(texts), add_special_tokens=False, truncation=False)
        lengths = np.fromiter((len(ids) for ids in enc["input_ids"]), dtype=np.int64)
    except Exception:  # a slow or unusual tokenizer: character length is nearly as good
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64)
    return np.minimum(lengths, st.max_seq_length)
