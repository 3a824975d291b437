"""evqa.cli.serve: how `evqa serve` opens its engine."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

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
