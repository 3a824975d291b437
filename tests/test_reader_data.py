"""evqa.reader.data: SQuAD examples, their keyword-query rewrites and name swaps (synthetic
data)."""

import json
import random
import re
from pathlib import Path

import pytest

from evqa.errors import InputError
from evqa.reader.data import (
    SquadExample,
    fold,
    fold_articles,
    keyword_query,
    question_names,
    read_squad,
    swapped_name_questions,
    with_keyword_queries,
)


@pytest.mark.parametrize(
    ("question", "style", "query"),
    [
        (
            "Who was the duke in the battle of Hastings?",
            "opening",
            "duke in the battle of Hastings",
        ),
        ("Who was the duke in the battle of Hastings?", "content", "duke battle Hastings"),
        (
            "How many charge cycles does the cell last?",
            "opening",
            "charge cycles does the cell last",
        ),
        (
            "What is the energy density of the Jinshi cells?",
            "content",
            "energy density Jinshi cells",
        ),
        ("In what country is Normandy located?", "opening", "In what country is Normandy located"),
        ("Where is the theatre?", "opening", "theatre"),  # "the" of "theatre" is not an article
        ("What is?", "opening", "What is?"),  # nothing left: the question as asked
        ("Why is it so?", "content", "Why is it so?"),
    ],
)
def test_keyword_query(question, style, query):
    assert keyword_query(question, style) == query


def test_keyword_query_refuses_an_unknown_style():
    with pytest.raises(ValueError, match="unknown keyword style 'terse'"):
        keyword_query("Who?", "terse")


def _examples(n: int) -> list[SquadExample]:
    return [
        SquadExample("A", f"q{i}", f"Who built the bridge {i}?", "ctx", ("X",), 0) for i in range(n)
    ]


def test_with_keyword_queries_rewrites_about_the_share_asked_and_keeps_the_rest():
    before = _examples(2000)
    after = with_keyword_queries(before, 0.3, random.Random(1))
    changed = [b.question != a.question for b, a in zip(before, after, strict=True)]
    assert 0.26 < sum(changed) / len(changed) < 0.34
    styles = {a.question.split()[1] for a, c in zip(after, changed, strict=True) if c}
    assert styles == {"the", "bridge"}  # "built the bridge 7" (opening), "built bridge 7"
    assert all(
        a.answers == b.answers and a.context == b.context
        for a, b in zip(after, before, strict=True)
    )


def test_with_keyword_queries_is_reproducible_and_zero_share_changes_nothing():
    ex = _examples(50)
    assert with_keyword_queries(ex, 0.5, random.Random(3)) == with_keyword_queries(
        ex, 0.5, random.Random(3)
    )
    assert with_keyword_queries(ex, 0.0, random.Random(3)) == ex


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("When did the Normans conquer England?", ["Normans", "England"]),
        ("Who founded the Bank of England in London?", ["Bank of England", "London"]),
        ("What did Nikola Tesla's company sell?", ["Nikola Tesla's"]),
        ("Who designed it?", []),  # the first word is never a name
        ("In what year was it, What?", []),  # nor is a capitalised function word
    ],
)
def test_question_names(question, names):
    assert [question[s:t] for s, t in question_names(question)] == names


NORMANS = SquadExample(
    "Normans",
    "n1",
    "When did the Normans conquer England?",
    "The Normans conquered England in 1066.",
    ("1066",),
    34,
)
HUGUENOTS = SquadExample(
    "Huguenot",
    "h1",
    "Where did the Huguenots settle?",
    "Many Huguenots settled in Kent.",
    ("Kent",),
    25,
)


def test_swapped_name_questions_swaps_a_grounded_name_for_one_the_paragraph_lacks():
    out = swapped_name_questions([NORMANS, HUGUENOTS], 1.0, random.Random(0))
    by_id = {e.qid: e for e in out}
    assert set(by_id) == {"n1-swap", "h1-swap"}
    n = by_id["n1-swap"]
    assert n.question in {
        "When did the Huguenots conquer England?",
        "When did the Normans conquer Huguenots?",
    }
    assert n.context == NORMANS.context
    assert n.answers == () and n.answer_start is None
    # the Huguenot paragraph may only get a name it does not mention: Normans or England
    assert by_id["h1-swap"].question in {
        "Where did the Normans settle?",
        "Where did the England settle?",
    }


def test_swapped_name_questions_skips_what_cannot_be_swapped():
    unanswerable = SquadExample("Huguenot", "u", "Who led the Huguenots?", HUGUENOTS.context, ())
    ungrounded = SquadExample("Huguenot", "g", "Who led the Walloons?", HUGUENOTS.context, ("X",))
    same_article_only = [
        NORMANS,
        SquadExample("Normans", "n2", "Who was Rollo?", "Rollo led.", ("a",)),
    ]
    # neither is swapped, though their names (Huguenots, Walloons) can go into other questions
    out = swapped_name_questions([unanswerable, ungrounded, NORMANS], 1.0, random.Random(0))
    assert [e.qid for e in out] == ["n1-swap"]
    # Rollo is the only other name, but it comes from the same article
    assert swapped_name_questions(same_article_only, 1.0, random.Random(0)) == []
    assert swapped_name_questions([NORMANS, HUGUENOTS], 0.0, random.Random(0)) == []


def test_fold_articles_deals_the_sorted_titles_round_robin_into_disjoint_folds():
    titles = ["Delta", "alpha", "Beta", "Gamma", "Beta", "Epsilon"]  # one title repeated
    folds = [fold_articles(titles, k, 2) for k in range(2)]
    assert folds == [frozenset({"Beta", "Epsilon", "alpha"}), frozenset({"Delta", "Gamma"})]
    assert folds[0] | folds[1] == set(titles) and not folds[0] & folds[1]
    assert fold_articles(reversed(titles), 0, 2) == folds[0]  # the order given does not matter


@pytest.mark.parametrize(("fold", "folds"), [(2, 2), (-1, 2)])
def test_fold_articles_refuses_a_fold_outside_the_range(fold, folds):
    with pytest.raises(ValueError, match="not in 0..1"):
        fold_articles(["a", "b"], fold, folds)


def test_fold_reads_k_of_n_and_refuses_anything_else():
    assert fold("1/3") == (1, 3)
    for bad in ("3/3", "1", "a/2", "1/0", "-1/2", "0/1"):
        with pytest.raises(ValueError, match="is not K/N"):
            fold(bad)


def _squad_file(tmp_path, qa: dict) -> Path:
    doc = {"data": [{"title": "Wind", "paragraphs": [{"context": "Iberdrola.", "qas": [qa]}]}]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(doc))
    return path


def test_read_squad_reads_the_official_shape(tmp_path):
    qa = {"id": "b1", "question": " Who? ", "answers": [{"text": "Iberdrola", "answer_start": 0}]}
    (e,) = read_squad(_squad_file(tmp_path, qa))
    assert (e.article, e.qid, e.question, e.answers, e.answer_start) == (
        "Wind",
        "b1",
        "Who?",
        ("Iberdrola",),
        0,
    )


@pytest.mark.parametrize(
    ("qa", "message"),
    [
        ({"id": "b1", "answers": []}, r"article 'Wind' \(data\[0\]\) paragraph 0 question 'b1' "
         r"has no 'question' field"),
        ({"question": "Who?"}, r"paragraph 0 question 0 has no 'id' field"),
        ({"id": "b1", "question": 7}, r"question 'b1': 'question' must be a string, not 7"),
        ({"id": "b1", "question": "Who?", "answers": [{"text": "I"}]},
         r"question 'b1' answer 0 has no 'answer_start' field"),
    ],
)  # fmt: skip
def test_read_squad_names_the_file_and_the_missing_field(tmp_path, qa, message):
    path = _squad_file(tmp_path, qa)
    with pytest.raises(InputError, match=rf"^SQuAD file {re.escape(str(path))}: .*{message}"):
        read_squad(path)


def test_read_squad_refuses_a_missing_or_broken_file(tmp_path):
    with pytest.raises(InputError, match=r"SQuAD file .*nope\.json not found"):
        read_squad(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InputError, match=r"bad\.json is not valid JSON"):
        read_squad(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(InputError, match=r"list\.json: the file is not a JSON object"):
        read_squad(tmp_path / "list.json")
