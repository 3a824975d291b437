"""eval/gold_examples.py: a gold question's training example, from the passages retrieved."""

import json

import eval_scripts
import pytest

from evqa.evaluation.gold import GoldItem
from evqa.types import Chunk, Hit

gold_examples = eval_scripts.load("gold_examples")

WINS = "Captain Mara Vent steered the boat Helios to a win in Kiel."
HALL = "The Kiel hall seats 1400 people."
CREW = "The crew of 40 kept the batteries cool; Mara Vent steered."


def _hits(*chunks: tuple[str, str]) -> list[Hit]:
    """Ranked hits of (doc_id, text) chunks, best first."""
    return [
        Hit(rank, 1.0 / rank, Chunk(f"{doc}#{rank}", doc, 0, len(text), text))
        for rank, (doc, text) in enumerate(chunks, start=1)
    ]


def _gold(answers: tuple[str, ...], doc_ids: tuple[str, ...] = ("boats",)) -> GoldItem:
    kind = "person" if answers else "unanswerable"
    return GoldItem("g1", "Who steered Helios?", answers, doc_ids, kind, "dev")


def test_the_first_answer_is_where_an_answer_first_stands():
    text = "Bergen sent the boat to Oslo, then Bergen again."
    assert gold_examples._first_answer(text, ("Oslo", "Bergen")) == (0, "Bergen")
    assert gold_examples._first_answer(text, ("Oslo",)) == (text.index("Oslo"), "Oslo")


def test_an_answer_inside_a_longer_word_or_number_is_not_found():
    assert gold_examples._first_answer(HALL, ("40",)) is None
    assert gold_examples._first_answer("Helios won in Kielholm.", ("Kiel",)) is None
    assert gold_examples._first_answer(CREW, ("40",)) == (CREW.index("40"), "40")


def test_of_two_answers_at_one_place_the_longer_wins_whatever_their_order():
    start = WINS.index("Mara")
    assert gold_examples._first_answer(WINS, ("Mara", "Mara Vent")) == (start, "Mara Vent")
    assert gold_examples._first_answer(WINS, ("Mara Vent", "Mara")) == (start, "Mara Vent")


def test_an_answer_with_punctuation_is_matched_literally():
    text = "Output rose 3x5 times, then 3.5 times."
    assert gold_examples._first_answer(text, ("3.5",)) == (text.index("3.5"), "3.5")


def test_an_answerable_question_is_trained_on_the_best_ranked_gold_passage_holding_it():
    hits = _hits(("boats", HALL), ("boats", CREW), ("boats", WINS))
    ex = gold_examples._example(_gold(("Mara Vent",)), hits, "fresh")
    assert (ex.article, ex.qid, ex.question) == ("boats", "fresh:g1", "Who steered Helios?")
    assert ex.context == CREW and ex.answers == ("Mara Vent",)
    assert ex.context[ex.answer_start : ex.answer_start + len("Mara Vent")] == "Mara Vent"
    assert ex.answer_start == CREW.index("Mara Vent")


def test_a_passage_of_another_article_is_skipped_even_if_it_holds_the_answer():
    hits = _hits(("sailing-club", WINS), ("boats", CREW))
    ex = gold_examples._example(_gold(("Mara Vent",)), hits, "fresh")
    assert (ex.article, ex.context) == ("boats", CREW)


def test_a_question_without_gold_articles_takes_any_passage_holding_it():
    hits = _hits(("sailing-club", WINS), ("boats", CREW))
    ex = gold_examples._example(_gold(("Mara Vent",), doc_ids=()), hits, "fresh")
    assert (ex.article, ex.context) == ("sailing-club", WINS)


def test_a_question_no_gold_passage_holds_the_answer_of_gives_no_example():
    hits = _hits(("boats", HALL), ("sailing-club", CREW))  # "40" only in 1400 in the gold one
    assert gold_examples._example(_gold(("40",)), hits, "fresh") is None


def test_an_unanswerable_question_is_trained_on_its_top_passage_with_no_answer():
    hits = _hits(("sailing-club", WINS), ("boats", CREW))
    ex = gold_examples._example(_gold(()), hits, "fresh")
    assert (ex.article, ex.qid, ex.context) == ("sailing-club", "fresh:g1", WINS)
    assert ex.answers == () and ex.answer_start is None


@pytest.mark.parametrize("answers", [(), ("Mara Vent",)])
def test_a_question_with_no_passage_retrieved_gives_no_example(answers):
    assert gold_examples._example(_gold(answers), [], "fresh") is None


def test_distractors_are_the_best_ranked_other_passages_holding_no_answer():
    hits = _hits(("boats", HALL), ("boats", WINS), ("club", CREW), ("club", HALL + " More."))
    got = gold_examples._distractors(("Mara Vent", "Vent"), hits, HALL, 5)
    assert got == (HALL + " More.",)  # HALL is its own; WINS and CREW name the answer
    assert gold_examples._distractors(("1400",), hits, WINS, 1) == (CREW,)


def test_gold_examples_name_each_answerable_examples_distractors_by_its_qid(tmp_path, monkeypatch):
    gold = tmp_path / "fresh.jsonl"
    rows = [
        {"id": "g1", "question": "Who steered Helios?", "answers": ["Mara Vent"],
         "doc_ids": ["boats"], "split": "train"},
        {"id": "g2", "question": "Who owns Helios?", "answers": [], "doc_ids": ["boats"],
         "split": "train"},
    ]  # fmt: skip
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
    hits = _hits(("club", HALL), ("boats", CREW), ("boats", WINS))

    class Engine:
        def search(self, question, k):
            return hits

    monkeypatch.setattr(gold_examples.Engine, "open", lambda index: Engine())
    examples, counts, near = gold_examples.gold_examples(gold, tmp_path, 2)
    assert [e.qid for e in examples] == ["fresh:g1", "fresh:g2"] and counts["kept"] == 2
    assert near == {"fresh:g1": (HALL,)}
    assert gold_examples.gold_examples(gold, tmp_path)[2] == {}  # none asked for
