"""evqa.cli.eval: `evqa eval` against gold questions: metrics, outputs and their checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import assert_clean_error, run


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
        assert asked.pop("warnings") == [] and "warnings" not in row  # eval has no date filter
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
    from evqa.evaluation.calibration import expected_calibration_error

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
    assert metrics["squad_f1_v2"] == pytest.approx(np.mean([row["squad_f1_v2"] for row in rows]))
    assert metrics["ece_all"] == pytest.approx(
        expected_calibration_error(
            [row["confidence"] for row in rows], [row["span_correct"] for row in rows]
        )
    )
    unanswerable = next(row for row in rows if not row["answerable"])
    assert unanswerable["squad_em_v2"] == (1.0 if unanswerable["abstained"] else 0.0)
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


def test_eval_creates_the_missing_folders_of_its_outputs(built, tmp_path, runner):
    """README: the nearest existing folder must be writable; missing ones are made."""
    gold = write_two_question_gold(tmp_path)
    report, preds = tmp_path / "new" / "deeper" / "r.md", tmp_path / "other" / "p.jsonl"
    r = run(runner, "eval", "--gold", gold, "--index", built, "--report", report,
            "--predictions", preds)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert report.read_text().strip() and len(preds.read_text().splitlines()) == 2


def test_eval_predictions_follow_the_readme_for_unanswerable_questions(built, tmp_path, runner):
    gold = write_two_question_gold(tmp_path)
    preds = tmp_path / "p.jsonl"
    r = run(runner, "eval", "--gold", gold, "--index", built, "--predictions", preds, "--json")
    assert r.exit_code == 0, r.output
    answerable, unanswerable = (json.loads(line) for line in preds.read_text().splitlines())
    # squad_em / squad_f1 are over answerable questions, as em / f1
    assert [unanswerable[key] for key in ("em", "f1", "squad_em", "squad_f1")] == [None] * 4
    v2 = 1.0 if unanswerable["abstained"] else 0.0
    assert (unanswerable["squad_em_v2"], unanswerable["squad_f1_v2"]) == (v2, v2)
    assert answerable["squad_em_v2"] == answerable["squad_em"] is not None
    metrics = json.loads(r.stdout)["hybrid"]
    assert metrics["squad_em"] == answerable["squad_em"]
    assert metrics["squad_em_v2"] == (answerable["squad_em"] + v2) / 2


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
    from evqa.cli import eval as cli_eval

    updates = []

    class Bars:  # what ProgressBars gives on a terminal
        def __init__(self, quiet=False):
            pass

        def __enter__(self):
            return lambda stage, advance, total: updates.append((stage, advance, total))

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(cli_eval, "ProgressBars", Bars)
    gold = write_two_question_gold(tmp_path)
    r = run(runner, "eval", "--gold", gold, "--index", built, "--mode", "all", "--json")
    assert r.exit_code == 0, r.output
    for mode in ("hybrid", "bm25", "dense"):
        assert updates.count((f"Asking questions ({mode})", 1, 2)) == 2


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


def test_sigterm_while_eval_indexes_a_corpus_leaves_no_temporary_generation(
    tmp_path, corpus, fake_model, runner, monkeypatch
):
    import os
    import signal

    from evqa import indexdata
    from evqa.evaluation.corpus_index import corpus_index_root

    def killed(data, folder, **kwargs):
        (folder / "docs.sqlite").write_text("half written")
        # else the SIGTERM would end pytest itself
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(indexdata, "save", killed)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g1", "question": "How many turbines?", "answers": []}))
    r = run(runner, "eval", "--gold", gold, "--corpus", corpus, "--no-ner")
    assert (r.exit_code, r.stderr) == (143, "terminated\n")
    root = corpus_index_root(corpus, tmp_path / "cache")
    assert not [p.name for p in root.iterdir() if p.name.startswith(".tmp-")]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _jsonl_corpus(tmp_path):
    """A JSONL corpus with an unrecognisable date (a build warning) and a duplicate id."""
    rows = [
        {"id": "w1", "title": "Wind", "date": "31/31/2020", "text": "The farm has 62 turbines."},
        {"id": "w2", "title": "Rail", "text": "The strike ended on Saturday after six days."},
        {"id": "w1", "title": "Again", "text": "This article repeats the id w1."},
    ]
    news = tmp_path / "news.jsonl"
    news.write_text("".join(json.dumps(row) + "\n" for row in rows))
    gold = tmp_path / "gold.jsonl"
    question = {"id": "g1", "question": "How many turbines?", "answers": ["62"], "doc_ids": ["w1"]}
    gold.write_text(json.dumps(question) + "\n")
    return news, gold


def test_eval_on_a_corpus_takes_skip_bad_as_its_error_says(tmp_path, fake_model, runner):
    news, gold = _jsonl_corpus(tmp_path)
    r = run(runner, "eval", "--gold", gold, "--corpus", news, "--json")
    assert_clean_error(r, 2, "duplicate article id 'w1'", "pass --skip-bad")
    r = run(runner, "eval", "--gold", gold, "--corpus", news, "--json", "--skip-bad")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["hybrid"]["n"] == 1


def test_eval_on_a_corpus_shows_the_build_warnings(tmp_path, fake_model, runner):
    news, gold = _jsonl_corpus(tmp_path)
    r = run(runner, "eval", "--gold", gold, "--corpus", news, "--json", "--skip-bad")
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning: ")]
    assert any("'31/31/2020' is not a recognisable date" in w for w in warnings)
    assert any("duplicate article id 'w1'" in w and "skipped" in w for w in warnings)
    assert "warning:" not in r.stdout


def test_eval_skip_bad_needs_a_corpus(built, tmp_path, runner):
    _, gold = _jsonl_corpus(tmp_path)
    for flag in ("--skip-bad", "--no-ner", "--ner"):
        r = run(runner, "eval", "--gold", gold, "--index", built, flag)
        assert_clean_error(r, 2, "--skip-bad and --ner/--no-ner apply to the articles of --corpus")


def test_eval_on_a_corpus_can_skip_entity_recognition(tmp_path, fake_model, runner, monkeypatch):
    from evqa import store
    from evqa.evaluation.corpus_index import corpus_index_root

    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cache"))
    news, gold = _jsonl_corpus(tmp_path)
    r = run(runner, "eval", "--gold", gold, "--corpus", news, "--skip-bad", "--no-ner", "--json")
    assert r.exit_code == 0, r.output
    root = corpus_index_root(news, tmp_path / "cache")
    assert store.open_generation(root).manifest["settings"]["analysis"] is False


@pytest.mark.parametrize("flag", ["--plot", "--report", "--predictions"])
def test_an_output_path_that_names_a_folder_is_refused_before_anything_runs(
    built, runner, tmp_path, flag
):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "q1", "question": "How fast is the Helios?", "answers": ["42 km/h"]}\n')
    r = run(runner, "eval", "--gold", gold, "--index", built, flag, f"{tmp_path}/new/")
    assert r.exit_code == 2 and "ends in a slash, so it names a folder" in r.output
    r = run(runner, "eval", "--gold", gold, "--index", built, flag, tmp_path)
    assert r.exit_code == 2 and "is a folder" in r.output
    assert not (tmp_path / "new").exists()


def test_the_split_choices_are_the_gold_files_splits():
    # the CLI spells them out to keep evqa.evaluation off its start-up; they must not drift
    from evqa.cli.eval import eval_cmd
    from evqa.evaluation.gold import SPLITS

    (split,) = [p for p in eval_cmd.params if p.name == "split"]
    assert list(split.type.choices) == ["all", *SPLITS]
