"""The `evqa` command line as a whole (evqa.cli): every command's help has examples, and
nothing opens a network connection.

The tests of each command are in tests/test_cli_<module>.py; their fixtures and helpers
in tests/cli_helpers.py and tests/conftest.py.
"""

from __future__ import annotations

import socket

import pytest
from cli_helpers import build_index, run


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["ask"],
        ["search"],
        ["chat"],
        ["eval"],
        ["index"],
        ["index", "build"],
        ["index", "status"],
        ["index", "add"],
        ["index", "remove"],
        ["index", "verify"],
    ],
)
def test_help_has_examples(runner, args):
    r = run(runner, *args, "--help")
    assert r.exit_code == 0
    assert "Example" in r.output


def test_no_socket_is_opened_by_build_ask_and_chat(
    tmp_path, corpus, fake_model, runner, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("evqa tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    index = tmp_path / "idx"
    assert build_index(runner, corpus, index).exit_code == 0
    assert run(runner, "ask", "wind turbines", "--index", index).exit_code == 0
    assert run(runner, "chat", "--index", index, input="wind?\n").exit_code == 0
