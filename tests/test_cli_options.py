"""evqa.cli.options: the shared -k, --mode, --since and --until flags, their checks, and
flags over the EVQA_* environment.
"""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_clean_error, run


@pytest.mark.parametrize("k", ["0", "-1", "1000000", "abc"])
def test_bad_k(built, runner, k):
    for cmd in ("ask", "search"):
        r = run(runner, cmd, "wind", "--index", built, "-k", k)
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output


def test_query_errors_name_the_flags(built, runner):
    for cmd in ("ask", "search"):
        r = run(runner, cmd, "wind", "--index", built, "-k", "0")
        assert_clean_error(r, 2, "error: -k must be at least 1 (got 0)")
        r = run(runner, cmd, "wind", "--index", built, "--since", "yesterday")
        assert_clean_error(r, 2, "error: --since must be a date")
        r = run(runner, cmd, "wind", "--index", built, "--since", "2024", "--until", "2023")
        assert_clean_error(r, 2, "error: --since 2024 is after --until 2023")


def test_unknown_mode(built, runner):
    r = run(runner, "ask", "wind", "--index", built, "--mode", "magic")
    assert r.exit_code == 2 and "magic" in r.output


def test_env_sets_k_and_flag_wins(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_K", "1")
    r = run(runner, "search", "wind", "--index", built, "--json")
    assert len(json.loads(r.stdout)["passages"]) == 1
    r = run(runner, "search", "wind", "--index", built, "--json", "-k", "2")
    assert len(json.loads(r.stdout)["passages"]) == 2
    monkeypatch.setenv("EVQA_K", "zero")
    assert_clean_error(run(runner, "search", "wind", "--index", built), 2, "EVQA_K")


@pytest.mark.parametrize(
    ("env", "value", "flags"),
    [
        ("EVQA_K", "abc", ["-k", "2"]),
        ("EVQA_K", "0", ["-k", "2"]),
        ("EVQA_MODE", "bogus", ["--mode", "bm25", "-k", "2"]),
    ],
)
def test_a_flag_wins_over_a_bad_environment_variable(built, runner, monkeypatch, env, value, flags):
    monkeypatch.setenv(env, value)
    r = run(runner, "search", "the wind farm trains", "--index", built, "--json", *flags)
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["passages"]) == 2
    r = run(runner, "chat", "--index", built, "--json", *flags, input="/k\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"command": "k", "k": 2}


def test_a_flag_wins_over_a_bad_evqa_k_in_ask(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_K", "abc")
    r = run(runner, "ask", "How many turbines?", "--index", built, "-k", "3", "--json")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["passages"]) <= 3


def test_a_bad_environment_value_in_use_names_its_variable(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_MODE", "bogus")
    r = run(runner, "search", "wind", "--index", built)
    assert_clean_error(r, 2, "EVQA_MODE", "bogus")
    monkeypatch.delenv("EVQA_MODE")
    monkeypatch.setenv("EVQA_K", "0")
    for args in (["search", "wind"], ["chat"]):
        r = run(runner, *args, "--index", built, input="")
        assert_clean_error(r, 2, "EVQA_K must be at least 1")
        assert "-k" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("index", "build", "--corpus", "", "--index", "IDX"),
        ("index", "build", "--index", ""),
        ("index", "add", "", "--index", "IDX"),
        ("index", "remove", "--from-file", "", "--index", "IDX"),
        ("ask", "wind", "--index", " "),
        ("search", "wind", "--model", ""),
    ],
)
def test_an_empty_path_is_refused_not_taken_as_the_current_folder(
    tmp_path, runner, monkeypatch, args
):
    monkeypatch.chdir(tmp_path)
    args = [str(tmp_path / "idx") if a == "IDX" else a for a in args]
    r = run(runner, *args)
    assert r.exit_code == 2, r.output
    assert "is empty; give a path" in r.output and "Traceback" not in r.output
    assert "for its default" not in r.output  # --from-file has none
    assert list(tmp_path.iterdir()) == []  # nothing built or locked anywhere
