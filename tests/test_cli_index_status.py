"""evqa.cli.index.status: `evqa index status` and `evqa index verify`."""

from __future__ import annotations

import json

import numpy as np
from cli_helpers import assert_clean_error, live_generation, run


def test_status_and_verify(built, runner):
    status = json.loads(run(runner, "index", "status", "--index", built, "--json").stdout)
    assert status["articles"] == 3 and status["stale"] is False
    assert status["article_ids"] == ["alpha", "bravo", "charlie"]
    assert run(runner, "index", "verify", "--index", built).exit_code == 0
    emb = live_generation(built) / "embeddings.npy"
    arr = np.load(emb)
    arr[0, 0] += 1.0
    np.save(emb, arr)  # same size, different bytes
    r = run(runner, "index", "verify", "--index", built, "--json")
    assert r.exit_code == 3
    assert json.loads(r.stdout)["problems"] == ["embeddings.npy: checksum mismatch"]


def test_status_text_shows_the_dense_index_and_settings_readably(built, runner):
    r = run(runner, "index", "status", "--index", built)
    assert r.exit_code == 0, r.output
    lines = {line.split()[0]: line for line in r.stdout.splitlines()}
    chunks = json.loads(run(runner, "index", "status", "--index", built, "--json").stdout)["chunks"]
    assert lines["dense"] == f"dense      IndexFlatIP, {chunks} vectors"
    assert "analysis=False, " in lines["settings"] and "{" not in r.stdout


def test_status_of_an_emptied_file_is_a_corrupt_index(built, runner):
    (live_generation(built) / "embeddings.npy").write_bytes(b"")  # numpy: EOFError
    for flags in ((), ("--json",)):
        r = run(runner, "index", "status", "--index", built, *flags)
        assert_clean_error(r, 3, "embeddings.npy has 0 bytes", "rebuild with: evqa index build")
        assert "Aborted" not in r.output


def test_a_bad_evqa_model_is_named_as_the_variable_not_as_a_flag(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_MODEL", "/nonexistent-model")
    r = run(runner, "index", "status", "--index", built)
    assert_clean_error(r, 4, "EVQA_MODEL=/nonexistent-model: no model folder there")
    assert "--model" not in r.output
