"""Which index owns a pair of collections (evqa.backends.milvus.ownership)."""

from __future__ import annotations

import json

import pytest
from milvus_helpers import DATED, assert_clean_error, build, run

from evqa.engine import Engine

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_a_collection_owned_by_another_index_is_refused(
    lite_ok, tmp_path, fake_model, runner, monkeypatch
):
    import shutil

    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(DATED[0]) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"id": "wind", "text": "Wind farms grew."}) + "\n", encoding="utf-8")
    shared = ("--backend", "milvus", "--uri", "share.db", "--collection", "shared")
    assert build(runner, a, "sa.idx", *shared).exit_code == 0
    r = build(runner, b, "sb.idx", *shared)
    assert_clean_error(r, 2, "belongs to the evqa index", str(tmp_path / "sa.idx"), "--collection")
    assert not (tmp_path / "sb.idx" / "CURRENT").exists()
    assert set(Engine.open("sa.idx").articles) == {"a2022"}  # untouched
    suggested = r.output.split("--collection ")[1].split(",")[0]
    assert build(runner, b, "sb.idx", *shared[:-1], suggested).exit_code == 0  # it works
    # the same index rebuilds; a moved folder is the same index; so is a rebuilt folder
    assert build(runner, a, "sa.idx").exit_code == 0
    shutil.move(tmp_path / "sa.idx", tmp_path / "moved.idx")
    assert build(runner, a, "moved.idx").exit_code == 0
    shutil.rmtree(tmp_path / "moved.idx")
    assert build(runner, a, "moved.idx", *shared).exit_code == 0
    # index add into a collection another index took over: refused, and verify says so
    client = Engine.open("sb.idx").backend.client
    other = {"id": "0" * 32, "index": str(tmp_path / "elsewhere.idx"), "host": "h"}
    client.alter_collection_properties(suggested, {milvus.OWNER_PROPERTY: json.dumps(other)})
    del client
    r = run(runner, "index", "add", a, "--index", "sb.idx")
    assert_clean_error(r, 2, "belongs to the evqa index", "elsewhere.idx")
    assert_clean_error(run(runner, "index", "verify", "--index", "sb.idx"), 3, "elsewhere.idx")
