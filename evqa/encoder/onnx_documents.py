"""Embedding documents with onnxruntime: the fp32 ONNX export, or its int8 quantisation.

The encoders (``evqa.config.ENCODERS``): ``torch`` (sentence-transformers, in ``documents``),
``onnx`` (the fp32 export that queries use too) and ``onnx-int8`` (``int8``). The ONNX ones
tokenise with ``tokenizers`` and run each text alone (unpadded, and so the same vector
whatever is embedded beside it) with onnxruntime on every core (a build is one long job,
unlike a query).

``prepare`` tells a build which encoder it can use, falling back int8 -> fp32 -> torch with a
warning instead of failing; ``load`` gives the encoder itself.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evqa import config
from evqa.encoder.int8 import ensure_int8
from evqa.encoder.model import ModelInfo
from evqa.encoder.onnx_export import OPTIMISED, ensure_onnx, export_meta, onnx_dir
from evqa.encoder.vectors import normalise
from evqa.errors import ModelError

TORCH, ONNX, INT8 = "torch", "onnx", "onnx-int8"


class OnnxDocumentEncoder:
    """One onnxruntime session over an exported graph, with the export's tokenizer."""

    def __init__(self, folder: Path, meta: dict[str, Any], graph: Path) -> None:
        from tokenizers import Tokenizer

        from evqa.onnx_session import import_onnxruntime

        ort = import_onnxruntime()
        self.dim = int(meta["dim"])
        self._inputs = list(meta["inputs"])
        self._lower = bool(meta.get("do_lower_case"))
        self._pad_id = int(meta["pad_id"])
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.no_padding()  # each batch is padded to its own longest text below
        self._tok.enable_truncation(max_length=int(meta["max_seq_length"]))
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        opts.intra_op_num_threads = os.cpu_count() or 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3  # errors only; the library never prints
        self._session = ort.InferenceSession(
            str(graph), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = config.DEFAULTS["batch_size"],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """float32 (n, dim), L2-normalised, in input order; ``progress(n)`` after every
        ``batch_size`` texts.

        Each text is run alone. The int8 graph quantises its activations per run, so in a
        batch a text's vector depended on the texts beside it (up to 0.026 in a component);
        alone it is the same in any build, add or order. Unpadded runs are as fast or
        faster here: on 2 cores 98 against 95 texts a second for 600-character chunks, 50
        against 34 for whole SciFact abstracts (batches of 16, fp32 29 against 19)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tok.encode_batch(self._prepared(texts))]
        done = 0
        for i, x in enumerate(ids):
            out[i] = self._run([x])[0]
            done += 1
            if progress is not None and (done == batch_size or i == len(ids) - 1):
                progress(done)
                done = 0
        return normalise(out)

    def _prepared(self, texts: Sequence[str]) -> list[str]:
        return [t.lower() for t in texts] if self._lower else list(texts)

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        feeds = pad_batch(batch, self._pad_id)
        (emb,) = self._session.run(None, {name: feeds[name] for name in self._inputs})
        return emb


def pad_batch(batch: list[list[int]], pad_id: int) -> dict[str, np.ndarray]:
    """The model inputs of a batch of token ids, padded to its longest member."""
    width = max(len(x) for x in batch)
    ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, x in enumerate(batch):
        ids[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def load(model: ModelInfo, cache_dir: Path, name: str) -> OnnxDocumentEncoder:
    """The ``onnx`` or ``onnx-int8`` document encoder of ``model``, exporting (and quantising)
    it first if needed; an export that onnxruntime cannot load is deleted and redone once.
    Raises ModelError if it cannot be made."""
    if name not in (ONNX, INT8):
        raise ValueError(f"not an ONNX document encoder: {name!r}")
    folder = onnx_dir(model, cache_dir)
    for attempt in range(2):
        graph = _ensure(model, cache_dir, name)
        meta = export_meta(model, cache_dir)
        if meta is None:
            raise ModelError(f"the ONNX export in {folder} is incomplete; delete it and rebuild")
        try:
            return OnnxDocumentEncoder(folder, meta, graph)
        except Exception as e:  # onnxruntime raises its own types for a damaged file
            if attempt:
                raise ModelError(
                    f"the ONNX export in {folder} is unusable ({type(e).__name__}: {e}); "
                    "delete it, or build with --encoder torch"
                ) from None
            shutil.rmtree(folder, ignore_errors=True)
    raise AssertionError("unreachable")


def _ensure(model: ModelInfo, cache_dir: Path, name: str) -> Path:
    if name == INT8:
        return ensure_int8(model, cache_dir)
    ensure_onnx(model, cache_dir)
    return onnx_dir(model, cache_dir) / OPTIMISED


def prepare(model: ModelInfo, cache_dir: Path, name: str) -> tuple[str, str | None]:
    """The document encoder a build will use for ``name``, and a warning if it had to fall
    back: int8 -> the fp32 export -> torch. Makes the export (and int8 graph) if needed."""
    if name == TORCH:
        return TORCH, None
    fallbacks = {INT8: ONNX, ONNX: TORCH}
    reasons = []
    while name != TORCH:
        try:
            _ensure(model, cache_dir, name)
            break
        except ModelError as e:
            reasons.append(f"{name} document encoder unavailable ({e})")
            name = fallbacks[name]
    if not reasons:
        return name, None
    return name, "; ".join(reasons) + f"; documents are embedded with {name}"
