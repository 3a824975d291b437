"""Offline switches and a cheap import (evqa.encoder.torch_model)."""

from __future__ import annotations

import os
import subprocess
import sys

from encoder_fakes import ROOT

from evqa import encoder


def test_ensure_offline_forces_offline_and_defaults_parallelism(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "true")
    encoder.ensure_offline()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"
    assert os.environ["TOKENIZERS_PARALLELISM"] == "true"  # a user's choice is kept


def test_importing_the_module_loads_no_heavy_library():
    code = (
        "import sys, evqa.encoder\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers', 'onnxruntime', 'faiss']\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
