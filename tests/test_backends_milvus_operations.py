"""Building, adding to and removing from a Milvus index (evqa.backends.milvus.operations)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import write_corpus
from milvus_helpers import assert_clean_error, build, run

from evqa import store
from evqa.engine import Engine
from evqa.errors import InputError

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
milvus = pytest.importorskip("evqa.backends.milvus")

pytest_plugins = ["milvus_fixtures"]


def test_build_records_the_backend_and_counts(mbuilt):
    gen = store.open_generation(mbuilt)
    entry = gen.manifest["backend"]
    assert len(entry.pop("index_id")) == 32  # which index owns the collection
    assert entry == {
        "type": "milvus",
        "uri": "milvus.db",  # inside the index folder: recorded relative to it
        "collection": "evqa_midx",
        "complete": True,
    }
    assert gen.manifest["corpus"]["articles"] == 3
    assert gen.manifest["corpus"]["chunks"] >= 3
    assert (mbuilt / "milvus.db").exists()


def test_a_rebuild_embeds_nothing_and_a_changed_article_only_its_chunks(mbuilt, corpus, runner):
    r = build(runner, corpus, mbuilt, "--json")  # the manifest says milvus: no flag needed
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["embedded"] == 0 and report["reused"] == report["chunks"]
    (corpus / "bravo.txt").write_text("Wind Farm\n\nA new text about tidal kites.", "utf-8")
    report = json.loads(build(runner, corpus, mbuilt, "--json").stdout)
    assert 1 <= report["embedded"] < report["chunks"]
    r = run(runner, "search", "tidal kites", "--index", mbuilt, "--json")
    hits = json.loads(r.stdout)["passages"]
    assert hits[0]["doc_id"] == "bravo" and "tidal kites" in hits[0]["text"]


def test_another_encoder_re_embeds_and_is_recorded(mbuilt, corpus, runner):
    from evqa import store

    first = store.open_generation(mbuilt).manifest
    other = "torch" if first["model"]["encoder"] != "torch" else "onnx"
    report = json.loads(build(runner, corpus, mbuilt, "--encoder", other, "--json").stdout)
    assert report["embedded"] == report["chunks"] and report["reused"] == 0
    manifest = store.open_generation(mbuilt).manifest
    assert manifest["model"]["encoder"] == other and manifest["settings"]["encoder"] == other
    again = json.loads(build(runner, corpus, mbuilt, "--json").stdout)
    assert again["embedded"] == 0


def test_an_article_gone_from_the_corpus_is_removed(mbuilt, corpus, runner):
    (corpus / "charlie.txt").unlink()
    report = json.loads(build(runner, corpus, mbuilt, "--json").stdout)
    assert report["articles"] == 2
    hits = json.loads(
        run(runner, "search", "hydrogen trains", "--index", mbuilt, "-k", "20", "--json").stdout
    )["passages"]
    assert "charlie" not in {h["doc_id"] for h in hits}


def test_env_chooses_the_backend(lite_ok, tmp_path, corpus, fake_model, runner, monkeypatch):
    monkeypatch.setenv("EVQA_BACKEND", "milvus")
    monkeypatch.setenv("EVQA_MILVUS_URI", str(tmp_path / "env.db"))
    assert build(runner, corpus, tmp_path / "i").exit_code == 0
    entry = store.open_generation(tmp_path / "i").manifest["backend"]
    assert entry["type"] == "milvus" and entry["uri"] == str(tmp_path / "env.db")


def test_add_and_remove(mbuilt, tmp_path, runner):
    extra = write_corpus(
        tmp_path / "extra",
        {"delta": "Tidal Power\n\nThe tidal plant at La Rance produces 240 MW since 1966."},
    )
    r = run(runner, "index", "add", extra, "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articles"] == 4
    assert json.loads(r.stdout)["added"] == ["delta"]
    report = json.loads(r.stdout)  # as a local index counts: every chunk it did not embed
    assert report["embedded"] >= 1 and report["reused"] == report["chunks"] - report["embedded"]
    again = run(runner, "index", "add", extra, "--index", mbuilt, "--json")
    assert json.loads(again.stdout)["added"] == []  # held already, unchanged
    hits = json.loads(
        run(runner, "search", "tidal plant Rance", "--index", mbuilt, "--json").stdout
    )["passages"]
    assert hits[0]["doc_id"] == "delta"
    r = run(runner, "index", "remove", "delta", "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articles"] == 3
    assert json.loads(r.stdout)["removed"] == ["delta"]
    r = run(runner, "search", "tidal Rance", "--index", mbuilt, "--json")
    hits = json.loads(r.stdout)["passages"]
    assert "delta" not in {h["doc_id"] for h in hits}
    assert_clean_error(run(runner, "index", "remove", "nope", "--index", mbuilt), 2, "nope")
    assert_clean_error(
        run(runner, "index", "remove", "alpha", "bravo", "charlie", "--index", mbuilt),
        2,
        "empty index",
    )


def test_one_path_or_id_given_to_the_library_is_one_not_its_characters(
    mbuilt, tmp_path, fake_model
):
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    cache = tmp_path / "cache"
    report = milvus.add(
        str(extra / "delta.txt"), mbuilt, model=fake_model, settings=None, cache_dir=cache
    )
    assert report.articles == 4
    report = milvus.remove("delta", mbuilt, model=fake_model, cache_dir=cache)
    assert report.articles == 3
    with pytest.raises(InputError, match="no ids"):
        milvus.remove([], mbuilt, model=fake_model, cache_dir=cache)


def test_add_reports_the_stored_articles_it_replaces_with_another(mbuilt, tmp_path, runner):
    other = write_corpus(tmp_path / "other", {"bravo": "Tidal Kites\n\nKites over Orkney."})
    r = run(runner, "index", "add", other / "bravo.txt", "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["replaced"] == ["bravo"]
    assert "replaced 1 article already in the index with the same id: bravo" in r.stderr
    r = run(runner, "index", "add", other / "bravo.txt", "--index", mbuilt, "--json")
    assert json.loads(r.stdout)["replaced"] == []  # added again unchanged


def test_add_reports_the_stored_articles_it_was_given_unchanged(mbuilt, corpus, runner):
    r = run(runner, "index", "add", corpus, "--index", mbuilt)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("added 0 new articles, replaced 0 articles, 3 unchanged; ")
    (corpus / "bravo.txt").write_text("Tidal Kites\n\nKites over Orkney.", encoding="utf-8")
    write_corpus(corpus, {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    r = run(runner, "index", "add", corpus, "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert (report["added"], report["replaced"], report["unchanged"]) == (
        ["delta"],
        ["bravo"],
        ["alpha", "charlie"],
    )


def test_adding_two_files_with_one_id_is_refused_before_anything_is_written(
    mbuilt, tmp_path, runner
):
    files = [
        write_corpus(tmp_path / "x" / d, {"story": f"Story {d}\n\nFerries in {d}."}) / "story.txt"
        for d in ("a", "b")
    ]
    before = json.loads(run(runner, "index", "status", "--index", mbuilt, "--json").stdout)
    r = run(runner, "index", "add", *files, "--index", mbuilt)
    assert_clean_error(r, 2, "article id 'story'", "--skip-bad")
    after = json.loads(run(runner, "index", "status", "--index", mbuilt, "--json").stdout)
    assert after["article_ids"] == before["article_ids"], after
    assert after["problems"] == [], after["problems"]
    r = run(runner, "index", "add", *files, "--index", mbuilt, "--skip-bad")
    assert r.exit_code == 0, r.output
    engine = Engine.open(mbuilt)
    assert "Ferries in a" in engine.articles["story"].text  # the first one is kept


def test_add_and_remove_never_create_a_missing_lite_file(mbuilt, tmp_path, runner):
    import shutil

    from milvus_lite.server_manager import server_manager_instance

    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    server_manager_instance.release_server(str(mbuilt / "milvus.db"))  # as a new process
    shutil.rmtree(mbuilt / "milvus.db")
    assert_clean_error(run(runner, "index", "add", extra, "--index", mbuilt), 3, "does not exist")
    r = run(runner, "index", "remove", "alpha", "--index", mbuilt)
    assert_clean_error(r, 3, "does not exist")
    assert not (mbuilt / "milvus.db").exists()


def test_the_library_adds_to_and_removes_from_a_milvus_index_as_the_cli_does(
    mbuilt, tmp_path, fake_model
):
    from evqa import build

    before = store.open_generation(mbuilt).manifest["backend"]
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance makes 240 MW."})
    assert build.add(str(extra / "delta.txt"), mbuilt, model=fake_model).articles == 4
    assert Engine.open(mbuilt).search("tidal Rance", k=1)[0].doc_id == "delta"
    assert build.remove("delta", mbuilt, model=fake_model).articles == 3
    assert store.open_generation(mbuilt).manifest["backend"] == before
    assert "delta" not in Engine.open(mbuilt).articles


def test_the_library_build_of_a_milvus_index_keeps_it_in_its_collection(mbuilt, corpus, fake_model):
    from evqa import build

    before = store.open_generation(mbuilt).manifest
    (corpus / "bravo.txt").write_text("Wind Farm\n\nA new text about tidal kites.", "utf-8")
    report = build.build(corpus, mbuilt, model=fake_model)  # no backend, uri, collection
    assert report.articles == 3 and 1 <= report.embedded < report.chunks  # bravo's only
    after = store.open_generation(mbuilt)
    assert after.manifest["backend"] == before["backend"]  # same uri, collection and owner
    assert after.manifest["settings"] == before["settings"]
    assert not (after.path / "docs.sqlite").exists()
    assert Engine.open(mbuilt).search("tidal kites", k=1)[0].doc_id == "bravo"
    with pytest.raises(InputError, match="is a Milvus index: rebuild it from its corpus"):
        build.rebuild(mbuilt, model=fake_model)


def test_a_rebuild_of_a_milvus_index_with_a_bad_manifest_value_stays_in_milvus(
    mbuilt, corpus, runner
):
    gen = store.open_generation(mbuilt)
    path = gen.path / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    manifest["settings"]["bm25_weight"] = "0.3"  # hand-edited: the index is corrupt
    path.write_text(json.dumps(manifest), "utf-8")
    r = run(runner, "index", "build", "--index", mbuilt, "--corpus", corpus)
    assert r.exit_code == 0, r.output
    rebuilt = store.open_generation(mbuilt).manifest
    assert rebuilt["backend"]["type"] == "milvus"
    assert rebuilt["backend"]["collection"] == manifest["backend"]["collection"]


def test_the_library_build_takes_the_backend_uri_and_collection_like_the_flags(
    lite_ok, tmp_path, corpus, fake_model, monkeypatch
):
    from conftest import small_settings

    from evqa import build

    root, settings = tmp_path / "news.idx", small_settings()
    build.build(
        corpus,
        root,
        model=fake_model,
        settings=settings,
        backend="milvus",
        uri=tmp_path / "own.db",
        collection="news",
    )
    entry = store.open_generation(root).manifest["backend"]
    assert (entry["type"], entry["uri"], entry["collection"]) == (
        "milvus",
        str(tmp_path / "own.db"),
        "news",
    )
    with pytest.raises(InputError, match="uri and collection are for backend='milvus'"):
        build.build(corpus, root, model=fake_model, backend="local", collection="news")
    monkeypatch.setenv("EVQA_MILVUS_COLLECTION", "other")
    build.build(corpus, root, model=fake_model, settings=settings)  # env > the manifest
    assert store.open_generation(root).manifest["backend"]["collection"] == "other"
    monkeypatch.setenv("EVQA_BACKEND", "local")
    monkeypatch.delenv("EVQA_MILVUS_COLLECTION")
    build.build(corpus, root, model=fake_model, settings=settings)  # as --backend local
    assert store.open_generation(root).manifest["backend"] == {"type": "local"}
    assert Engine.open(root).search("hydrogen trains", k=1)[0].doc_id == "charlie"


BAD_LINES = (
    '{"id": "d1", "text": "Tidal power at La Rance."}\n'
    '{"id": "d2", "text": \n'
    '{"id": "d3"}\n'
    '{"id": "d1", "text": "Another text."}\n'
)


def test_an_add_of_bad_lines_is_refused_before_anything_is_written(mbuilt, tmp_path, runner):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(BAD_LINES)
    r = run(runner, "index", "add", bad, "--index", mbuilt)
    assert_clean_error(r, 2, "has 3 problems", "line 2: not valid JSON", "line 3", "line 4")
    r = run(runner, "search", "solar boat", "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output  # still complete: nothing was written
    assert "d1" not in {h["doc_id"] for h in json.loads(r.stdout)["passages"]}
    r = run(runner, "index", "add", bad, "--index", mbuilt, "--skip-bad", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["added"] == ["d1"]


def test_a_build_of_bad_lines_names_them_all_and_makes_no_index(
    lite_ok, tmp_path, fake_model, runner
):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(BAD_LINES)
    r = build(runner, bad, tmp_path / "midx", "--backend", "milvus")
    assert_clean_error(r, 2, "has 3 problems", "line 2: not valid JSON")
    assert not (tmp_path / "midx" / store.CURRENT).exists()


def _commits(monkeypatch) -> list[bool]:
    """The ``complete`` flag of each manifest generation a Milvus write commits from now on."""
    from evqa.backends.milvus import session

    flags, real = [], session.commit

    def recording(root, manifest):
        flags.append(manifest["backend"]["complete"])
        return real(root, manifest)

    monkeypatch.setattr(session, "commit", recording)
    return flags


def test_an_add_of_what_the_collections_hold_as_it_is_writes_nothing(
    mbuilt, corpus, tmp_path, fake_model, runner, monkeypatch
):
    from evqa.build import add

    live, commits = store.open_generation(mbuilt), _commits(monkeypatch)
    report = add(corpus, mbuilt, model=fake_model)
    assert (report.written, report.generation) == (False, live.path.name)
    chunks = live.manifest["corpus"]["chunks"]
    assert (report.articles, report.chunks, report.embedded, report.reused) == (3, chunks, 0, 0)
    assert (report.added, report.replaced) == ((), ())
    assert report.unchanged == ("alpha", "bravo", "charlie")
    r = run(runner, "index", "add", corpus, "--index", mbuilt, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["written"] is False
    r = run(runner, "index", "add", corpus, "--index", mbuilt)
    assert r.stdout.startswith(
        f"added 0 new articles, replaced 0 articles, 3 unchanged; nothing written, {mbuilt} "
        f"still holds 3 articles, {chunks} chunks, in "
    )
    now = store.open_generation(mbuilt)
    assert commits == [] and now.path == live.path and now.manifest == live.manifest
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    real = add(extra, mbuilt, model=fake_model)  # a real add still writes, as before
    assert real.written and real.generation != live.path.name and real.added == ("delta",)
    assert real.embedded >= 1 and commits == [False, True]  # marked building, then complete
    now = store.open_generation(mbuilt)
    assert now.path.name == real.generation and now.manifest["corpus"]["edited"]
    assert Engine.open(mbuilt).search("tidal Rance", k=1)[0].doc_id == "delta"


def _bravo_from_jsonl(tmp_path, index):
    """bravo as a JSONL row: the same id, title and text, another source."""
    bravo = Engine.open(index).articles["bravo"]
    path = tmp_path / "bravo.jsonl"
    row = {"id": "bravo", "title": bravo.title, "text": bravo.text}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("change", ["source", "settings", "fallback encoder"])
def test_an_add_of_held_articles_still_writes_what_it_would_change(
    mbuilt, corpus, tmp_path, fake_model, monkeypatch, change
):
    from evqa.backends.milvus.manifest import recorded_settings
    from evqa.build import add
    from evqa.encoder import onnx_documents as doc_encoder

    live = store.open_generation(mbuilt)
    paths, settings = corpus, None
    if change == "source":
        paths = _bravo_from_jsonl(tmp_path, mbuilt)
    elif change == "settings":  # one the collections do not hold: only the manifest does
        settings = replace(recorded_settings(live.manifest), bm25_k1=1.7)
    else:
        monkeypatch.setattr(doc_encoder, "prepare", lambda m, c, name: (name, "int8 unavailable"))
    commits = _commits(monkeypatch)
    report = add(paths, mbuilt, model=fake_model, settings=settings)
    assert report.written and report.generation != live.path.name
    assert report.added == report.replaced == () and commits[-1] is True
    assert store.open_generation(mbuilt).manifest["corpus"]["edited"]  # as any add that writes
    if change == "source":
        assert report.unchanged == ("bravo",) and commits == [False, True]
        assert Engine.open(mbuilt).articles["bravo"].source == "bravo.jsonl:1"
