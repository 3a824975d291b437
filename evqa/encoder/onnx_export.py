"""The ONNX export of a model: the whole sentence-transformers pipeline (transformer, pooling,
any dense layers, normalisation), exported once at index build time into the cache, one folder
per weights hash, so queries can run without torch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evqa.encoder.files import atomic_write_bytes, read_json
from evqa.encoder.model import ModelInfo
from evqa.encoder.onnx_graph import export_graph, optimise_graph
from evqa.encoder.torch_model import load_model
from evqa.errors import ModelError
from evqa.store import atomic_path

ONNX_DIR = "onnx"
ONNX_FORMAT = 2  # bump to invalidate old exports
OPTIMISED = "model.opt.onnx"  # the graph as optimised by onnxruntime, loaded by queries


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
    st = load_model(str(model.path))
    _write_export(st, model, _export_meta(st, model), folder)
    return folder / "model.onnx"


def _write_export(st: Any, model: ModelInfo, meta: dict[str, Any], folder: Path) -> None:
    """The graph, its optimised form, the tokenizer and (last: the export is complete)
    meta.json, each renamed into place when done."""
    try:
        with atomic_path(folder / "model.onnx") as tmp:
            export_graph(st, meta["inputs"], tmp)
        with atomic_path(folder / OPTIMISED) as tmp:
            optimise_graph(folder / "model.onnx", tmp)
        with atomic_path(folder / "tokenizer.json") as tmp:
            st.tokenizer.backend_tokenizer.save(str(tmp))
        atomic_write_bytes(folder / "meta.json", json.dumps(meta, indent=1).encode())
    except ModelError:
        raise
    except OSError as e:  # a full (or read-only) cache folder
        raise ModelError(
            f"cannot write the ONNX export of {model.name} in {folder} "
            f"({e.strerror or e}); free space there, or set EVQA_CACHE_DIR to a writable "
            "folder with room"
        ) from None
    except Exception as e:  # the exporter raises many types
        raise ModelError(
            f"cannot export {model.name} to ONNX ({type(e).__name__}: {e}); queries will be "
            "embedded with sentence-transformers instead (slower start)"
        ) from None


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


def _read_meta(folder: Path, model: ModelInfo) -> dict[str, Any] | None:
    """The export's meta.json if the export is complete and made from these weights."""
    meta = read_json(folder / "meta.json")
    if not isinstance(meta, dict):
        return None
    if meta.get("format") != ONNX_FORMAT or meta.get("sha256") != model.sha256:
        return None
    files = ("model.onnx", OPTIMISED, "tokenizer.json")
    if not all((folder / name).is_file() for name in files):
        return None
    return meta
