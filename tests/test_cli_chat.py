"""evqa.cli.chat: `evqa chat` with questions piped in."""

from __future__ import annotations

import json
import os

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
    assert r.exit_code == 2, r.output  # as `evqa ask` exits for input it refuses
    assert r.stdout == ""
    assert "line 1: error: /k must be at least 1 (got 0)" in r.stderr
    assert "line 2: error: unknown command /foo" in r.stderr


def test_piped_json_chat_prints_utf_8_for_bytes_that_are_not(built):
    """`printf '\\xff\\xfe\\n' | evqa chat --json`: the error line held the raw bytes."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "evqa", "chat", "--index", str(built), "--json", "--mode", "bm25"],
        input=b"\xff\xfe\n",
        capture_output=True,
        env={**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""},
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    line = json.loads(r.stdout.decode("utf-8"))
    assert line["question"] == "" and line["error"].startswith("the question is empty")


def test_chat_help_says_when_it_exits_2(runner):
    r = run(runner, "chat", "--help")
    text = " ".join(r.stdout.split())
    assert "typed at the prompt shows each error as it comes and ends 0" in text
    assert "piped in, one per line, as a script" in text
    assert "the exit code is 2 when any line was refused" in text
