"""The question-content check: no content words, or mostly repetition, is not a question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import small_settings

from evqa import build
from evqa.cli import cli
from evqa.engine import Engine
from evqa.errors import InputError
from evqa.question_content import content_problem, content_words, query_problem, searchable

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold" / "seeds.jsonl"
BATTERY = " ".join(["battery"] * 100)


def test_content_words_drop_function_words_and_stray_letters():
    assert content_words("What is the energy density of the Jinshi battery?") == [
        "energy",
        "density",
        "jinshi",
        "battery",
    ]
    assert content_words("Who didn't say it?") == ["say"]
    assert content_words("How many in 2030?") == ["2030"]


@pytest.mark.parametrize(
    "question", ["what is the", "Who did it?", "When?", "the the the the", "How much?"]
)
def test_only_function_words_is_no_content(question):
    assert "only function words" in content_problem(question)


@pytest.mark.parametrize("question", ["?!", "???", "🔋⚡", "— … —"])
def test_no_words_at_all_is_said_so(question):
    problem = content_problem(question)
    assert "no words to search for" in problem
    assert "function words" not in problem


@pytest.mark.parametrize(
    ("query", "kind"),
    [("???", "no words to search for"), ("what is the", "only function words (what, is, the)")],
)
def test_a_query_without_content_words_has_a_problem(query, kind):
    assert query_problem(query) == (
        f"the query has {kind}; search for something, e.g. a company, a product or a figure"
    )


@pytest.mark.parametrize("query", [BATTERY, "Jinshi", "solar boat speed"])
def test_a_query_with_content_words_has_none_even_repeated(query):
    assert query_problem(query) is None
    assert searchable(query) == query


def test_a_query_without_content_is_not_searchable():
    with pytest.raises(InputError, match="the query has no words to search for"):
        searchable("???")


@pytest.mark.parametrize(
    ("question", "word", "count"),
    [
        (BATTERY, "battery", 100),
        ("Jinshi Jinshi", "jinshi", 2),
        ("batteries battery batteries", "batteries", 3),  # one stem
        ("battery pack battery pack battery pack", "battery", 3),
    ],
)
def test_mostly_repetition_is_no_question(question, word, count):
    assert f"{word!r} {count} times" in content_problem(question)


@pytest.mark.parametrize(
    "question",
    [
        "battery",
        "energy density of Jinshi battery",
        "Does the battery pack hold more than the battery cell?",  # one repeat of five
        "2030?",
    ],
)
def test_real_questions_pass(question):
    assert content_problem(question) is None


def test_no_answerable_gold_question_is_refused():
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    flagged = [r["id"] for r in rows if r["answers"] and content_problem(r["question"])]
    assert flagged == []
    assert sum(bool(content_problem(r["question"])) for r in rows) >= 4  # the nonsense cases


@pytest.fixture
def index(tmp_path, corpus, fake_model):
    build.build(
        corpus, tmp_path / "idx", model=fake_model, settings=small_settings(), cache_dir=tmp_path
    )
    return tmp_path / "idx"


def test_engine_answers_nonsense_not_found_with_the_reason(index):
    engine = Engine.open(index)
    answer = engine.ask(BATTERY)
    assert answer.abstained and answer.answer is None and answer.confidence == 0.0
    assert "repeats" in answer.reason and not answer.passages
    assert answer.to_dict()["reason"] == answer.reason
    real = engine.ask("How many turbines does the Saint-Brieuc wind farm have?")
    assert real.reason is None and real.passages


def test_cli_says_not_found_and_why(index):
    r = CliRunner().invoke(cli, ["ask", BATTERY, "--index", str(index)])
    assert r.exit_code == 0, r.output
    assert "Not found in the articles" in r.output
    assert "'battery' 100 times" in r.output
    r = CliRunner().invoke(cli, ["ask", "what is the", "--index", str(index), "--json"])
    assert json.loads(r.stdout)["abstained"] is True
    assert "only function words" in json.loads(r.stdout)["reason"]
