"""evqa.cli.index.build: `evqa index build`, `add` and `remove`."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from dataclasses import replace

import pytest
from cli_helpers import assert_clean_error, build_index, run
from conftest import write_corpus
from corpus_fakes import write_jsonl

from evqa import store


def test_build_reports_counts(tmp_path, corpus, fake_model, runner):
    r = build_index(runner, corpus, tmp_path / "i", "--no-ner", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["articles"] == 3 and report["chunks"] >= 3
    assert report["embedded"] == report["chunks"]


def test_build_jsonl_corpus(tmp_path, fake_model, runner):
    corpus = tmp_path / "news.jsonl"
    rows = [
        {
            "id": "a1",
            "title": "Trains",
            "date": "2024-01-02",
            "text": "Hydrogen trains run 1,000 km on one tank of fuel.",
        },
        {"id": "a2", "text": "The wind farm has 62 turbines off the coast of Brittany."},
    ]
    write_jsonl(corpus, rows)
    assert build_index(runner, corpus, tmp_path / "i", "--no-ner").exit_code == 0
    r = run(runner, "search", "turbines Brittany", "--index", tmp_path / "i", "--json")
    hits = json.loads(r.stdout)["passages"]
    assert hits[0]["doc_id"] == "a2"
    r = run(runner, "search", "hydrogen tank", "--index", tmp_path / "i", "--json")
    assert json.loads(r.stdout)["passages"][0]["title"] == "Trains"


@pytest.mark.parametrize("setup", ["missing", "empty"])
def test_bad_corpus_paths(tmp_path, fake_model, runner, setup):
    path = tmp_path / "corpus"
    if setup == "empty":
        path.mkdir()
    r = build_index(runner, path, tmp_path / "i")
    assert_clean_error(r, 2)
    assert not (tmp_path / "i" / store.CURRENT).exists()


def test_malformed_jsonl_fails_or_skips_by_flag(tmp_path, fake_model, runner):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a", "text": "Good line about trains."}\n{broken\n')
    assert_clean_error(build_index(runner, corpus, tmp_path / "i"), 2, "line 2")
    r = build_index(runner, corpus, tmp_path / "i", "--skip-bad", "--no-ner")
    assert r.exit_code == 0, r.output
    assert "line 2" in r.stderr


def test_build_into_read_only_folder_is_refused_and_queries_still_work(built, runner, monkeypatch):
    monkeypatch.setattr(store.os, "access", lambda path, mode: not mode & os.W_OK)
    r = build_index(runner, built.parent / "corpus", built)
    assert_clean_error(r, 6, "not writable")
    r = run(runner, "search", "hydrogen", "--index", built, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["passages"]


def test_a_locked_index_gives_a_clear_message(built, runner):
    import fcntl

    fd = os.open(built / store.LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # flock locks are per open file: this blocks the CLI's
    try:
        r = build_index(runner, built.parent / "corpus", built)
        assert_clean_error(r, 5, "another build")
    finally:
        os.close(fd)


def test_index_build_encoder_flag_is_recorded(tmp_path, corpus, fake_model, runner):
    from evqa import store

    index = tmp_path / "idx"
    result = build_index(runner, corpus, index, "--no-ner", "--encoder", "onnx")
    assert result.exit_code == 0, result.output
    assert store.open_generation(index).manifest["settings"]["encoder"] == "onnx"
    again = build_index(runner, corpus, index, "--no-ner", "--json")  # the manifest's encoder
    assert json.loads(again.output)["embedded"] == 0
    other = build_index(runner, corpus, index, "--no-ner", "--encoder", "torch", "--json")
    report = json.loads(other.output)
    assert report["embedded"] == report["chunks"] and report["reused"] == 0


def test_index_build_bad_encoder_is_a_clean_usage_error(tmp_path, corpus, fake_model, runner):
    result = build_index(runner, corpus, tmp_path / "idx", "--encoder", "gpu")
    assert result.exit_code == 2
    assert "error: invalid value for '--encoder'" in result.output
    assert "onnx-int8" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "idx").exists()


def test_bad_evqa_encoder_env_is_a_clean_error(tmp_path, corpus, fake_model, runner, monkeypatch):
    monkeypatch.setenv("EVQA_ENCODER", "gpu")
    result = build_index(runner, corpus, tmp_path / "idx")
    assert_clean_error(result, 2, "EVQA_ENCODER", "onnx-int8")


def test_index_build_help_shows_the_encoder_flag(runner):
    result = run(runner, "index", "build", "--help")
    assert "--encoder [torch|onnx|onnx-int8]" in result.output
    assert "evqa index build --encoder torch" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunk-size", "10"], "error: --chunk-size must be a whole number of characters"),
        (["--chunk-overlap", "100"], "error: --chunk-overlap must be a whole number of sentences"),
    ],
)
def test_a_bad_chunk_flag_is_named_as_a_flag(built, tmp_path, runner, args, message):
    result = build_index(runner, built.parent / "corpus", built, *args)
    assert_clean_error(result, 2, message)
    result = run(runner, "index", "add", built.parent / "corpus", "--index", built, *args)
    assert_clean_error(result, 2, message)


def test_index_build_help_names_the_chunk_variables(runner):
    help_text = " ".join(run(runner, "index", "build", "--help").output.split())
    assert "Characters per chunk [env EVQA_CHUNK_SIZE; default: the index's, else 600]" in help_text
    assert "[env EVQA_CHUNK_OVERLAP; default: the index's, else 1]" in help_text
    assert "entity recognition at index time [default: the index's, else on]" in help_text


def test_add_and_remove(built, tmp_path, runner):
    extra = write_corpus(
        tmp_path / "extra",
        {"delta": "Tidal Power\n\nThe tidal plant at La Rance produces 240 MW since 1966."},
    )
    r = run(runner, "index", "add", extra, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articles"] == 4
    r = run(runner, "search", "tidal plant Rance", "--index", built, "--json")
    hits = json.loads(r.stdout)["passages"]
    assert hits[0]["doc_id"] == "delta"
    r = run(runner, "index", "remove", "delta", "--index", built, "--json")
    assert json.loads(r.stdout)["articles"] == 3
    assert_clean_error(run(runner, "index", "remove", "nope", "--index", built), 2, "nope")


def test_add_and_remove_say_what_they_changed_then_what_the_index_holds(built, tmp_path, runner):
    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    r = run(runner, "index", "add", extra, "--index", built)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(
        f"added 1 new article, replaced 0 articles; {built} now holds 4 articles, "
    )
    assert (
        json.loads(run(runner, "index", "add", extra, "--index", built, "--json").stdout)["added"]
        == []
    )  # already there, unchanged
    r = run(runner, "index", "remove", "delta", "bravo", "--index", built)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"removed 2 articles; {built} now holds 2 articles, ")


def test_add_says_how_many_of_its_articles_the_index_held_unchanged(built, runner):
    corpus = built.parent / "corpus"
    r = run(runner, "index", "add", corpus, "--index", built)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(
        f"added 0 new articles, replaced 0 articles, 3 unchanged; nothing written, {built} "
        "still holds 3 articles, "
    )
    (corpus / "bravo.txt").write_text("Tidal Kites\n\nKites over Orkney.", encoding="utf-8")
    write_corpus(corpus, {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    r = run(runner, "index", "add", corpus, "--index", built)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(
        f"added 1 new article, replaced 1 article, 2 unchanged; {built} now holds 4 articles, "
    )
    (corpus / "alpha.txt").write_text("Solar Boats\n\nA solar boat on Lake Geneva.")
    r = run(runner, "index", "add", corpus, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert (report["added"], report["replaced"], report["unchanged"]) == (
        [],
        ["alpha"],
        ["bravo", "charlie", "delta"],
    )


def test_an_add_of_what_the_index_holds_says_nothing_was_written(built, runner):
    corpus, live = built.parent / "corpus", store.open_generation(built)
    r = run(runner, "index", "add", corpus, "--index", built)
    assert r.exit_code == 0, r.output
    chunks = live.manifest["corpus"]["chunks"]
    assert r.stdout.startswith(
        f"added 0 new articles, replaced 0 articles, 3 unchanged; nothing written, {built} "
        f"still holds 3 articles, {chunks} chunks, in "
    )
    r = run(runner, "index", "add", corpus, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert (report["written"], report["generation"]) == (False, live.path.name)
    assert (report["articles"], report["chunks"], report["embedded"], report["reused"]) == (
        3,
        chunks,
        0,
        0,
    )
    assert report["unchanged"] == ["alpha", "bravo", "charlie"]
    now = store.open_generation(built)
    assert now.path == live.path and now.manifest == live.manifest
    (corpus / "delta.txt").write_text("Tidal Power\n\nLa Rance, 240 MW.", encoding="utf-8")
    r = run(runner, "index", "add", corpus, "--index", built, "--json")
    written = json.loads(r.stdout)
    assert written["written"] and written["generation"] != live.path.name
    assert written.keys() == report.keys()  # the same shape either way


def test_an_add_with_other_settings_writes_even_if_its_articles_are_held(built, runner):
    live = store.open_generation(built).path.name
    corpus = built.parent / "corpus"
    r = run(runner, "index", "add", corpus, "--index", built, "--chunk-size", "300")
    assert r.exit_code == 0, r.output
    assert "nothing written" not in r.stdout and f"{built} now holds 3 articles" in r.stdout
    assert store.open_generation(built).path.name != live


def test_the_add_line_says_when_nothing_was_written(tmp_path):
    from evqa.build import BuildReport
    from evqa.cli.index.build import _summary

    report = BuildReport(tmp_path, "gen", 1, 2, 0, 0, 0.04, unchanged=("alpha",), written=False)
    assert _summary(report, "add") == (
        f"added 0 new articles, replaced 0 articles, 1 unchanged; nothing written, {tmp_path} "
        "still holds 1 article, 2 chunks, in 0.0s"
    )


def test_the_add_line_names_no_unchanged_articles_when_there_are_none(tmp_path):
    from evqa.build import BuildReport
    from evqa.cli.index.build import _summary

    report = BuildReport(tmp_path, "gen", 4, 9, 2, 7, 1.0, added=("delta",))
    assert _summary(report, "add").startswith("added 1 new article, replaced 0 articles; ")
    line = _summary(replace(report, unchanged=("alpha",)), "add")
    assert line.startswith("added 1 new article, replaced 0 articles, 1 unchanged; ")


def test_remove_reads_ids_from_a_file_or_standard_input(built, tmp_path, runner):
    ids = tmp_path / "ids.txt"
    ids.write_text("\ufeff# gone stories\nbravo\n\n", encoding="utf-8")
    r = run(runner, "index", "remove", "--from-file", ids, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["removed"] == ["bravo"]
    r = run(
        runner, "index", "remove", "--from-file", "-", "--index", built, "--json", input="charlie\n"
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["removed"] == ["charlie"]
    assert json.loads(r.stdout)["articles"] == 1


def test_remove_without_ids_or_with_an_unreadable_id_file_is_refused(built, tmp_path, runner):
    assert_clean_error(run(runner, "index", "remove", "--index", built), 2, "--from-file")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfebravo\n")
    assert_clean_error(
        run(runner, "index", "remove", "--from-file", bad, "--index", built), 2, "not UTF-8"
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    assert_clean_error(
        run(runner, "index", "remove", "--from-file", empty, "--index", built),
        2,
        f"--from-file {empty} holds no ids (blank and # lines are skipped)",
    )
    assert (
        json.loads(run(runner, "index", "status", "--index", built, "--json").stdout)["articles"]
        == 3
    )  # nothing changed


def test_add_warns_of_the_articles_it_replaces(built, tmp_path, runner):
    other = write_corpus(tmp_path / "other", {"bravo": "Tidal Kites\n\nKites over Orkney."})
    r = run(runner, "index", "add", other / "bravo.txt", "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["replaced"] == ["bravo"]
    assert "warning: replaced 1 article already in the index with the same id: bravo (" in (
        r.stderr
    )
    (other / "bravo.txt").write_text("Tidal Kites\n\nKites over Shetland.")
    r = run(runner, "index", "add", other / "bravo.txt", "--index", built)
    assert r.exit_code == 0, r.output
    assert "replaced 1 article" in r.stderr
    assert r.stdout.startswith(f"added 0 new articles, replaced 1 article; {built} now holds 3 ")
    r = run(runner, "index", "add", other / "bravo.txt", "--index", built, "--json")
    assert json.loads(r.stdout)["replaced"] == [] and "replaced" not in r.stderr


def test_the_replaced_ids_are_counted_and_shortened():
    from evqa.cli.index.build import _replaced_text

    text = _replaced_text(tuple(f"a{i:02}" for i in range(12)))
    assert text.startswith("replaced 12 articles already in the index with the same id: a00, ")
    assert "a09 and 2 more (all in --json)" in text and "a10" not in text


def test_skip_bad_indexes_a_file_without_its_bad_sidecar(tmp_path, fake_model, runner):
    corpus = write_corpus(
        tmp_path / "r3",
        {"bees": "Bees Story Headline\n\nBeekeepers lost 45 percent.", "other": "Three goats."},
    )
    (corpus / "bees.meta.json").write_text('{"title": "X"')
    r = build_index(runner, corpus, tmp_path / "i", "--no-ner")
    bad = "bees.meta.json: not a readable UTF-8 JSON file"
    assert_clean_error(r, 2, bad, "pass --skip-bad to ignore it and index bees.txt without it")
    r = build_index(runner, corpus, tmp_path / "i", "--no-ner", "--skip-bad", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["articles"] == 2
    (warning,) = report["warnings"]
    assert warning.startswith("bees.meta.json: not a readable UTF-8 JSON file (")
    assert warning.endswith("); it was ignored, and bees.txt indexed without it")
    assert f"warning: {warning}" in r.stderr
    r = run(runner, "search", "beekeepers", "--index", tmp_path / "i", "--json")
    assert json.loads(r.stdout)["passages"][0]["title"] == "Bees Story Headline"


def test_build_warns_of_files_it_does_not_read_and_of_repeated_texts(
    tmp_path, corpus, fake_model, runner
):
    (corpus / "report.docx").write_bytes(b"PK\x03\x04")
    (corpus / "paper.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "alpha_copy.txt").write_text((corpus / "alpha.txt").read_text())
    r = build_index(runner, corpus, tmp_path / "i", "--no-ner", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["articles"] == 3
    assert report["warnings"] == [
        "paper.pdf: not a .txt/.md/.html file; skipped",
        "report.docx: not a .txt/.md/.html file; skipped",
        "article 'alpha_copy' has the same text as 'alpha'; skipped, 'alpha' is kept",
    ]
    assert all(f"warning: {w}" in r.stderr for w in report["warnings"])
    r = run(runner, "search", "Helios solar boat", "--index", tmp_path / "i", "--json")
    assert [h["doc_id"] for h in json.loads(r.stdout)["passages"]].count("alpha_copy") == 0


def test_citations_show_a_jsonl_source_field(tmp_path, fake_model, runner, monkeypatch):
    monkeypatch.setenv("EVQA_ABSTAIN_THRESHOLD", "0")  # always an answer, and its citations
    corpus = tmp_path / "news.jsonl"
    rows = [
        {
            "id": "j1",
            "title": "Rail Strike Ends",
            "text": "The train drivers union ended its strike on Saturday after six days.",
            "source": "wire",
        },
        {"id": "j2", "text": "Codelco produced 1.3 million tonnes of copper in Chile last year."},
    ]
    write_jsonl(corpus, rows)
    assert build_index(runner, corpus, tmp_path / "i", "--no-ner").exit_code == 0
    sources = {}
    for question in ("When did the strike end?", "How much copper did Codelco produce?"):
        r = run(runner, "ask", question, "--index", tmp_path / "i", "--json")
        assert r.exit_code == 0, r.output
        cited = json.loads(r.stdout)["citations"][0]
        sources[cited["doc_id"]] = cited["source"]
        text = run(runner, "ask", question, "--index", tmp_path / "i").stdout
        assert f"{cited['doc_id']} — source: {cited['source']}  chars" in text
    assert sources == {"j1": "wire", "j2": "news.jsonl:2"}


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _sqlite_full(monkeypatch):
    """docs.sqlite hits SQLITE_FULL ("database or disk is full"), as on a full disk."""
    from evqa import docstore

    connect = sqlite3.connect

    def small(path, *args, **kwargs):
        db = connect(path, *args, **kwargs)
        db.execute("PRAGMA max_page_count=2")
        return db

    monkeypatch.setattr(docstore.sqlite3, "connect", small)


@pytest.mark.parametrize("failing", ["docs.sqlite", "bm25"])
@pytest.mark.parametrize(
    "command",
    [("add", "{extra}"), ("remove", "bravo"), ("build", "--corpus", "{extra}")],
    ids=["add", "remove", "build"],
)
def test_a_full_disk_is_exit_6_and_the_index_still_answers(
    built, tmp_path, runner, monkeypatch, failing, command
):
    from evqa import bm25

    extra = write_corpus(tmp_path / "extra", {"delta": "Tidal Power\n\nLa Rance, 240 MW."})
    live = store.open_generation(built).path
    args = [a.format(extra=extra) for a in command]
    with monkeypatch.context() as m:
        if failing == "bm25":
            m.setattr(bm25, "save", _no_space)
        else:
            _sqlite_full(m)
        r = run(runner, "index", *args, "--index", built)
    assert_clean_error(r, 6, f"no space left on device writing {failing} of the index")
    assert "free space and run again" in r.output
    assert store.open_generation(built).path == live
    assert not [p.name for p in built.iterdir() if p.name.startswith(store.TMP_PREFIX)]
    assert run(runner, "index", "verify", "--index", built).exit_code == 0
    r = run(runner, "search", "hydrogen trains", "--index", built, "--json")
    assert json.loads(r.stdout)["passages"][0]["doc_id"] == "charlie"


@pytest.mark.parametrize("wait", ["-1", "nan", "inf", "-inf"])
@pytest.mark.parametrize(
    "command",
    [("build",), ("add", "{corpus}"), ("remove", "bravo")],
    ids=["build", "add", "remove"],
)
def test_a_wait_that_is_not_seconds_from_0_is_a_usage_error(built, runner, command, wait):
    live = store.open_generation(built).path
    args = [a.format(corpus=built.parent / "corpus") for a in command]
    r = run(runner, "index", *args, "--index", built, "--wait", wait)
    assert r.exit_code == 2, r.output
    assert "error: invalid value for '--wait': must be a number of seconds, 0 or more" in r.output
    assert store.open_generation(built).path == live


def test_the_build_line_counts_the_embeddings_an_interrupted_build_left(tmp_path):
    from evqa.build import BuildReport
    from evqa.cli.index.build import _summary

    report = BuildReport(tmp_path, "gen", 3, 10, 4, 6, 1.0, resumed=5)
    assert "(4 embedded, 6 reused, 5 of them from an interrupted build)" in _summary(
        report, "build"
    )
    assert "interrupted" not in _summary(BuildReport(tmp_path, "gen", 3, 10, 4, 6, 1.0), "build")


def test_the_build_line_counts_one_article_and_one_chunk_in_the_singular(tmp_path):
    from evqa.build import BuildReport
    from evqa.cli.index.build import _summary

    line = _summary(BuildReport(tmp_path, "gen", 1, 1, 1, 0, 0.5), "build")
    assert line.startswith("indexed 1 article, 1 chunk (1 embedded, 0 reused)")


def test_add_names_a_missing_or_unreadable_path_in_its_own_terms(built, tmp_path, runner):
    r = run(runner, "index", "add", tmp_path / "nosuch.txt", "--index", built)
    assert_clean_error(r, 2, "nosuch.txt does not exist; check the path")
    assert "corpus" not in r.output
    other = tmp_path / "report.docx"
    other.write_text("x")
    r = run(runner, "index", "add", other, "--index", built)
    assert_clean_error(r, 2, "report.docx is not a .txt, .md, .html or .jsonl file")


# --- SIGTERM: cleaned up as Ctrl-C is --------------------------------------------------

# `evqa` with the fake model, whose new generation's save stops half-way: it says "saving"
# on stderr once the temporary generation holds a file, then waits to be killed
KILLED_WHILE_SAVING = """
import sys, time
from pathlib import Path

import pytest

sys.path.insert(0, sys.argv[1])
import conftest

conftest.fake_model.__wrapped__(pytest.MonkeyPatch(), Path(sys.argv[2]))
from evqa import indexdata
from evqa.cli import main


def save(data, folder, **kwargs):
    (folder / "docs.sqlite").write_text("half written")
    print("saving", file=sys.stderr, flush=True)
    time.sleep(60)


indexdata.save = save
sys.argv = ["evqa", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize(
    "command",
    [("build", "--corpus", "{corpus}", "--no-ner"), ("add", "{new}"), ("remove", "bravo")],
    ids=["build", "add", "remove"],
)
def test_sigterm_while_writing_leaves_no_temporary_generation(built, tmp_path, runner, command):
    """SIGTERM (`kill`, `timeout`, a service manager) killed the build where it stood: a
    `.tmp-gen-*` folder stayed in the index folder until the next build."""
    import signal
    import subprocess
    import sys

    live = store.open_generation(built).path
    new = write_corpus(tmp_path / "more", {"delta": "Tidal Power\n\nA tidal plant opened."})
    (built.parent / "corpus" / "echo.txt").write_text("Geothermal\n\nA geothermal plant.")
    args = [a.format(corpus=built.parent / "corpus", new=new) for a in command]
    tests = os.path.dirname(__file__)
    script = [sys.executable, "-c", KILLED_WHILE_SAVING, tests, tmp_path]
    with subprocess.Popen(
        [*script, "index", *args, "--index", built],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            seen = []
            while (line := proc.stderr.readline()) not in ("saving\n", ""):
                seen.append(line)
            assert line == "saving\n", "".join(seen)
            assert any(p.name.startswith(".tmp-gen-") for p in built.iterdir())
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 143
            assert (proc.stdout.read(), proc.stderr.read()) == ("", "terminated\n")
        finally:
            if proc.poll() is None:  # a failed check: not 60 s of waiting for it
                proc.kill()
    assert not [p.name for p in built.iterdir() if p.name.startswith(".tmp-")]
    assert store.open_generation(built).path == live  # the previous generation, intact
    assert run(runner, "index", "verify", "--index", built).exit_code == 0


def test_the_index_commands_restore_the_default_sigterm_handler(built, runner):
    import signal

    assert run(runner, "index", "remove", "bravo", "--index", built).exit_code == 0
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
