"""Fake model folders, a stand-in SentenceTransformer and sample queries for the encoder tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ST_MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
]
QUERIES = [
    "",
    "   ",
    "?",
    "What energy density does CATL's sodium-ion battery reach?",
    "宁德时代的钠离子电池能量密度是多少？",
    "🔋⚡🚗 battery news!! 😀",
    "lithium iron phosphate cathode " * 200,  # far beyond 256 tokens: truncated
]


def fake_model_folder(folder: Path, weights: str = "model.safetensors", dim: int = 8) -> Path:
    """A folder that looks like a sentence-transformers model (the weights are junk)."""
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text(json.dumps(ST_MODULES))
    (folder / "config.json").write_text(json.dumps({"hidden_size": 999}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": dim}))
    (folder / weights).write_bytes(b"weights of " + folder.name.encode())
    return folder


class FakeST:
    """Stands in for SentenceTransformer: the embedding of a text encodes its length."""

    max_seq_length = 256

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def tokenizer(self, texts, **kwargs):
        return {"input_ids": [t.split() for t in texts]}

    def encode(self, texts, **kwargs):
        self.batches.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)
