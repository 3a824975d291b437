"""The command line, through click's CliRunner, on a synthetic corpus and the fake model.

Every bad input must end in a one-line `error:` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import json
import os
import socket

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import write_corpus

from evqa import store
from evqa.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def built(tmp_path, corpus, fake_model, runner):
    index = tmp_path / "idx"
    result = build_index(runner, corpus, index, "--no-ner")
    assert result.exit_code == 0, result.output
    return index


def run(runner, *args, input=None):
    return runner.invoke(cli, [str(a) for a in args], input=input)


def build_index(runner, corpus, index, *extra):
    """`evqa index build --corpus CORPUS --index INDEX EXTRA...`"""
    return run(runner, "index", "build", "--corpus", corpus, "--index", index, *extra)


def assert_clean_error(result, code, *fragments):
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error:" in result.output
    for f in fragments:
        assert f in result.output


# --- building ------------------------------------------------------------------------


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
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert build_index(runner, corpus, tmp_path / "i", "--no-ner").exit_code == 0
    r = run(runner, "search", "turbines Brittany", "--index", tmp_path / "i", "--json")
    hits = json.loads(r.stdout)
    assert hits[0]["doc_id"] == "a2"
    r = run(runner, "search", "hydrogen tank", "--index", tmp_path / "i", "--json")
    assert json.loads(r.stdout)[0]["title"] == "Trains"


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
    assert r.exit_code == 0 and json.loads(r.stdout)


def test_a_locked_index_gives_a_clear_message(built, runner):
    import fcntl

    fd = os.open(built / store.LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # flock locks are per open file: this blocks the CLI's
    try:
        r = build_index(runner, built.parent / "corpus", built)
        assert_clean_error(r, 5, "another build")
    finally:
        os.close(fd)


# --- search and ask ----------------------------------------------------------------------


def test_search_json_has_the_documented_fields(built, runner):
    r = run(runner, "search", "wind farm turbines", "--index", built, "--json", "-k", "2")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)
    assert len(hits) == 2
    assert {"doc_id", "chunk_id", "title", "date", "text", "score"} <= set(hits[0])
    assert hits[0]["doc_id"] == "bravo"
    assert hits[0]["title"] == "Wind Farm Opens Off Brittany"


def test_search_explain_shows_each_retriever(built, runner):
    r = run(runner, "search", "hydrogen trains", "--index", built, "--json", "--explain")
    explain = json.loads(r.stdout)[0]["explain"]
    assert set(explain) == {"bm25", "dense"}
    assert sum(v["share"] for v in explain.values()) == pytest.approx(1.0)
    text = run(runner, "search", "hydrogen trains", "--index", built, "--explain").stdout
    assert "bm25" in text and "dense" in text


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_search_modes(built, runner, mode):
    r = run(runner, "search", "hydrogen trains tank", "--index", built, "--mode", mode, "--json")
    assert json.loads(r.stdout)[0]["doc_id"] == "charlie"


def test_ask_json_schema(built, runner):
    r = run(
        runner,
        "ask",
        "How many turbines does the Saint-Brieuc wind farm have?",
        "--index",
        built,
        "--json",
    )
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert {
        "question",
        "answer",
        "answer_sentence",
        "confidence",
        "abstained",
        "citations",
        "passages",
    } <= set(a)
    assert 0.0 <= a["confidence"] <= 1.0
    for c in a["citations"]:
        assert {"n", "doc_id", "title", "date", "quote", "start", "end"} <= set(c)
    for p in a["passages"]:
        assert {"rank", "doc_id", "chunk_id", "title", "date", "text", "score"} <= set(p)


def test_ask_plain_text_when_not_a_terminal(built, runner):
    r = run(runner, "ask", "How many turbines does the wind farm have?", "--index", built)
    assert r.exit_code == 0, r.output
    assert "\x1b[" not in r.stdout
    assert "62" in r.stdout


@pytest.mark.parametrize(
    "question",
    ["", "   ", "\t\n", "\u200b\u200b", "\x00\x01"],
)
def test_empty_questions_are_refused(built, runner, question):
    assert_clean_error(run(runner, "ask", question, "--index", built), 2, "question is empty")
    assert_clean_error(run(runner, "search", question, "--index", built), 2, "query is empty")


def test_a_100kb_question_is_refused(built, runner):
    assert_clean_error(run(runner, "ask", "battery " * 12_800, "--index", built), 2, "limit")


@pytest.mark.parametrize(
    "question",
    [
        "wind\x07 farm\u200b turbines",
        "🔋⚡ energy?",
        "风电场有多少台涡轮机",
        "ветряная ферма",
        "[bold]x[/bold] [1]",
        "'; DROP TABLE articles; --",
    ],
)
def test_odd_questions_get_an_answer_or_a_clean_abstention(built, runner, question):
    r = run(runner, "ask", question, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert a["abstained"] in (True, False)
    assert a["abstained"] == (a["answer"] is None)


@pytest.mark.parametrize("k", ["0", "-1", "1000000", "abc"])
def test_bad_k(built, runner, k):
    for cmd in ("ask", "search"):
        r = run(runner, cmd, "wind", "--index", built, "-k", k)
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output


def test_query_errors_name_the_flags(built, runner):
    for cmd in ("ask", "search"):
        r = run(runner, cmd, "wind", "--index", built, "-k", "0")
        assert_clean_error(r, 2, "error: -k must be at least 1 (got 0)")
        r = run(runner, cmd, "wind", "--index", built, "--since", "yesterday")
        assert_clean_error(r, 2, "error: --since must be a date")
        r = run(runner, cmd, "wind", "--index", built, "--since", "2024", "--until", "2023")
        assert_clean_error(r, 2, "error: --since 2024 is after --until 2023")


def test_k_larger_than_the_index_returns_every_chunk(built, runner):
    r = run(runner, "search", "wind", "--index", built, "-k", "500", "--json")
    assert r.exit_code == 0
    n = store.open_generation(built).manifest["corpus"]["chunks"]
    assert 1 <= len(json.loads(r.stdout)) <= n


def test_unknown_mode(built, runner):
    r = run(runner, "ask", "wind", "--index", built, "--mode", "magic")
    assert r.exit_code == 2 and "magic" in r.output


def test_env_sets_k_and_flag_wins(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_K", "1")
    assert len(json.loads(run(runner, "search", "wind", "--index", built, "--json").stdout)) == 1
    r = run(runner, "search", "wind", "--index", built, "--json", "-k", "2")
    assert len(json.loads(r.stdout)) == 2
    monkeypatch.setenv("EVQA_K", "zero")
    assert_clean_error(run(runner, "search", "wind", "--index", built), 2, "EVQA_K")


# --- the index: missing, stale, corrupt ---------------------------------------------------


def test_missing_index_says_what_to_run(tmp_path, fake_model, runner):
    r = run(runner, "ask", "wind", "--index", tmp_path / "nowhere")
    assert_clean_error(r, 3, "evqa index build")


def test_stale_corpus_says_what_to_run(built, runner):
    (built.parent / "corpus" / "delta.txt").write_text("A new article about tidal power plants.")
    r = run(runner, "ask", "wind", "--index", built)
    assert_clean_error(r, 3, "stale", "evqa index build", "--corpus")
    status = json.loads(run(runner, "index", "status", "--index", built, "--json").stdout)
    assert status["stale"] is True


def test_touched_but_unchanged_corpus_is_not_stale(built, runner):
    for f in (built.parent / "corpus").iterdir():
        os.utime(f, (1, 1))
    assert run(runner, "ask", "wind", "--index", built).exit_code == 0


def test_index_built_with_another_model_is_stale(built, runner, monkeypatch, fake_model):
    from evqa import encoder

    other = encoder.ModelInfo("other", fake_model.path, "0" * 64, fake_model.dim)
    monkeypatch.setattr(encoder, "resolve_model", lambda path=None, cache_dir=None: other)
    r = run(runner, "ask", "wind", "--index", built, "--model", built.parent)
    assert_clean_error(r, 3, "model differs")


def _live(built):
    return store.open_generation(built).path


def _edit_json(path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "victim, damage",
    [
        ("manifest.json", lambda p: p.write_text("{")),
        ("manifest.json", lambda p: _edit_json(p, lambda m: m.pop("model"))),
        ("manifest.json", lambda p: _edit_json(p, lambda m: m.update(settings="x"))),
        ("manifest.json", lambda p: _edit_json(p, lambda m: m.update(corpus="x"))),
        ("dense.faiss", lambda p: p.write_bytes(p.read_bytes()[:40])),
        ("dense.faiss", lambda p: p.write_bytes(os.urandom(p.stat().st_size))),
        ("embeddings.npy", lambda p: p.write_bytes(p.read_bytes()[:100])),
        ("docs.sqlite", lambda p: p.write_bytes(p.read_bytes()[:-4096])),
        ("docs.sqlite", lambda p: p.write_bytes(os.urandom(p.stat().st_size))),
        ("docs.sqlite", lambda p: p.unlink()),
    ],
)
def test_corrupt_index_files(built, runner, victim, damage):
    damage(_live(built) / victim)
    r = run(runner, "ask", "wind", "--index", built)
    assert_clean_error(r, 3, "evqa index build")


def test_bm25_arrays_truncated(built, runner):
    arrays = sorted((_live(built) / "bm25").glob("*.npy"))
    arrays[0].write_bytes(arrays[0].read_bytes()[:20])
    assert_clean_error(run(runner, "search", "wind", "--index", built), 3)


def test_status_and_verify(built, runner):
    status = json.loads(run(runner, "index", "status", "--index", built, "--json").stdout)
    assert status["articles"] == 3 and status["stale"] is False
    assert status["article_ids"] == ["alpha", "bravo", "charlie"]
    assert run(runner, "index", "verify", "--index", built).exit_code == 0
    emb = _live(built) / "embeddings.npy"
    arr = np.load(emb)
    arr[0, 0] += 1.0
    np.save(emb, arr)  # same size, different bytes
    r = run(runner, "index", "verify", "--index", built, "--json")
    assert r.exit_code == 3
    assert json.loads(r.stdout)["problems"] == ["embeddings.npy: checksum mismatch"]


def test_add_and_remove(built, tmp_path, runner):
    extra = write_corpus(
        tmp_path / "extra",
        {"delta": "Tidal Power\n\nThe tidal plant at La Rance produces 240 MW since 1966."},
    )
    r = run(runner, "index", "add", extra, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["articles"] == 4
    hits = json.loads(run(runner, "search", "tidal plant Rance", "--index", built, "--json").stdout)
    assert hits[0]["doc_id"] == "delta"
    r = run(runner, "index", "remove", "delta", "--index", built, "--json")
    assert json.loads(r.stdout)["articles"] == 3
    assert_clean_error(run(runner, "index", "remove", "nope", "--index", built), 2, "nope")


# --- chat and eval -----------------------------------------------------------------------


def test_chat_piped_json(built, runner):
    r = run(
        runner,
        "chat",
        "--index",
        built,
        "--json",
        input="How many turbines?\n\nWho built the wind farm?\n",
    )
    assert r.exit_code == 0, r.output
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert [x["question"] for x in lines] == ["How many turbines?", "Who built the wind farm?"]


def test_eval_writes_predictions_that_match_ask(built, tmp_path, runner):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "\n".join(
            json.dumps(g)
            for g in [
                {
                    "id": "g1",
                    "question": "How many turbines does the wind farm have?",
                    "answers": ["62 turbines", "62"],
                    "doc_ids": ["bravo"],
                    "type": "number",
                    "split": "dev",
                },
                {
                    "id": "g2",
                    "question": "What is the capital of France?",
                    "answers": [],
                    "doc_ids": [],
                    "type": "unanswerable",
                    "split": "test",
                },
            ]
        )
        + "\n"
    )
    preds = tmp_path / "preds.jsonl"
    r = run(runner, "eval", "--gold", gold, "--index", built, "--predictions", preds, "--json")
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)["hybrid"]
    assert metrics["n"] == 2 and metrics["citation_valid"] in (1.0, None)
    rows = [json.loads(line) for line in preds.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["g1", "g2"]
    for row in rows:  # each record is what `evqa ask --json` prints, plus the eval's fields
        asked = json.loads(run(runner, "ask", row["question"], "--index", built, "--json").stdout)
        assert {key: row[key] for key in asked} == asked
        assert row["mode"] == "hybrid" and "latency_ms" in row and "gold_answers" in row


def test_eval_all_modes_and_reports(built, tmp_path, runner):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "g1",
                "question": "hydrogen trains range",
                "answers": ["1,000 km"],
                "doc_ids": ["charlie"],
                "type": "number",
                "split": "dev",
            }
        )
        + "\n"
    )
    r = run(
        runner,
        "eval",
        "--gold",
        gold,
        "--index",
        built,
        "--mode",
        "all",
        "--report",
        tmp_path / "r.md",
        "--plot",
        tmp_path / "r.png",
    )
    assert r.exit_code == 0, r.output
    for mode in ("hybrid", "bm25", "dense"):
        assert mode in r.stdout
    assert (tmp_path / "r.md").read_text().count("|") > 10
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_accepts_a_minimal_gold_file(built, tmp_path, runner):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "m1", "question": "How many turbines does the wind farm have?", "answers": ["62"]},
        {"id": "m2", "question": "What is the capital of France?", "answers": []},
    ]
    gold.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = tmp_path / "r.md"
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json", "--report", report)
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)["hybrid"]
    assert (metrics["n_answerable"], metrics["n_unanswerable"]) == (1, 1)
    assert metrics["doc_recall@k"] is None and metrics["hit@1"] is not None
    text = report.read_text()
    assert "| phrase |" in text and "| unanswerable |" in text and "| number |" not in text
    assert "| test |" in text and "| dev |" not in text
    r = run(runner, "eval", "--gold", gold, "--index", built, "--split", "test")
    assert r.exit_code == 0, r.output


def write_two_question_gold(tmp_path):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "t1", "question": "How many turbines does the wind farm have?", "answers": ["62"]},
        {"id": "t2", "question": "What is the capital of France?", "answers": []},
    ]
    gold.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return gold


SQUAD_AND_CALIBRATION_KEYS = (
    "squad_em",
    "squad_f1",
    "squad_em_v2",
    "squad_f1_v2",
    "ece",
    "ece_all",
)


def test_eval_json_has_squad_metrics_and_ece(built, tmp_path, runner):
    from evqa.calibration_metrics import expected_calibration_error

    preds = tmp_path / "preds.jsonl"
    gold = write_two_question_gold(tmp_path)
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json", "--predictions", preds)
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)["hybrid"]
    for key in SQUAD_AND_CALIBRATION_KEYS:
        assert key in metrics, key
    rows = [json.loads(line) for line in preds.read_text().splitlines()]
    for row in rows:
        assert {"squad_em", "squad_f1", "span_correct"} <= set(row)
    # the aggregates are those of the records
    answerable = [row for row in rows if row["answerable"]]
    assert metrics["squad_em"] == pytest.approx(np.mean([row["squad_em"] for row in answerable]))
    assert metrics["squad_f1_v2"] == pytest.approx(np.mean([row["squad_f1"] for row in rows]))
    assert metrics["ece_all"] == pytest.approx(
        expected_calibration_error(
            [row["confidence"] for row in rows], [row["span_correct"] for row in rows]
        )
    )
    unanswerable = next(row for row in rows if not row["answerable"])
    assert unanswerable["squad_em"] == (1.0 if unanswerable["abstained"] else 0.0)
    assert unanswerable["span_correct"] is False


def test_eval_table_shows_squad_metrics_and_ece(built, tmp_path, runner):
    r = run(runner, "eval", "--gold", write_two_question_gold(tmp_path), "--index", built)
    assert r.exit_code == 0, r.output
    for key in SQUAD_AND_CALIBRATION_KEYS:
        assert key in r.stdout, key


def test_eval_plot_without_matplotlib_is_a_clean_error(built, tmp_path, runner, monkeypatch):
    import sys

    from evqa import evaluation

    gold = write_two_question_gold(tmp_path)
    runs = []
    real_run_eval = evaluation.run_eval
    monkeypatch.setattr(
        evaluation, "run_eval", lambda *a, **kw: runs.append(a) or real_run_eval(*a, **kw)
    )
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    r = run(runner, "eval", "--gold", gold, "--index", built, "--plot", tmp_path / "p.png")
    assert_clean_error(r, 1, "matplotlib", "pip install")
    assert not (tmp_path / "p.png").exists()
    assert runs == []  # told before the questions are asked, not after
    # without --plot matplotlib is never imported
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json")
    assert r.exit_code == 0, r.output


def test_eval_help_tells_of_squad_ece_and_the_plot(runner):
    r = run(runner, "eval", "--help")
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "--plot" in text and "reliability diagram" in text
    assert "squad_em" in text and "ece" in text
    assert "evqa eval --gold eval/gold/seeds.jsonl --plot" in text


def test_eval_bad_gold_file(built, tmp_path, runner):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("{not json}\n")
    assert_clean_error(run(runner, "eval", "--gold", gold, "--index", built), 2, "gold.jsonl:1")


def record_runs(monkeypatch) -> list:
    """The run_eval calls made (none when an error is caught before the run)."""
    from evqa import evaluation

    runs: list = []
    real_run_eval = evaluation.run_eval
    monkeypatch.setattr(
        evaluation, "run_eval", lambda *a, **kw: runs.append(a) or real_run_eval(*a, **kw)
    )
    return runs


def test_a_failed_eval_output_write_keeps_the_old_file_and_the_metrics(built, tmp_path, runner):
    from conftest import file_size_limit

    gold = write_two_question_gold(tmp_path)
    keep = tmp_path / "keep.jsonl"
    keep.write_text("OLD\n")
    with file_size_limit(1024):  # `ulimit -f 1`: the predictions do not fit
        r = run(runner, "eval", "--gold", gold, "--index", built, "--predictions", keep, "--json")
    assert_clean_error(r, 1, f"cannot write --predictions {keep} (File too large);", "unchanged")
    assert keep.read_text() == "OLD\n"
    assert [p.name for p in tmp_path.iterdir() if "keep" in p.name] == ["keep.jsonl"]
    assert json.loads(r.stdout)["hybrid"]["n"] == 2  # the run is not lost


@pytest.mark.parametrize("flag", ["--predictions", "--report", "--plot"])
def test_eval_refuses_an_output_it_cannot_write_before_the_run(
    built, tmp_path, runner, monkeypatch, flag
):
    gold = write_two_question_gold(tmp_path)
    runs = record_runs(monkeypatch)
    (tmp_path / "afile").write_text("x")
    for path, message in [
        (tmp_path / "afile" / "out", "afile is a file, not a folder"),
        (tmp_path, "is a folder"),
        ("/proc/evqa-out", "cannot write in /proc"),
    ]:
        r = run(runner, "eval", "--gold", gold, "--index", built, flag, path)
        assert_clean_error(r, 2, f"{flag} {path}", message)
        assert "File exists" not in r.output
    assert runs == []
    assert (tmp_path / "afile").read_text() == "x"


def test_eval_refuses_to_overwrite_the_gold_file(built, tmp_path, runner, monkeypatch):
    gold = write_two_question_gold(tmp_path)
    before = gold.read_bytes()
    runs = record_runs(monkeypatch)
    (tmp_path / "link.jsonl").symlink_to(gold)
    monkeypatch.chdir(tmp_path)
    for flag in ("--predictions", "--report", "--plot"):
        for path in (gold, "gold.jsonl", "link.jsonl", "sub/../gold.jsonl"):
            r = run(runner, "eval", "--gold", gold, "--index", built, flag, path)
            assert_clean_error(r, 2, f"{flag} {path} is the gold file")
    r = run(runner, "eval", "--gold", gold, "--index", built, "--report", "o", "--plot", "./o")
    assert_clean_error(r, 2, "--plot o is also given to --report")
    assert runs == [] and gold.read_bytes() == before


def test_eval_reads_a_gold_file_with_a_byte_order_mark(built, tmp_path, runner):
    gold = write_two_question_gold(tmp_path)
    gold.write_text(gold.read_text(), encoding="utf-8-sig")
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["hybrid"]["n"] == 2


def test_eval_refuses_a_bad_question_before_the_run(built, tmp_path, runner, monkeypatch):
    runs = record_runs(monkeypatch)
    gold = write_two_question_gold(tmp_path)
    for question in ("x" * 3200, "\u200b\u200b"):
        row = {"id": "t3", "question": question, "answers": ["62"]}
        gold.write_text(gold.read_text() + json.dumps(row) + "\n")
        r = run(runner, "eval", "--gold", gold, "--index", built)
        assert_clean_error(r, 2, "gold.jsonl:3:")
        gold = write_two_question_gold(tmp_path)
    assert runs == []


def test_eval_warns_of_gold_doc_ids_not_in_the_index(built, tmp_path, runner):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "t1", "question": "How many turbines?", "answers": ["62"], "doc_ids": ["bravo"]},
        {"id": "t2", "question": "Range of the trains?", "answers": ["1,000 km"], "doc_ids": ["c"]},
    ]
    gold.write_text("".join(json.dumps(row) + "\n" for row in rows))
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert "warning: 1 gold doc id(s) are not in the index: 'c';" in r.stderr
    assert json.loads(r.stdout)["hybrid"]["n"] == 2
    gold.write_text(json.dumps(rows[0]) + "\n")
    assert "warning" not in run(runner, "eval", "--gold", gold, "--index", built).stderr


def test_eval_mode_comes_from_the_flag_then_evqa_mode(built, tmp_path, runner, monkeypatch):
    gold = write_two_question_gold(tmp_path)
    monkeypatch.setenv("EVQA_MODE", "bm25")
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert list(json.loads(r.stdout)) == ["bm25"]
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json", "--mode", "dense")
    assert list(json.loads(r.stdout)) == ["dense"]
    # "all" is a flag of eval only: EVQA_MODE is shared with ask, search and chat
    monkeypatch.setenv("EVQA_MODE", "all")
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json")
    assert_clean_error(r, 2, "EVQA_MODE", "--mode")
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json", "--mode", "hybrid")
    assert list(json.loads(r.stdout)) == ["hybrid"]
    monkeypatch.delenv("EVQA_MODE")
    r = run(runner, "eval", "--gold", gold, "--index", built, "--json")
    assert list(json.loads(r.stdout)) == ["hybrid"]


def test_eval_shows_progress(built, tmp_path, runner, monkeypatch):
    from evqa import cli as cli_mod

    updates = []

    class Bars:  # what _progress gives on a terminal
        def __init__(self, quiet=False):
            pass

        def __enter__(self):
            return lambda stage, advance, total: updates.append((stage, advance, total))

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(cli_mod, "_progress", Bars)
    gold = write_two_question_gold(tmp_path)
    r = run(runner, "eval", "--gold", gold, "--index", built, "--mode", "all", "--json")
    assert r.exit_code == 0, r.output
    for mode in ("hybrid", "bm25", "dense"):
        assert updates.count((f"Asking questions ({mode})", 1, 2)) == 2


# --- help and no network -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["ask"],
        ["search"],
        ["chat"],
        ["eval"],
        ["index"],
        ["index", "build"],
        ["index", "status"],
        ["index", "add"],
        ["index", "remove"],
        ["index", "verify"],
    ],
)
def test_help_has_examples(runner, args):
    r = run(runner, *args, "--help")
    assert r.exit_code == 0
    assert "Example" in r.output


def test_no_socket_is_opened_by_build_ask_and_chat(
    tmp_path, corpus, fake_model, runner, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("evqa tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    index = tmp_path / "idx"
    assert build_index(runner, corpus, index).exit_code == 0
    assert run(runner, "ask", "wind turbines", "--index", index).exit_code == 0
    assert run(runner, "chat", "--index", index, input="wind?\n").exit_code == 0


def test_eval_on_a_corpus_indexes_it_once(tmp_path, corpus, fake_model, runner, monkeypatch):
    from evqa import encoder

    embedded: list[int] = []
    real = encoder.encode_documents

    def counting(model, texts, **kw):
        embedded.append(len(texts))
        return real(model, texts, **kw)

    monkeypatch.setattr(encoder, "encode_documents", counting)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "g1",
                "question": "How many turbines?",
                "answers": ["62"],
                "doc_ids": ["bravo"],
                "type": "number",
                "split": "dev",
            }
        )
        + "\n"
    )
    for _ in range(2):
        r = run(runner, "eval", "--gold", gold, "--corpus", corpus, "--json")
        assert r.exit_code == 0, r.output
    assert embedded[0] > 0 and sum(embedded[1:]) == 0  # the second run re-embeds nothing


def test_evqa_model_env_is_checked_against_the_index(built, runner, monkeypatch, fake_model):
    from evqa import encoder

    other = encoder.ModelInfo("other", fake_model.path, "0" * 64, fake_model.dim)
    monkeypatch.setattr(encoder, "resolve_model", lambda path=None, cache_dir=None: other)
    monkeypatch.setenv("EVQA_MODEL", str(built.parent))
    assert_clean_error(run(runner, "ask", "wind", "--index", built), 3, "model differs")


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
    assert "Invalid value for '--encoder'" in result.output
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


# --- flags over the environment, and the output streams ------------------------------------


@pytest.mark.parametrize(
    ("env", "value", "flags"),
    [
        ("EVQA_K", "abc", ["-k", "2"]),
        ("EVQA_K", "0", ["-k", "2"]),
        ("EVQA_MODE", "bogus", ["--mode", "bm25", "-k", "2"]),
    ],
)
def test_a_flag_wins_over_a_bad_environment_variable(built, runner, monkeypatch, env, value, flags):
    monkeypatch.setenv(env, value)
    r = run(runner, "search", "the wind farm trains", "--index", built, "--json", *flags)
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)) == 2
    r = run(runner, "chat", "--index", built, "--json", *flags, input="/k\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"command": "k", "k": 2}


def test_a_flag_wins_over_a_bad_evqa_k_in_ask(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_K", "abc")
    r = run(runner, "ask", "How many turbines?", "--index", built, "-k", "3", "--json")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["passages"]) <= 3


def test_a_bad_environment_value_in_use_names_its_variable(built, runner, monkeypatch):
    monkeypatch.setenv("EVQA_MODE", "bogus")
    r = run(runner, "search", "wind", "--index", built)
    assert_clean_error(r, 2, "EVQA_MODE", "bogus")
    monkeypatch.delenv("EVQA_MODE")
    monkeypatch.setenv("EVQA_K", "0")
    for args in (["search", "wind"], ["chat"]):
        r = run(runner, *args, "--index", built, input="")
        assert_clean_error(r, 2, "EVQA_K must be at least 1")
        assert "-k" not in r.stderr


@pytest.mark.parametrize("weight", ["5", "-1", "nan"])
def test_a_bm25_weight_outside_0_1_is_refused(built, runner, monkeypatch, weight):
    monkeypatch.setenv("EVQA_BM25_WEIGHT", weight)
    r = run(runner, "search", "wind", "--index", built, "--explain")
    assert_clean_error(r, 2, "EVQA_BM25_WEIGHT", "between 0 and 1")


@pytest.mark.parametrize("weight", ["0", "1", "0.5"])
def test_a_bm25_weight_in_0_1_is_accepted(built, runner, monkeypatch, weight):
    monkeypatch.setenv("EVQA_BM25_WEIGHT", weight)
    r = run(runner, "search", "wind", "--index", built, "--json", "--explain")
    assert r.exit_code == 0, r.output
    for hit in json.loads(r.stdout):
        assert all(0.0 <= p["share"] <= 1.0 for p in hit["explain"].values())


def test_a_query_bm25_cannot_match_gives_bm25_no_share(built, runner):
    # the fake model sees "turbi..." in it; BM25 matches no word of it
    r = run(runner, "search", "turbinezzz", "--index", built, "--json", "--explain")
    hits = json.loads(r.stdout)
    assert hits
    for hit in hits:
        assert hit["explain"]["bm25"]["rank"] is None
        assert hit["explain"]["bm25"]["share"] == 0.0
        assert hit["explain"]["dense"]["share"] == (1.0 if hit["score"] > 0 else 0.0)
    assert hits[0]["score"] == pytest.approx(0.7)  # dense's weight alone


def test_search_of_an_empty_query_speaks_of_a_query(built, runner):
    r = run(runner, "search", "  ", "--index", built)
    assert_clean_error(r, 2, "the query is empty", 'evqa search "')
    assert "question" not in r.stderr


def test_nothing_on_stderr_when_all_goes_well_off_a_terminal(built, runner):
    # the progress bars of a (re)build are for terminals: a pipe or log gets nothing
    for args in (["search", "wind"], ["ask", "How many turbines?"]):
        r = run(runner, *args, "--index", built, "--mode", "bm25")
        assert r.exit_code == 0, r.output
        assert r.stderr == ""


def _evqa(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "evqa", *args]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["search", "crimson"], None),
        (["ask", "crimson"], None),
        (["ask", "crimson", "--json"], None),
        (["chat"], b"crimson\n"),
    ],
)
def test_a_closed_stdout_is_a_clean_error(built, args, stdin):
    import subprocess

    r = subprocess.run(
        ["sh", "-c", 'exec "$@" 1>&-', "sh", *_evqa(*args, "--index", str(built))],
        input=stdin,
        capture_output=True,
    )
    assert r.returncode == 1
    assert r.stderr.decode().startswith("error: standard output is closed")
    assert "Traceback" not in r.stderr.decode()


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(["search", "hydrogen", "--mode", "bm25"], None), (["chat", "--mode", "bm25"], b"/k\n")],
)
def test_a_reader_that_leaves_early_ends_us_quietly(built, args, stdin):
    import subprocess

    read, write = os.pipe()
    os.close(read)  # like `| head -0`: nobody reads
    try:
        r = subprocess.run(
            _evqa(*args, "--index", str(built)), input=stdin, stdout=write, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert r.returncode == 141
    assert r.stderr == b""


def test_piped_chat_writes_errors_to_stderr(built, runner):
    r = run(runner, "chat", "--index", built, input="/k 0\n/foo\n")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert "error: /k must be at least 1 (got 0)" in r.stderr
    assert "error: unknown command /foo" in r.stderr


def test_an_abstention_without_passages_does_not_point_to_them(built, runner):
    r = run(runner, "ask", "solar boat battery", "--index", built, "--since", "2030")
    assert r.exit_code == 0, r.output
    assert "Not found in the articles" in r.stdout
    assert "listed below" not in r.stdout and "passages" not in r.stdout
