"""evqa.default_index: the seeds index, rebuilt on first use when it is out of date."""

from __future__ import annotations

from conftest import write_corpus

from evqa import build, config, store
from evqa.default_index import ensure_default_index


def test_a_stale_default_index_is_rebuilt_with_its_saved_settings(
    tmp_path, fake_model, monkeypatch
):
    corpus = write_corpus(tmp_path / "seeds")
    root = tmp_path / "index"
    monkeypatch.setitem(config.DEFAULTS, "corpus", str(corpus))
    settings = build.resolve_settings({"encoder": "torch", "analysis": False})
    build.build(corpus, root, model=fake_model, settings=settings, cache_dir=tmp_path / "c")
    (corpus / "alpha.txt").write_text("Alpha changed. A new sentence about tides.")
    notices = []
    assert ensure_default_index(root, tmp_path / "c", None, notices.append, None) == root
    manifest = store.open_generation(root).manifest
    assert notices and "out of date" in notices[0]
    assert manifest["settings"]["encoder"] == "torch" and manifest["settings"]["analysis"] is False
