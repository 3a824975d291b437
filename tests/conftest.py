"""Shared fixtures: a tiny synthetic corpus and a fast fake embedding model.

The fake model hashes word stems into a 64-dim bag-of-words vector, so unit tests
of the build/search pipeline run in milliseconds without torch. Tests marked
`integration` use the real model instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import resource
from pathlib import Path

import cli_helpers
import numpy as np
import pytest
from click.testing import CliRunner

from evqa.encoder import ModelInfo

DIM = 64

ARTICLES = {
    "alpha": (
        "Solar Boats Reach Record Speed\n\n"
        "date 2024-03-05\n\n"
        "The Helios solar boat reached 42 km/h on Lake Geneva in March 2024. "
        "Its battery stores 18 kWh and weighs 120 kg. "
        "Captain Mara Vent said the hull was redesigned twice."
    ),
    "bravo": (
        "Wind Farm Opens Off Brittany\n\n"
        "The Saint-Brieuc wind farm delivers 496 MW from 62 turbines. "
        "Iberdrola built it for 2.4 billion euros. "
        "Fishermen protested during construction in 2021."
    ),
    "charlie": (
        "Hydrogen Trains Enter Service\n\n"
        "Alstom's Coradia iLint hydrogen trains run 1,000 km on one tank. "
        "Lower Saxony ordered 14 trains. "
        "The trains emit only water vapour."
    ),
}


def fake_vector(text: str) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    for word in re.findall(r"\w+", text.lower()):
        stem = word[:5]
        h = int.from_bytes(hashlib.blake2b(stem.encode(), digest_size=8).digest(), "little")
        v[h % DIM] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


class FakeQueryEncoder:
    def encode(self, texts):
        return np.stack([fake_vector(t) for t in texts])


@pytest.fixture(scope="session")
def real(tmp_path_factory) -> tuple[ModelInfo, Path]:
    """The bundled model and one ONNX export shared by the integration tests."""
    from evqa import encoder

    cache = tmp_path_factory.mktemp("evqa-cache")
    model = encoder.resolve_model(None, cache_dir=cache)
    encoder.ensure_onnx(model, cache)
    return model, cache


@pytest.fixture
def fake_model(monkeypatch, tmp_path):
    """Replace the embedding model with the fake one everywhere evqa looks it up."""
    from evqa import encoder
    from evqa.encoder import int8
    from evqa.encoder import onnx_documents as doc_encoder

    info = ModelInfo(name="fake-bow", path=tmp_path / "fake-model", sha256="f" * 64, dim=DIM)

    def encode_documents(model, texts, *, batch_size=64, progress=None, encoder=None, **kw):
        if progress:
            progress(len(texts))
        return np.stack([fake_vector(t) for t in texts]) if texts else np.zeros((0, DIM))

    monkeypatch.setattr(encoder, "encode_documents", encode_documents)
    monkeypatch.setattr(doc_encoder, "prepare", lambda model, cache_dir, name: (name, None))
    for module in (encoder, doc_encoder, int8):  # each module that looks ensure_onnx up
        monkeypatch.setattr(module, "ensure_onnx", lambda model, cache_dir: tmp_path / "none")
    monkeypatch.setattr(encoder, "load_query_encoder", lambda model, cache_dir: FakeQueryEncoder())
    monkeypatch.setattr(encoder, "resolve_model", lambda path=None, cache_dir=None: info)
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cache"))
    return info


def write_corpus(folder: Path, articles: dict[str, str] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus")


def small_settings(**over):
    """Build settings for small synthetic corpora (regex-only analysis: no spaCy)."""
    from evqa.build import BuildSettings

    base = dict(
        chunk_size=120,
        chunk_overlap=1,
        bm25_k1=1.2,
        bm25_b=0.75,
        exact_search_max=1000,
        batch_size=16,
        analysis=False,
    )
    return BuildSettings(**{**base, **over})


@contextlib.contextmanager
def file_size_limit(n: int):
    """Writes past ``n`` bytes fail with EFBIG, as under `ulimit -f` (Python ignores
    SIGXFSZ)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (n, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


# --- the CLI tests' runner and a small built index (tests/test_cli_*.py) ---


@pytest.fixture(name="runner")
def fixture_runner():
    return CliRunner()


@pytest.fixture(name="built")
def fixture_built(tmp_path, corpus, fake_model, runner):
    index = tmp_path / "idx"
    result = cli_helpers.build_index(runner, corpus, index, "--no-ner")
    assert result.exit_code == 0, result.output
    return index
