"""eval/squad_corpus.py: SQuAD JSON -> an evqa corpus and a gold set (synthetic data)."""

import json
from pathlib import Path

import eval_scripts
import pytest

squad_corpus = eval_scripts.load("squad_corpus")


def _qa(qid, question, answers=(), impossible=False):
    return {
        "id": qid,
        "question": question,
        "answers": [{"text": a, "answer_start": 0} for a in answers],
        "is_impossible": impossible,
    }


def _write(folder: Path) -> None:
    v1 = {"data": [
        {"title": "Solar_boats", "paragraphs": [
            {"context": "Helios reached 42 km/h. ", "qas": [_qa("a1", "How  fast?", ["42 km/h"])]},
            {"context": "Mara Vent steered.", "qas": [_qa("a2", "Who?", ["Mara Vent"] * 2)]},
        ]},
        {"title": "Wind", "paragraphs": [
            {"context": "Iberdrola built it.", "qas": [_qa("b1", "Who built it?", ["Iberdrola"])]},
        ]},
    ]}  # fmt: skip
    v2 = {"data": [
        {"title": "Solar_boats", "paragraphs": [
            {"context": "Helios reached 42 km/h. ", "qas": [
                _qa("a1", "How  fast?", ["42 km/h"]), _qa("a3", "Who paid?", impossible=True),
            ]},
        ]},
    ]}  # fmt: skip
    (folder / "squad-v1.1-train.json").write_text(json.dumps(v1))
    (folder / "squad-v2.0-train.json").write_text(json.dumps(v2))


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_articles_become_one_corpus_article_and_questions_a_gold_set(tmp_path):
    _write(tmp_path)
    out = tmp_path / "out"
    assert squad_corpus.main([str(tmp_path), "--out", str(out), "--articles", "all",
                              "--dev", "Wind"]) == 0  # fmt: skip
    corpus = {r["id"]: r for r in _rows(out / "corpus.jsonl")}
    assert corpus["solar_boats"] == {
        "id": "solar_boats",
        "title": "Solar boats",
        "text": "Helios reached 42 km/h.\n\nMara Vent steered.",
    }
    gold = {r["id"]: r for r in _rows(out / "gold.jsonl")}
    assert list(gold) == ["a1", "a2", "b1", "a3"]  # a1 is not repeated from v2.0
    assert gold["a1"] == {"id": "a1", "question": "How fast?", "answers": ["42 km/h"],
                          "doc_ids": ["solar_boats"], "split": "test"}  # fmt: skip
    assert gold["a2"]["answers"] == ["Mara Vent"]
    assert gold["b1"]["split"] == "dev"
    assert gold["a3"] == {"id": "a3", "question": "Who paid?", "answers": [], "doc_ids": [],
                          "split": "test", "type": "unanswerable"}  # fmt: skip


def test_choosing_articles_and_leaving_out_v2(tmp_path):
    _write(tmp_path)
    out = tmp_path / "out"
    assert squad_corpus.main([str(tmp_path), "--out", str(out), "--articles", "Wind"]) == 0
    assert [r["id"] for r in _rows(out / "corpus.jsonl")] == ["wind"]
    squad_corpus.main([str(tmp_path), "--out", str(out), "--articles", "all", "--no-v2"])
    assert "a3" not in {r["id"] for r in _rows(out / "gold.jsonl")}


def test_missing_files_or_unknown_articles_exit_2(tmp_path, capsys):
    assert squad_corpus.main([str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "missing SQuAD file" in capsys.readouterr().err
    _write(tmp_path)
    assert squad_corpus.main([str(tmp_path), "--out", str(tmp_path / "o"), "--articles", "X"]) == 2
    assert "none of the chosen articles" in capsys.readouterr().err


def test_keywords_write_the_questions_as_keyword_queries(tmp_path):
    _write(tmp_path)
    out = tmp_path / "out"
    args = [str(tmp_path), "--out", str(out), "--articles", "all", "--keywords"]
    assert squad_corpus.main([*args, "content"]) == 0
    gold = {r["id"]: r for r in _rows(out / "gold.jsonl")}
    assert gold["b1"]["question"] == "built"  # "Who built it?": its content word
    assert gold["a1"]["question"] == "fast"
    assert gold["a2"]["question"] == "Who?"  # nothing would be left: kept as asked
    assert gold["b1"]["answers"] == ["Iberdrola"]
    assert squad_corpus.main([*args, "opening"]) == 0
    assert {r["id"]: r for r in _rows(out / "gold.jsonl")}["b1"]["question"] == "built it"


def test_a_fold_of_the_training_articles_instead_of_a_list(tmp_path, capsys):
    _write(tmp_path)
    out = tmp_path / "out"
    # sorted, the training articles are Solar_boats (fold 0 of 2) and Wind (fold 1)
    assert squad_corpus.main([str(tmp_path), "--out", str(out), "--fold", "1/2"]) == 0
    assert [r["id"] for r in _rows(out / "corpus.jsonl")] == ["wind"]
    assert [r["id"] for r in _rows(out / "gold.jsonl")] == ["b1"]
    with pytest.raises(SystemExit) as exit_info:
        squad_corpus.main([str(tmp_path), "--out", str(out), "--fold", "2/2"])
    assert exit_info.value.code == 2
    assert "--fold: invalid fold value: '2/2'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:  # one way of choosing, not two
        squad_corpus.main([str(tmp_path), "--out", str(out), "--fold", "1/2", "--articles", "X"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
