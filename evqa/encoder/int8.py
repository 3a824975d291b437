"""The int8 variant of the ONNX export, for embedding documents at build time.

``ensure_int8`` quantises the fp32 export (``onnx_export.ensure_onnx``) once with onnxruntime's
dynamic quantisation (int8 weights, activations quantised on the fly) into ``model.int8.onnx``
beside it, and records the file's size and sha256 under ``"int8"`` in the export's meta.json,
written last: a killed or damaged quantisation is simply redone. Queries keep the fp32 graph.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evqa.encoder.files import atomic_write_bytes
from evqa.encoder.model import ModelInfo
from evqa.encoder.onnx_export import ensure_onnx, export_meta, onnx_dir
from evqa.errors import ModelError
from evqa.store import atomic_path

INT8 = "model.int8.onnx"
INT8_FORMAT = 1  # bump to invalidate old int8 graphs
# Per-channel weight scales: per-tensor ones gave cosine 0.95 (min 0.88) to the fp32 vectors on
# seed chunks, per-channel 0.993 (min 0.98) at the same speed.
PER_CHANNEL = True


def ensure_int8(model: ModelInfo, cache_dir: Path) -> Path:
    """Quantise the ONNX export of ``model`` to int8 unless a valid int8 graph is there;
    return its path. Exports the fp32 graph first if needed (torch, once). Raises ModelError
    if the graph cannot be quantised."""
    ensure_onnx(model, cache_dir)
    folder = onnx_dir(model, cache_dir)
    meta = export_meta(model, cache_dir)
    if meta is None:
        raise ModelError(f"the ONNX export in {folder} is incomplete; delete it and rebuild")
    if _valid(folder, meta):
        return folder / INT8
    try:
        with atomic_path(folder / INT8) as tmp:
            _quantise(folder / "model.onnx", tmp)
            record = _record(tmp)
    except OSError as e:
        raise ModelError(
            f"cannot write the int8 graph in {folder} ({e.strerror}); free some disk space or "
            "set EVQA_CACHE_DIR to a writable folder, or build with --encoder onnx"
        ) from None
    except Exception as e:  # the quantiser raises many types
        raise ModelError(
            f"cannot quantise {model.name} to int8 ({type(e).__name__}: {e}); "
            "build with --encoder onnx instead"
        ) from None
    meta = {**meta, "int8": record}
    atomic_write_bytes(folder / "meta.json", json.dumps(meta, indent=1).encode())
    return folder / INT8


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _root_logger_quiet():
        quantize_dynamic(
            str(source), str(target), weight_type=QuantType.QInt8, per_channel=PER_CHANNEL
        )


@contextlib.contextmanager
def _root_logger_quiet() -> Iterator[None]:
    """The quantiser warns through the root logger, which would print (and, without a handler,
    call logging.basicConfig for the whole process); the library never prints."""
    root = logging.getLogger()
    level, null = root.level, logging.NullHandler()
    root.addHandler(null)
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
        root.removeHandler(null)


def _record(path: Path) -> dict[str, Any]:
    from evqa.store import sha256_file

    return {
        "format": INT8_FORMAT,
        "file": INT8,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "weight_type": "QInt8",
        "per_channel": PER_CHANNEL,
    }


def _valid(folder: Path, meta: dict[str, Any]) -> bool:
    """The meta records a finished int8 graph, and the file on disk is that graph."""
    from evqa.store import sha256_file

    record = meta.get("int8")
    path = folder / INT8
    if not isinstance(record, dict) or record.get("format") != INT8_FORMAT:
        return False
    if record.get("per_channel") != PER_CHANNEL:
        return False
    try:
        if path.stat().st_size != record.get("bytes"):
            return False
        return sha256_file(path) == record.get("sha256")
    except OSError:
        return False
