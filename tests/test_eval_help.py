"""Every benchmark and training script in eval/ answers --help: its imports still resolve
after the package's modules move, and it describes itself."""

from __future__ import annotations

import subprocess
import sys

import pytest
from eval_scripts import EVAL

SCRIPTS = sorted(p.name for p in EVAL.glob("*.py"))


def test_there_are_scripts():
    assert "bench.py" in SCRIPTS and "train_reader.py" in SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_answers_help(script):
    r = subprocess.run(
        [sys.executable, str(EVAL / script), "--help"],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "usage:" in r.stdout
