"""evqa.cli.serve: how `evqa serve` opens its engine."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from evqa.cli import cli  # noqa: E402
from evqa.cli.serve import _opener  # noqa: E402
from evqa.serve.app import create_app  # noqa: E402
from evqa.serve.holder import EngineHolder  # noqa: E402


def test_the_undated_articles_a_request_left_out_are_a_warning_on_the_server_log(built, capsys):
    client = TestClient(create_app(EngineHolder(_opener(built, None))))
    capsys.readouterr()
    r = client.post("/search", json={"query": "solar boat battery", "since": "2020"})
    assert r.status_code == 200, r.text
    warning = "2 undated articles were left out by the since/until date filter"
    (told,) = r.json()["warnings"]  # the response carries it, and so does the log
    assert told.startswith(warning)
    stderr = capsys.readouterr().err
    assert stderr.count(f"warning: {warning}") == 1
    assert "notice: 2 undated" not in stderr


def test_an_address_it_cannot_listen_on_is_an_error_without_the_exposure_warning(built, runner):
    """The warning says that others can reach the server: only true once it listens."""
    r = runner.invoke(cli, ["serve", "--index", str(built), "--host", "999.1.1.1", "--port", "0"])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: cannot listen on 999.1.1.1:0")
    assert "warning" not in r.stderr


def test_a_port_out_of_range_names_where_it_came_from(built, runner, monkeypatch):
    r = runner.invoke(cli, ["serve", "--index", str(built), "--port", "70000"])
    assert r.exit_code == 2 and "--port must be between 0 and 65535 (got 70000)" in r.output
    monkeypatch.setenv("EVQA_PORT", "70000")
    r = runner.invoke(cli, ["serve", "--index", str(built)])
    assert r.exit_code == 2 and "EVQA_PORT must be between 0 and 65535 (got 70000)" in r.output
