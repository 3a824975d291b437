"""eval/bench.py: the questions its warm loops time are ones both ask and search take."""

from __future__ import annotations

from eval_scripts import load


def test_the_warm_loops_run_over_the_seeds_questions_search_takes():
    bench = load("bench")
    questions = bench.gold_questions()
    assert len(questions) == 128 and "What is it?" not in questions  # 3 of 131 refused
    result = bench.warm(None, questions[:2] + questions[-2:], rounds=1)  # the shipped index
    assert result["ask"]["queries"] == result["search"]["queries"] == 4
