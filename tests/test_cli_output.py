"""evqa.cli.output: stderr stays quiet off a terminal (no progress bars, no blank lines)."""

from __future__ import annotations

from cli_helpers import run


def test_nothing_on_stderr_when_all_goes_well_off_a_terminal(built, runner):
    # the progress bars of a (re)build are for terminals: a pipe or log gets nothing
    for args in (["search", "wind"], ["ask", "How many turbines?"]):
        r = run(runner, *args, "--index", built, "--mode", "bm25")
        assert r.exit_code == 0, r.output
        assert r.stderr == ""
