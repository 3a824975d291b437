"""evqa.reader.data: SQuAD examples and their keyword-query rewrites (synthetic data)."""

import random

import pytest

from evqa.reader.data import SquadExample, keyword_query, with_keyword_queries


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
