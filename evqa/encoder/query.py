"""Embedding queries: onnxruntime + ``tokenizers`` over the ONNX export, which never imports
torch, or sentence-transformers when there is no usable export."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evqa.encoder.model import ModelInfo
from evqa.encoder.onnx_export import OPTIMISED, ensure_onnx, export_meta, onnx_dir
from evqa.encoder.torch_model import load_model
from evqa.encoder.vectors import normalise
from evqa.errors import ModelError

# One query is ~16 tokens: one thread took 11.8 ms p50 against 24 ms for two on a busy 2-core box
# (intra-op threads spin-wait and fight other processes for the second core).
ONNX_THREADS = 1


class QueryEncoder:
    """Embeds queries: ``encode(texts) -> float32 (n, dim)``, L2-normalised."""

    backend = "none"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


class OnnxQueryEncoder(QueryEncoder):
    """onnxruntime + ``tokenizers``: no torch, no transformers, fast to start."""

    backend = "onnx"

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        from evqa.onnx_session import import_onnxruntime

        ort = import_onnxruntime()
        self.dim = int(meta["dim"])
        self._inputs = list(meta["inputs"])
        self._lower = bool(meta.get("do_lower_case"))
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.enable_truncation(max_length=int(meta["max_seq_length"]))
        self._tok.enable_padding(pad_id=int(meta["pad_id"]), pad_token=str(meta["pad_token"]))
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        opts.intra_op_num_threads = min(ONNX_THREADS, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3  # errors only; the library never prints
        self._session = ort.InferenceSession(
            str(folder / OPTIMISED), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [t.lower() for t in texts] if self._lower else list(texts)
        encs = self._tok.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
        }
        (emb,) = self._session.run(None, {name: feeds[name] for name in self._inputs})
        return normalise(emb)


class TorchQueryEncoder(QueryEncoder):
    """The fallback: sentence-transformers itself (imports torch, slower to start)."""

    backend = "sentence-transformers"

    def __init__(self, model: ModelInfo, reason: str = "") -> None:
        self.dim = model.dim
        self.reason = reason  # why the ONNX encoder is not used
        self._st = load_model(str(model.path))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        emb = self._st.encode(
            list(texts),
            batch_size=max(len(texts), 1),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalise(emb)


def load_query_encoder(model: ModelInfo, cache_dir: Path) -> QueryEncoder:
    """The ONNX query encoder for ``model`` (exporting it first if needed), or the
    sentence-transformers one if it cannot be exported or loaded (see ``.reason``)."""
    folder = onnx_dir(model, cache_dir)
    reason = ""
    for _attempt in range(2):  # a damaged export is deleted and redone once
        try:
            ensure_onnx(model, cache_dir)
        except ModelError as e:
            reason = str(e)
            break
        meta = export_meta(model, cache_dir)
        if meta is None:
            reason = f"the ONNX export in {folder} is incomplete"
            break
        try:
            return OnnxQueryEncoder(folder, meta)
        except ImportError as e:  # onnxruntime did not load: the export is not at fault
            reason = f"onnxruntime cannot be loaded ({e})"
            break
        except Exception as e:  # onnxruntime raises its own types for a damaged file
            reason = f"the ONNX export in {folder} is unusable ({type(e).__name__})"
            shutil.rmtree(folder, ignore_errors=True)
    return TorchQueryEncoder(model, reason)
