"""evqa.evaluation.run: the runner over a fake engine, and the atomic writes."""

from __future__ import annotations

import json

import pytest
from conftest import file_size_limit
from evaluation_fakes import ARTICLES, CANNED, GOLD_ITEMS, hit, scored_records, two_modes

from evqa.errors import InputError
from evqa.evaluation.gold import filter_split
from evqa.evaluation.markdown import write_markdown_report
from evqa.evaluation.plot import write_plot
from evqa.evaluation.run import run_eval, write_predictions

BY_QUESTION = {g.question: CANNED[g.id] for g in GOLD_ITEMS}


# deeper rankings for the recall curve: g1 finds d1 at rank 2, g2 at 1, g4 at 3
SEARCH = {
    "energy density of Jinshi": ["d3", "d1", "d2"],
    "who spoke at the signing": ["d2", "d1", "d3"],
    "capital of France": ["d3", "d1", "d2"],
    "who signed with Nio": ["d1", "d3", "d2"],
}


class FakeEngine:
    def __init__(self, with_search: bool = True):
        self.articles = ARTICLES
        self.asked: list[tuple[str, int, str]] = []
        self.searched: list[tuple[str, int, str]] = []
        if not with_search:
            self.search = None

    def ask(self, question, k=None, mode=None):
        self.asked.append((question, k, mode))
        return BY_QUESTION[question]

    def search(self, query, k=None, mode=None):
        self.searched.append((query, k, mode))
        return [hit(d, i) for i, d in enumerate(SEARCH[query][:k], 1)]


def test_run_eval_with_fake_engine():
    engine = FakeEngine()
    ticks = iter(range(100))
    done: list[int] = []
    result = run_eval(
        engine,
        GOLD_ITEMS,
        k=2,
        mode="bm25",
        progress=done.append,
        clock=lambda: next(ticks) * 0.005,
    )
    assert engine.asked[0] == ("energy density of Jinshi", 2, "bm25")  # warm-up
    assert len(engine.asked) == 5 and done == [1, 2, 3, 4]
    assert engine.searched[0] == ("energy density of Jinshi", 10, "bm25")
    assert [r["latency_ms"] for r in result.records] == pytest.approx([5.0] * 4)
    assert [r["ranked_doc_ids"] for r in result.records][3] == ["d1", "d3", "d2"]
    assert result.mode == "bm25" and result.k == 2
    assert result.metrics["hit@1"] == pytest.approx(2 / 3)
    # ranked list from search: g4 finds d2 at rank 3
    assert result.metrics["mrr"] == pytest.approx((0.5 + 1 + 1 / 3) / 3)
    # depth 10: flat once the ranked lists (3 deep) run out
    assert result.curve == pytest.approx((1 / 3, 2 / 3) + (1.0,) * 8)
    assert set(result.by_type) == {"number", "person", "unanswerable", "org"}
    assert result.by_type["person"]["f1"] == pytest.approx(2 / 3)
    assert result.by_type["unanswerable"]["abstain_recall"] == 1.0


def test_run_eval_without_search_uses_passages_and_split():
    engine = FakeEngine(with_search=False)
    result = run_eval(engine, GOLD_ITEMS, k=2, split="test", warmup=False)
    assert [r["id"] for r in result.records] == ["g2", "g4"]
    assert len(engine.asked) == 2
    assert result.records[1]["ranked_doc_ids"] == ["d1"]
    assert result.metrics["mrr"] == 0.5


def test_run_eval_defaults_to_the_engines_own_k_and_mode():
    engine = FakeEngine()
    engine.k, engine.mode = 3, "dense"
    result = run_eval(engine, GOLD_ITEMS, warmup=False)
    assert {(k, mode) for _, k, mode in engine.asked} == {(3, "dense")}
    assert engine.searched[0] == ("energy density of Jinshi", 10, "dense")
    assert result.k == 3 and result.mode == "dense"
    result = run_eval(engine, GOLD_ITEMS, k=2, mode="bm25", warmup=False)  # given: they win
    assert engine.asked[-1][1:] == (2, "bm25") and result.k == 2
    result = run_eval(FakeEngine(with_search=False), GOLD_ITEMS, warmup=False)  # no k, mode
    assert (result.k, result.mode) == (5, "hybrid")


def test_a_question_not_looked_up_ranks_nothing():
    from dataclasses import replace

    engine = FakeEngine()
    g4 = GOLD_ITEMS[3]
    refused = replace(BY_QUESTION[g4.question], reason="the question has no words to search for")
    engine.ask = lambda question, k=None, mode=None: refused
    record = run_eval(engine, [g4], k=2, warmup=False).records[0]
    assert record["ranked_doc_ids"] == [] and record["rr"] == 0.0
    assert record["doc_recall@k"] == 0.0
    assert engine.searched == []  # as `evqa search` refuses it


def test_gold_can_be_a_file_and_nothing_else_than_gold_items(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": g.id, "question": g.question, "answers": list(g.answers)}) + "\n"
            for g in GOLD_ITEMS
        ),
        encoding="utf-8",
    )
    for gold in (path, str(path)):
        result = run_eval(FakeEngine(), gold, k=2, warmup=False)
        assert [r["id"] for r in result.records] == [g.id for g in GOLD_ITEMS]
    with pytest.raises(InputError, match="gold must be a gold file's path"):
        run_eval(FakeEngine(), [{"question": "x"}], warmup=False)


def test_run_eval_empty_split():
    only_dev = [g for g in GOLD_ITEMS if g.split == "dev"]
    with pytest.raises(InputError, match="no gold questions"):
        run_eval(FakeEngine(), only_dev, split="test")
    with pytest.raises(InputError, match="unknown split"):
        filter_split(GOLD_ITEMS, "val")


def test_write_predictions(tmp_path):
    path = write_predictions(scored_records(), tmp_path / "out" / "pred.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["g1", "g2", "g3", "g4"]


# every writer of eval output, here beside write_predictions
@pytest.mark.parametrize(
    "write",
    [
        lambda path: write_predictions(scored_records() * 50, path),
        lambda path: write_markdown_report(two_modes(), path),
        lambda path: write_plot(two_modes(), path),
    ],
)
def test_a_failed_write_leaves_the_old_file_whole(tmp_path, write):
    path = tmp_path / "keep.out"
    path.write_text("OLD\n")
    with pytest.raises(OSError), file_size_limit(1024):  # as under `ulimit -f 1`
        write(path)
    assert path.read_text() == "OLD\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.out"]  # no temporary left
    write(path)
    assert path.read_bytes() != b"OLD\n"


def test_run_eval_takes_a_generator_of_gold_items():
    from_list = run_eval(FakeEngine(), GOLD_ITEMS, k=2, mode="bm25", clock=lambda: 0.0)
    engine = FakeEngine()
    result = run_eval(engine, (g for g in GOLD_ITEMS), k=2, mode="bm25", clock=lambda: 0.0)
    assert len(engine.asked) == 1 + len(GOLD_ITEMS)
    assert result.metrics == from_list.metrics


@pytest.mark.parametrize(
    ("engine", "gold", "options", "message"),
    [
        (FakeEngine(), None, {}, r"^gold must be a gold file's path .*, not None \(NoneType\)$"),
        (FakeEngine(), 42, {}, r"^gold must be .*, not 42 \(int\)$"),
        (FakeEngine(), ["q1"], {}, r"^gold must be .*, not \['q1'\] \(list\)$"),
        (None, GOLD_ITEMS, {}, r"^engine must have ask\(question, k=, mode=\)"),
        (FakeEngine(), GOLD_ITEMS, {"depth": "x"}, r"^depth must be a whole number \(got 'x'\)"),
        (FakeEngine(), GOLD_ITEMS, {"depth": 0}, r"^depth must be at least 1 \(got 0\)"),
        (FakeEngine(), GOLD_ITEMS, {"depth": 5000}, r"^depth must be at most 1000 \(got 5000\)"),
    ],
)
def test_run_eval_refuses_bad_arguments_before_asking_anything(engine, gold, options, message):
    with pytest.raises(InputError, match=message):
        run_eval(engine, gold, k=2, mode="bm25", **options)
    assert engine is None or engine.asked == []  # no warm-up, no question


@pytest.mark.parametrize(
    "write",
    [
        lambda path: write_predictions(scored_records(), path),
        lambda path: write_markdown_report(two_modes(), path),
        lambda path: write_plot(two_modes(), path),
    ],
)
def test_a_writer_refuses_a_path_ending_in_a_slash(tmp_path, write):
    path = f"{tmp_path}/newdir/"  # a folder meant; Path() would drop the slash
    with pytest.raises(InputError, match=r"newdir/ ends in a slash, so it names a folder"):
        write(path)
    assert list(tmp_path.iterdir()) == []
