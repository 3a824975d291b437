"""eval/average_weights.py: the mean of checkpoints, and the run log it leaves (tiny tensors)."""

import json
import subprocess
import sys

import eval_scripts
import pytest
import torch

SCRIPT = eval_scripts.EVAL / "average_weights.py"
average_weights = eval_scripts.load("average_weights")


def _state(w: float, ids: list[int]) -> dict[str, torch.Tensor]:
    return {"w": torch.full((2, 2), w), "ids": torch.tensor(ids)}


def test_float_weights_are_averaged_and_integer_buffers_kept():
    out = average_weights.average([_state(1.0, [0, 1]), _state(2.0, [0, 1]), _state(6.0, [0, 1])])
    assert torch.allclose(out["w"], torch.full((2, 2), 3.0))
    assert out["w"].dtype == torch.float32
    assert out["ids"].tolist() == [0, 1] and out["ids"].dtype == torch.int64


def test_checkpoints_of_different_models_are_refused():
    with pytest.raises(ValueError, match="different parameters"):
        average_weights.average([{"w": torch.zeros(1)}, {"v": torch.zeros(1)}])


def test_cli_writes_the_mean_and_the_logs_of_every_part(tmp_path):
    paths = []
    for i, w in enumerate((0.0, 4.0)):
        run = tmp_path / f"run{i}"
        run.mkdir()
        torch.save({"model": _state(w, [3]), "step": i}, run / "model.pt")
        (run / "train_log.json").write_text(json.dumps({"seed": i, "hyperparameters": {}}))
        paths.append(run / "model.pt")
    out = tmp_path / "soup"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    state = torch.load(out / "model.pt")
    assert torch.allclose(state["w"], torch.full((2, 2), 2.0))
    log = json.loads((out / "train_log.json").read_text())
    assert log["seed"] == 1  # the last part's run
    assert [p["log"]["seed"] for p in log["averaged_from"]] == [0, 1]
    assert not (out / "model.pt.tmp").exists()


def test_cli_needs_two_checkpoints(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "a.pt"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "at least two" in done.stderr


def test_cli_names_a_missing_checkpoint(tmp_path):
    real = tmp_path / "a.pt"
    torch.save(_state(1.0, [0]), real)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(real), str(tmp_path / "gone.pt"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "no checkpoint at" in done.stderr and "gone.pt" in done.stderr
