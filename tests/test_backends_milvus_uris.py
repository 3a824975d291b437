"""Milvus URIs (evqa.backends.milvus.uris): what is refused, and what pymilvus takes."""

from __future__ import annotations

import pytest
from milvus_helpers import assert_clean_error, build

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


@pytest.mark.parametrize(
    "flags",
    [
        ("--uri", "http://127.0.0.1:notaport"),
        ("--uri", "http://[::1"),
        ("--uri", "ftp://127.0.0.1:19530"),
        ("--uri", "news.sqlite"),
        ("--uri", ""),
        ("--collection", ""),
    ],
)
def test_bad_uris_and_names_are_input_errors(tmp_path, corpus, fake_model, runner, flags):
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", *flags)
    assert_clean_error(r, 2, "Milvus URI" if flags[0] == "--uri" else "--collection")
    assert not (tmp_path / "i").exists()


@pytest.mark.parametrize(
    "uri", ["http://m:19530", "https://m:443", "grpc://m:19530", "tcp://m:19530", "x/n.db"]
)
def test_uris_pymilvus_takes_are_accepted(uri):
    assert milvus.check_uri(uri) == uri


def test_a_lite_file_name_that_is_not_utf8_is_bad_input(
    lite_ok, tmp_path, corpus, fake_model, runner
):
    uri = str(tmp_path) + "/bad\udcff.db"  # the bytes b"bad\xff.db", as Python reads argv
    r = build(runner, corpus, tmp_path / "i", "--backend", "milvus", "--uri", uri)
    assert_clean_error(r, 2, "bad\\xff.db is not valid UTF-8")
    assert not (tmp_path / "i").exists()  # nothing written: no half-built index to finish
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # nor a lite file
