"""Helpers of the Milvus backend tests (tests/test_backends_milvus_*.py): running the CLI,
building an index, checking a clean error, the commands messages suggest. The fixtures
are in milvus_fixtures.py."""

from __future__ import annotations

import shlex

from click.testing import CliRunner

from evqa.cli import cli

DATED = [
    {"id": "a2022", "date": "2022-05-01", "text": "Solar boats raced on the lake in 2022."},
    {"id": "a2023", "date": "2023-06-10", "text": "Solar boats raced again on the lake."},
    {"id": "a2024", "date": "2024", "text": "The solar boat race moved to the sea."},
    {"id": "undated", "text": "Solar boat enthusiasts met on the lake shore."},
]


def run(runner: CliRunner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def build(runner: CliRunner, corpus, index, *extra):
    return run(runner, "index", "build", "--corpus", corpus, "--index", index, "--no-ner", *extra)


def assert_clean_error(result, code, *fragments):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "error:" in result.output
    for f in fragments:
        assert f in result.output, result.output


def command(output: str, after: str) -> list[str]:
    """The evqa command a message suggests (after ``after``), as CLI arguments."""
    line = next(x for x in output.splitlines() if after in x)
    args = shlex.split(line.split(after, 1)[1])
    assert args[0] == "evqa", line
    return args[1:]
