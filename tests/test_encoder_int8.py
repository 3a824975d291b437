"""The int8 quantisation of the ONNX export (evqa.encoder.int8)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evqa.encoder import ModelInfo, int8
from evqa.encoder.onnx_export import ONNX_FORMAT, OPTIMISED, onnx_dir
from evqa.errors import ModelError

MODEL = ModelInfo("tiny", Path("/tiny"), "c" * 64, 8)


def _tiny_export(cache: Path) -> Path:
    """An 'export' whose model.onnx is one MatMul by a constant weight (quantisable in ms)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    folder = onnx_dir(MODEL, cache)
    folder.mkdir(parents=True)
    weight = np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])],
        [numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, folder / "model.onnx")
    (folder / OPTIMISED).write_bytes(b"fp32 graph")
    (folder / "tokenizer.json").write_text("{}")
    meta = {"format": ONNX_FORMAT, "sha256": MODEL.sha256, "dim": 8}
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


@pytest.fixture
def export(tmp_path, monkeypatch) -> Path:
    folder = _tiny_export(tmp_path)
    monkeypatch.setattr(int8, "ensure_onnx", lambda model, cache_dir: folder / "model.onnx")
    return tmp_path


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_int8_graph_is_made_beside_the_export_and_recorded_in_meta(export):
    path = int8.ensure_int8(MODEL, export)
    folder = onnx_dir(MODEL, export)
    assert path == folder / int8.INT8
    meta = json.loads((folder / "meta.json").read_text())
    record = meta["int8"]
    assert record["bytes"] == path.stat().st_size and len(record["sha256"]) == 64
    assert record["weight_type"] == "QInt8" and record["per_channel"] is int8.PER_CHANNEL
    assert meta["dim"] == 8  # the rest of the export's meta is kept
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    x = np.random.default_rng(1).standard_normal((3, 16)).astype(np.float32)
    fp32, quantised = _run(folder / "model.onnx", x), _run(path, x)
    assert np.allclose(fp32, quantised, atol=0.1 * np.abs(fp32).max())  # the same function


def test_int8_graph_is_reused_on_the_second_call(export, monkeypatch):
    first = int8.ensure_int8(MODEL, export)
    mtime = first.stat().st_mtime_ns
    monkeypatch.setattr(int8, "_quantise", lambda *a: pytest.fail("quantised again"))
    assert int8.ensure_int8(MODEL, export) == first
    assert first.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_a_damaged_int8_graph_is_redone(export, damage):
    path = int8.ensure_int8(MODEL, export)
    good = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(good[:100])
    elif damage == "flip":  # same size, other bytes
        path.write_bytes(good[:-1] + bytes([good[-1] ^ 0xFF]))
    else:
        path.unlink()
    int8.ensure_int8(MODEL, export)
    assert path.read_bytes() == good  # quantisation is deterministic


def test_an_unrecorded_int8_file_is_not_trusted(export):
    """A file left by a killed quantisation (or an older evqa) is redone, not used."""
    folder = onnx_dir(MODEL, export)
    (folder / int8.INT8).write_bytes(b"left over")
    path = int8.ensure_int8(MODEL, export)
    assert path.read_bytes() != b"left over"


def test_a_failing_quantisation_is_a_model_error_that_says_what_to_do(export, monkeypatch):
    def broken(source, target):
        Path(target).write_bytes(b"half")
        raise RuntimeError("shape inference failed")

    monkeypatch.setattr(int8, "_quantise", broken)
    with pytest.raises(ModelError, match="--encoder onnx"):
        int8.ensure_int8(MODEL, export)
    folder = onnx_dir(MODEL, export)
    assert not (folder / int8.INT8).exists()  # the half-written file is gone
    assert "int8" not in json.loads((folder / "meta.json").read_text())


def test_quantising_prints_nothing(export, capfd):
    import logging

    handlers = list(logging.getLogger().handlers)
    int8.ensure_int8(MODEL, export)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert logging.getLogger().handlers == handlers
