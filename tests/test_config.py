"""Settings (evqa.config): the cache folder and the abstention threshold, checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evqa import config
from evqa.errors import InputError


def test_the_cache_dir_may_not_exist_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "new" / "cache"))
    assert config.cache_dir() == tmp_path / "new" / "cache"
    assert config.cache_dir(tmp_path) == tmp_path  # a flag wins


def test_a_cache_dir_that_is_a_file_is_an_error_naming_where_it_came_from(tmp_path, monkeypatch):
    blocker = tmp_path / "cachefile"
    blocker.write_text("")
    monkeypatch.setenv("EVQA_CACHE_DIR", str(blocker))
    with pytest.raises(InputError) as e:
        config.cache_dir()
    assert str(e.value) == (
        f"EVQA_CACHE_DIR={blocker} is a file, not a folder; point EVQA_CACHE_DIR at a folder "
        "(it is made if missing) or unset it"
    )
    with pytest.raises(InputError, match=f"cannot be a folder: {blocker} is a file"):
        config.cache_dir(blocker / "sub")
    monkeypatch.delenv("EVQA_CACHE_DIR")
    monkeypatch.setitem(config.DEFAULTS, "cache_dir", blocker)
    with pytest.raises(InputError, match="move it away or set EVQA_CACHE_DIR"):
        config.cache_dir()


def test_a_dangling_link_is_no_cache_dir(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    with pytest.raises(InputError, match="is a broken link"):
        config.cache_dir(tmp_path / "link")


def test_an_unwritable_cache_dir_is_a_problem_not_an_error(tmp_path, monkeypatch):
    assert config.cache_problem(tmp_path / "new") is None
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    problem = config.cache_problem(tmp_path / "new")
    assert problem is not None
    assert f"{tmp_path / 'new'} (it cannot be made in {tmp_path}) is not writable" in problem
    assert "set EVQA_CACHE_DIR to a writable folder" in problem


@pytest.mark.parametrize("bad", [-1, 1.01, float("nan")])
def test_the_abstain_threshold_is_a_probability(bad):
    assert config.check_threshold(None) is None and config.check_threshold(0.5) == 0.5
    with pytest.raises(InputError, match="^the abstention threshold must be between 0 and 1"):
        config.check_threshold(bad)
    with pytest.raises(InputError, match="^EVQA_ABSTAIN_THRESHOLD must be between 0 and 1"):
        config.check_threshold(bad, "EVQA_ABSTAIN_THRESHOLD")


@pytest.mark.parametrize("method", ["minmax", "rrf"])
def test_a_known_fusion_is_kept(method):
    assert config.check_fusion(method) == method


def test_an_unknown_fusion_is_named_with_where_it_came_from():
    with pytest.raises(InputError, match=r"unknown fusion 'foo' in EVQA_FUSION; choose one of"):
        config.check_fusion("foo", "EVQA_FUSION")


@pytest.mark.parametrize("bad", [-1, 1.5, True, "60"])
def test_the_rrf_constant_is_a_whole_number_from_0(bad):
    with pytest.raises(InputError, match="must be a whole number, at least 0"):
        config.check_rrf_k(bad)
    assert config.check_rrf_k(0) == 0 and config.check_rrf_k(60) == 60


@pytest.mark.parametrize("bad", ["0.3", None, [0.3], True, float("inf")])
def test_a_bm25_weight_that_is_no_number_is_an_input_error(bad):
    """A string (from a hand-edited manifest) used to raise a TypeError."""
    with pytest.raises(InputError, match=r"^EVQA_BM25_WEIGHT must be a number between 0 and 1"):
        config.check_bm25_weight(bad, "EVQA_BM25_WEIGHT")
    assert config.check_bm25_weight(1) == 1.0


def test_the_first_bad_manifest_setting_is_named_with_what_it_must_be():
    assert config.manifest_setting_problem({}) is None
    good = {"fusion": "minmax", "bm25_weight": 0.3, "rrf_k": 60, "chunk_size": 600}
    assert config.manifest_setting_problem({**good, "bm25_k1": None}) is None  # not recorded
    assert config.manifest_setting_problem({**good, "fusion": "rfr"}) == (
        "fusion",
        "one of: minmax, rrf",
    )
    assert config.manifest_setting_problem({"bm25_b": float("nan")})[0] == "bm25_b"


def test_documents_are_embedded_16_at_a_time_unless_told(monkeypatch):
    from evqa.build import resolve_settings

    assert resolve_settings(None, None).batch_size == 16  # a third of 64's peak memory
    monkeypatch.setenv("EVQA_BATCH_SIZE", "8")
    assert resolve_settings(None, None).batch_size == 8


def test_check_path_takes_str_or_pathlike_and_refuses_empty_strings(tmp_path):
    assert config.check_path("a/b", "x") == Path("a/b")
    assert config.check_path(tmp_path, "x") == tmp_path
    with pytest.raises(InputError, match="x is empty; give the path of a cache folder"):
        config.check_path(" ", "x", "a cache folder")
    with pytest.raises(InputError, match="x must be the path of a file or folder"):
        config.check_path(3, "x")
