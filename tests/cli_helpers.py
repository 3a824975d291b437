"""Helpers of the CLI tests (tests/test_cli_*.py): run a command, build an index, check a
clean error. The `runner` and `built` fixtures are in conftest.py."""

from __future__ import annotations

from evqa import store
from evqa.cli import cli


def run(runner, *args, input=None):
    return runner.invoke(cli, [str(a) for a in args], input=input)


def build_index(runner, corpus, index, *extra):
    """`evqa index build --corpus CORPUS --index INDEX EXTRA...`"""
    return run(runner, "index", "build", "--corpus", corpus, "--index", index, *extra)


def assert_clean_error(result, code, *fragments):
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error:" in result.output
    for f in fragments:
        assert f in result.output


def live_generation(built):
    return store.open_generation(built).path
