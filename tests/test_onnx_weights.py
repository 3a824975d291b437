"""eval/onnx_weights.py: a reader's torch weights recovered from its ONNX graph (a tiny BERT)."""

import copy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import eval_scripts
import numpy as np
import pytest
import torch
import transformers

train_reader = eval_scripts.load("train_reader")
export_reader = eval_scripts.load("export_reader")
onnx_weights = eval_scripts.load("onnx_weights")

OUTPUTS = export_reader.OUTPUTS
UNUSED = ("pooler", "position_ids")  # not in the graph: the reader never uses them


def test_a_float_initializer_is_returned_as_it_is():
    w = np.array([[0.25, -1.5], [3.0, 0.0]], dtype=np.float32)
    assert onnx_weights.value_of("w", {"w": w, "w_quantized": np.zeros((2, 2), np.int8)}) is w


def test_an_int8_initializer_is_dequantised_per_channel_along_the_last_axis():
    graph = {
        "w_quantized": np.array([[-128, 0], [10, 127], [3, -5]], dtype=np.int8),
        "w_scale": np.array([0.5, 0.01], dtype=np.float32),
        "w_zero_point": np.array([2, -1], dtype=np.int8),
    }
    got = onnx_weights.value_of("w", graph)
    # (q - zero_point) * scale, column by column; -128 - 2 does not wrap round in int8
    want = np.array([[-65.0, 0.01], [4.0, 1.28], [0.5, -0.04]], dtype=np.float32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_uint8_initializer_with_one_scale_is_dequantised_too():
    graph = {  # as the quantiser stores an embedding table (a Gather's)
        "e_quantized": np.array([[0, 255], [128, 130]], dtype=np.uint8),
        "e_scale": np.array(0.1, dtype=np.float32),
        "e_zero_point": np.array(128, dtype=np.uint8),
    }
    want = np.array([[-12.8, 12.7], [0.0, 0.2]], dtype=np.float32)
    np.testing.assert_allclose(onnx_weights.value_of("e", graph), want, rtol=1e-6, atol=1e-7)


def test_a_name_the_graph_holds_in_neither_form_is_a_key_error():
    graph = {"w": np.zeros(2, np.float32), "v_scale": np.ones(1, np.float32)}
    with pytest.raises(KeyError, match="v is not in the graph"):
        onnx_weights.value_of("v", graph)


def _tiny_reader(seed: int) -> train_reader.SpanReader:
    """A one-layer BERT reader whose every parameter is drawn at random: torch.onnx.export
    merges initializers of equal value (a fresh BERT's zero biases and unit LayerNorm
    weights), and a trained reader has none."""
    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=2100,  # export_reader.to_onnx traces with token ids up to 2054
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    model = train_reader.SpanReader(transformers.BertModel(config))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    return model


@dataclass
class RoundTrip:
    model: torch.nn.Module  # the one exported
    other: torch.nn.Module  # another of the same architecture, the weights are loaded into
    fp32: dict[str, torch.Tensor]  # its state recovered from the fp32 graph
    int8: dict[str, torch.Tensor]  # ... and from the int8 one
    int8_graph: Path


@pytest.fixture(scope="module")
def trip(tmp_path_factory) -> RoundTrip:
    folder = tmp_path_factory.mktemp("onnx-weights")
    model, other = _tiny_reader(0), _tiny_reader(1)
    fp32 = folder / "model.fp32.onnx"
    export_reader.to_onnx(model, fp32, OUTPUTS)
    int8 = export_reader.quantise(fp32, folder / "model.int8.onnx")
    return RoundTrip(
        model,
        other,
        onnx_weights.state_from_onnx(other, fp32),
        onnx_weights.state_from_onnx(other, int8),
        int8,
    )


def _used(state: dict[str, torch.Tensor]) -> list[str]:
    return [n for n in state if not any(u in n for u in UNUSED)]


def test_an_fp32_graph_gives_back_the_exported_parameters_exactly(trip):
    want = trip.model.state_dict()
    assert _used(trip.fp32) == _used(want) and len(_used(want)) > 20
    for name in _used(want):
        assert torch.equal(trip.fp32[name], want[name]), name


def test_the_parameters_a_graph_does_not_hold_stay_the_models_own(trip):
    own = trip.other.state_dict()
    pooler = [n for n in own if "pooler" in n]
    assert pooler and all(torch.equal(trip.fp32[n], own[n]) for n in pooler)
    assert not torch.equal(own[pooler[0]], trip.model.state_dict()[pooler[0]])


def test_a_model_loaded_from_the_fp32_graph_reads_as_the_exported_one(trip):
    loaded = copy.deepcopy(trip.other)
    loaded.load_state_dict(trip.fp32)
    ids = torch.tensor([[101, 7, 102, 55, 1999, 102]])
    args = (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 1, 1, 1]]))
    trip.model.eval()
    loaded.eval()
    with torch.no_grad():
        for got, want in zip(loaded(*args), trip.model(*args), strict=True):
            assert torch.equal(got, want)


def test_an_int8_graph_gives_back_the_parameters_within_half_a_quantisation_step(trip):
    graph = onnx_weights.initializers(trip.int8_graph)
    assert any(n.endswith("_quantized") for n in graph)  # the weights are int8 there
    # rounding to the nearest step: no value moves more than half of its (largest) scale
    step = max(float(v.max()) for n, v in graph.items() if n.endswith("_scale"))
    want = trip.model.state_dict()
    assert _used(trip.int8) == _used(want)
    for name in _used(want):
        err = (trip.int8[name] - want[name]).abs().max().item()
        assert err <= step / 2 + 1e-6, (name, err, step)


def test_an_int8_graph_gives_linear_weights_back_the_right_way_round(trip):
    name = "encoder.encoder.layer.0.attention.self.query.weight"  # square: fits either way
    want = trip.model.state_dict()[name]
    got = trip.int8[name]
    assert got.shape == want.shape == (32, 32)
    # random weights are far from their transpose: the error is tiny one way round only
    assert (got - want).abs().max() * 10 < (got - want.T).abs().max()


def test_a_missing_graph_is_a_usage_error_not_a_traceback(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(eval_scripts.EVAL / "onnx_weights.py"),
            str(tmp_path / "no.onnx"),
            "--out",
            str(tmp_path / "w.pt"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "no ONNX graph at" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "w.pt").exists()


def test_shipping_keeps_the_calibration_and_the_run_it_started_from():
    old = {
        "sha256": "aaa",
        "training": {"seed": 13},
        "calibration": {"threshold": 0.28},
        "calibration_fit": {"dev": 1},
        "news_scaling": {"a": 1.2, "b": 0.4},
        "reader_alone": {"int8": {"f1": 0.6}},
    }
    new = {"sha256": "bbb", "training": {"seed": 14}, "reader_alone": {"int8": {"f1": 0.7}}}
    shipped = export_reader.kept_from(old, new, {"init_onnx": {"sha256": "aaa"}})
    for key in ("calibration", "calibration_fit", "news_scaling"):
        assert shipped[key] == old[key]
    assert shipped["reader_alone"] == new["reader_alone"] and shipped["sha256"] == "bbb"
    assert shipped["training"] == {"seed": 14, "init_from": {"seed": 13}}
    assert new["training"] == {"seed": 14}  # the manifest given is not changed


def test_shipping_a_run_from_other_weights_records_no_chain():
    old = {"sha256": "aaa", "training": {"seed": 13}}
    for log in ({}, {"init_onnx": {"sha256": "ccc"}}):
        shipped = export_reader.kept_from(old, {"training": {"seed": 14}}, log)
        assert shipped == {"training": {"seed": 14}}


def test_shipping_a_run_from_an_earlier_reader_records_that_readers_training():
    # --init-manifest: the run started from an earlier reader's model.onnx (git show REV:...),
    # not the shipped one; its training record is kept when the sha256 matches, not otherwise
    old = {"sha256": "aaa", "training": {"seed": 13}}
    earlier = {"sha256": "ccc", "training": {"seed": 12}}
    log = {"init_onnx": {"sha256": "ccc"}}
    shipped = export_reader.kept_from(old, {"training": {"seed": 14}}, log, earlier)
    assert shipped["training"] == {"seed": 14, "init_from": {"seed": 12}}
    other = {"sha256": "ddd", "training": {"seed": 11}}
    assert export_reader.kept_from(old, {"training": {"seed": 14}}, log, other) == {
        "training": {"seed": 14}
    }


def test_a_run_from_another_runs_checkpoint_records_the_reader_that_chain_started_from():
    # a second epoch (--init runs/a/model-epoch1.pt): its log's init_from is run a's log,
    # which started from an earlier reader's model.onnx; that reader's record goes there
    earlier = {"sha256": "ccc", "training": {"seed": 12}}
    first = {"seed": 13, "init_onnx": {"sha256": "ccc"}}
    log = {"init_from": first}
    new = {"training": {"seed": 14, "init_from": first}}
    shipped = export_reader.kept_from({"sha256": "aaa"}, new, log, earlier)
    assert shipped["training"] == {
        "seed": 14,
        "init_from": {"seed": 13, "init_onnx": {"sha256": "ccc"}, "init_from": {"seed": 12}},
    }
    assert new["training"]["init_from"] == first  # the manifest given is not changed
    assert export_reader.kept_from({"sha256": "aaa"}, new, log) == new  # no reader matches


def test_an_unreadable_log_or_init_manifest_is_a_usage_error_that_names_it(tmp_path, capsys):
    # read before the export's minutes of work: a missing file or one that is not JSON
    import argparse

    ap = argparse.ArgumentParser(prog="export_reader.py")
    bad = tmp_path / "manifest.json"
    bad.write_text("{not json")
    for path, says in ((tmp_path / "nope.json", "cannot read"), (bad, "is not JSON")):
        with pytest.raises(SystemExit) as exit_:
            export_reader.read_json(ap, path)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert f"{path}" in err and says in err and "Traceback" not in err
    good = tmp_path / "good.json"
    good.write_text('{"sha256": "aaa"}')
    assert export_reader.read_json(ap, good) == {"sha256": "aaa"}
