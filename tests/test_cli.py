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


@pytest.mark.parametrize("command", ["status", "verify"])
def test_a_hand_edited_manifest_value_makes_status_and_verify_say_corrupt(
    tmp_path, corpus, fake_model, runner, command
):
    """`index status` crashed with a TypeError on a model.path of 123; `index verify` said
    ok for a bm25_weight of "0.3"."""
    import json

    from cli_helpers import assert_clean_error

    from evqa import store

    index = tmp_path / "idx"
    assert build_index(runner, corpus, index, "--no-ner").exit_code == 0
    path = store.open_generation(index).path / store.MANIFEST
    manifest = json.loads(path.read_text())
    manifest["model"]["path"] = 123
    path.write_text(json.dumps(manifest))
    r = run(runner, "index", command, "--index", index)
    assert_clean_error(r, 3, "has a bad model.path 123", f"evqa index build --index {index}")
    rebuilt = run(runner, "index", "build", "--index", index, "--no-ner")  # as it says
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "indexed 3 articles" in rebuilt.output  # from its own corpus, not seeds/
    assert run(runner, "index", command, "--index", index).exit_code == 0
