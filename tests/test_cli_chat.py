"""evqa.cli.chat: `evqa chat` with questions piped in."""

from __future__ import annotations

import json

from cli_helpers import run


def test_chat_piped_json(built, runner):
    r = run(
        runner,
        "chat",
        "--index",
        built,
        "--json",
        input="How many turbines?\n\nWho built the wind farm?\n",
    )
    assert r.exit_code == 0, r.output
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert [x["question"] for x in lines] == ["How many turbines?", "Who built the wind farm?"]


def test_piped_chat_writes_errors_to_stderr(built, runner):
    r = run(runner, "chat", "--index", built, input="/k 0\n/foo\n")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert "error: /k must be at least 1 (got 0)" in r.stderr
    assert "error: unknown command /foo" in r.stderr
