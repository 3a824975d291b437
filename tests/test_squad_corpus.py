"""eval/squad_corpus.py: SQuAD JSON -> an evqa corpus and a gold set (synthetic data)."""

import json
from pathlib import Path

import eval_scripts
import pytest

from evqa.evaluation.gold import load_gold
from evqa.reader.data import FILES

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


def test_train_articles_are_all_but_the_held_out_ones_every_question_of_split_train(tmp_path):
    _write(tmp_path)
    v1 = json.loads((tmp_path / "squad-v1.1-train.json").read_text())
    v1["data"].append({"title": "Normans", "paragraphs": [  # a held-out article: never trained on
        {"context": "Rollo led them.", "qas": [_qa("n1", "Who led them?", ["Rollo"])]},
    ]})  # fmt: skip
    (tmp_path / "squad-v1.1-train.json").write_text(json.dumps(v1))
    out = tmp_path / "out"
    assert squad_corpus.main([str(tmp_path), "--out", str(out), "--articles", "train"]) == 0
    assert [r["id"] for r in _rows(out / "corpus.jsonl")] == ["solar_boats", "wind"]
    gold = _rows(out / "gold.jsonl")
    assert [r["id"] for r in gold] == ["a1", "a2", "b1", "a3"]
    assert {r["split"] for r in gold} == {"train"}


def test_missing_files_or_unknown_articles_exit_2(tmp_path, capsys):
    assert squad_corpus.main([str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "missing SQuAD file" in capsys.readouterr().err
    _write(tmp_path)
    # the default articles (the reader's held-out ones) are not in these files
    assert squad_corpus.main([str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "none of the chosen articles" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--articles", "Wind,Solar_boat"],
         "error: --articles: 'Solar_boat' (did you mean 'Solar_boats'?) is not among the 2"
         " articles in the SQuAD files (Solar_boats, Wind)"),
        (["--articles", "all", "--dev", "Wnd,X"],
         "error: --dev: 'Wnd' (did you mean 'Wind'?), 'X' are not among the 2 articles"),
        # --dev names chosen articles: another one would put every question in "test"
        (["--articles", "Wind", "--dev", "Solar_boats"],
         "error: --dev: 'Solar_boats' is not among the 1 chosen articles (Wind)"),
        (["--fold", "1/2", "--dev", "Solar_boats"],
         "error: --dev: 'Solar_boats' is not among the 1 chosen articles (Wind)"),
    ],
)  # fmt: skip
def test_unknown_titles_in_articles_or_dev_exit_2(tmp_path, capsys, flags, message):
    _write(tmp_path)
    out = tmp_path / "out"
    assert squad_corpus.main([str(tmp_path), "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not out.exists()


def _one_article(folder: Path, title: str, qas: list[dict], name: str = "squad-v1.1-train.json"):
    doc = {"data": [{"title": title, "paragraphs": [{"context": "The Wind.", "qas": qas}]}]}
    (folder / name).write_text(json.dumps(doc))


def test_answers_no_answer_can_match_are_left_out_and_counted(tmp_path, capsys):
    qas = [
        _qa("c1", "Which mark ends it?", ["."]),  # only an unmatchable answer: dropped
        _qa("c2", "What blows?", [".", "the", "Wind"]),  # keeps "Wind"
        _qa("c3", "Which article?", ["The"]),
        _qa("c4", "Who paid?", impossible=True),  # unanswerable: kept
    ]
    _one_article(tmp_path, "Wind", qas)
    _one_article(tmp_path, "Wind", [_qa("c1", "Which mark ends it?", ["."])], FILES[1])
    out = tmp_path / "out"
    assert squad_corpus.main([str(tmp_path), "--out", str(out), "--articles", "all"]) == 0
    gold = {g.id: g for g in load_gold(out / "gold.jsonl")}  # evqa eval reads it
    assert list(gold) == ["c2", "c4"]  # c1 is not taken from v2.0 either
    assert gold["c2"].answers == ("Wind",) and gold["c4"].type == "unanswerable"
    err = capsys.readouterr().err
    assert "1 articles, 2 questions (1 unanswerable)" in err
    assert "left out 4 gold answer(s) no answer can match" in err
    assert "and 2 question(s) left with none" in err


def test_titles_that_become_one_doc_id_exit_2(tmp_path, capsys):
    doc = {"data": [
        {"title": t, "paragraphs": [{"context": "C.", "qas": [_qa(t, "Which?", ["C"])]}]}
        for t in ("Prime_number", "Prime number")
    ]}  # fmt: skip
    (tmp_path / FILES[0]).write_text(json.dumps(doc))
    out = tmp_path / "out"
    args = [str(tmp_path), "--out", str(out), "--no-v2", "--articles"]
    assert squad_corpus.main([*args, "all"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: article titles that become the same doc id:")
    assert "'Prime_number' and 'Prime number' -> 'prime_number'" in err
    assert not out.exists()
    assert squad_corpus.main([*args, "Prime number"]) == 0


def test_a_question_without_its_text_exits_2_naming_the_file_and_field(tmp_path, capsys):
    _one_article(tmp_path, "Wind", [{"id": "c1", "answers": []}])
    args = [str(tmp_path), "--out", str(tmp_path / "out"), "--articles", "all", "--no-v2"]
    assert squad_corpus.main(args) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: SQuAD file {tmp_path / FILES[0]}: article 'Wind' (data[0]) paragraph 0"
        " question 'c1' has no 'question' field; use the official SQuAD JSON file or add the"
        " field\n"
    )


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
