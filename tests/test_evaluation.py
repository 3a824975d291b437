from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import file_size_limit

from evqa import evaluation as ev
from evqa.errors import InputError
from evqa.types import Answer, Article, Chunk, Citation, Hit

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"
SEEDS = ROOT / "seeds"

# --------------------------------------------------------------------------------------
# a small synthetic corpus and a fake engine with canned answers

ARTICLES = {
    "d1": Article(
        id="d1",
        text="Gotion says the Jinshi cell reaches 350 Wh/kg. The pack reaches 280 Wh/kg.",
        title="Jinshi",
    ),
    "d2": Article(id="d2", text="Nio signed with FAW Group in Jilin. William Li spoke."),
    "d3": Article(id="d3", text="It rained all day in the city."),
}


def hit(doc_id: str, rank: int, text: str | None = None) -> Hit:
    article = ARTICLES[doc_id]
    text = article.text if text is None else text
    start = article.text.index(text)
    chunk = Chunk(f"{doc_id}#0", doc_id, start, start + len(text), text)
    return Hit(rank=rank, score=1.0 / rank, chunk=chunk)


def cite(n: int, doc_id: str, quote: str, shift: int = 0) -> Citation:
    start = ARTICLES[doc_id].text.index(quote) + shift
    return Citation(n, doc_id, None, None, quote, start, start + len(quote))


GOLD_ITEMS = [
    ev.GoldItem("g1", "energy density of Jinshi", ("350 Wh/kg",), ("d1",), "number", "dev"),
    ev.GoldItem("g2", "who spoke at the signing", ("William Li",), ("d2",), "person", "test"),
    ev.GoldItem("g3", "capital of France", (), (), "unanswerable", "dev"),
    ev.GoldItem("g4", "who signed with Nio", ("FAW Group",), ("d2",), "org", "test"),
]

S1 = "Gotion says the Jinshi cell reaches 350 Wh/kg."
CANNED = {
    "g1": Answer(
        question="energy density of Jinshi",
        answer="350 Wh/kg",
        answer_sentence=S1,
        confidence=0.9,
        abstained=False,
        citations=(cite(1, "d1", S1),),
        passages=(hit("d3", 1), hit("d1", 2)),
    ),
    "g2": Answer(
        question="who spoke at the signing",
        answer="Li",
        answer_sentence="William Li spoke.",
        confidence=0.6,
        abstained=False,
        # one citation with wrong offsets (invalid, gold doc), one valid on a non-gold doc
        citations=(cite(1, "d2", "William Li spoke.", shift=1), cite(2, "d3", "It rained")),
        passages=(hit("d2", 1),),
    ),
    "g3": Answer("capital of France", None, None, 0.1, True, passages=(hit("d3", 1),)),
    "g4": Answer("who signed with Nio", None, None, 0.2, True, passages=(hit("d1", 1),)),
}
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


def scored_records(k: int = 2) -> list[dict]:
    latencies = {"g1": 10.0, "g2": 20.0, "g3": 30.0, "g4": 40.0}
    return [ev.score_question(g, CANNED[g.id], latencies[g.id], ARTICLES, k=k) for g in GOLD_ITEMS]


# --------------------------------------------------------------------------------------
# normalisation


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Gotion HIGH-TECH", "gotion high-tech"),  # casefold
        ("STRASSE", "straße"),  # casefold, not lower
        ("ｆｕｌｌ ｗｉｄｔｈ", "full width"),  # NFKC
        ("20 ℃", "20°C"),  # NFKC + number-unit join
        ("−20 °C", "-20°C"),  # minus sign
        ("–20°C", "-20°C"),  # en dash
        ("205–273 million", "205-273 million"),
        ("24,877", "24877"),  # thousands separator
        ("1,000,000 km", "1000000km"),
        ("350 Wh/kg", "350Wh/kg"),  # number-unit space
        ("0.2 GWh", "0.2GWh"),
        ("90 %", "90%"),
        ("10,000 km", "10000km"),
        ("$ 700 million", "$700 million"),
        ("2030.", "2030"),  # punctuation at ends
        ("(Gasgoo)", "Gasgoo"),
        ("(Gasgoo)-", "Gasgoo"),  # a trailing hyphen is punctuation
        ("“Jinshi Battery”", "Jinshi Battery"),
        ("Gotion’s", "Gotion's"),
        ("a   b\n\tc", "a b c"),  # whitespace (and the article a)
        ("the FAW Group", "FAW Group"),  # articles
        ("an EV", "EV"),
    ],
)
def test_normalize_equal(a, b):
    assert ev.normalize(a) == ev.normalize(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The 350 Wh/kg cell.", "350wh/kg cell"),
        ("in 2020, 300 cars", "in 2020 300 cars"),  # a comma that is not a separator
        ("3 kingdoms", "3 kingdoms"),  # not a unit: no join
        ("2 whales", "2 whales"),
        ("sodium-ion", "sodium-ion"),  # inner hyphen kept
        ("-20°C to 85°C", "-20°c to 85°c"),  # leading minus kept
        ("Co.,Ltd.", "co.,ltd"),
        ("A — B", "b"),  # dash-only token and article dropped
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_values(text, expected):
    assert ev.normalize(text) == expected


# --------------------------------------------------------------------------------------
# answer metrics


def test_exact_match():
    assert ev.exact_match("350wh/kg", ["280 Wh/kg", "350 Wh/kg"]) == 1.0
    assert ev.exact_match("The FAW Group.", ["FAW Group"]) == 1.0
    assert ev.exact_match("350 Wh/kg cells", ["350 Wh/kg"]) == 0.0
    assert ev.exact_match(None, ["x"]) == 0.0
    assert ev.exact_match("x", []) == 0.0


def test_token_f1():
    assert ev.token_f1("Li", ["William Li"]) == pytest.approx(2 / 3)
    # best over answers: "over 3,000" vs "3,000 charge cycles" -> 1.0 on the first
    assert ev.token_f1("over 3000", ["3,000 charge cycles", "over 3,000"]) == 1.0
    # p = 2/3, r = 2/4 -> 4/7
    assert ev.token_f1("Gotion battery maker", ["Gotion High-Tech battery giant"]) == (
        pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))
    )
    assert ev.token_f1("Li Li", ["Li"]) == pytest.approx(2 / 3)  # counts, not sets
    assert ev.token_f1("nothing", ["William Li"]) == 0.0
    assert ev.token_f1(None, ["William Li"]) == 0.0
    assert ev.token_f1("Li", []) == 0.0


def test_answer_in():
    assert ev.answer_in("a consistently high 90% yield rate", ["90%"])
    assert not ev.answer_in("a 190% rise", ["90%"])  # token aligned
    assert ev.answer_in("perform stably from -20°C to 85°C.", ["−20 °C"])
    assert ev.answer_in("it sold only 24,877 new cars", ["24877"])
    assert not ev.answer_in("nothing here", ["William Li"])
    assert not ev.answer_in(None, ["x"])
    assert not ev.answer_in("the text", ["the"])  # an answer that normalises to nothing


# --------------------------------------------------------------------------------------
# retrieval metrics


def test_doc_recall_at_k():
    ranked = ["d3", "d1", "d1", "d2"]
    assert ev.doc_recall_at_k(ranked, ["d1"], 1) == 0.0
    assert ev.doc_recall_at_k(ranked, ["d1"], 2) == 1.0
    assert ev.doc_recall_at_k(ranked, ["d1", "d2"], 3) == 0.5
    assert ev.doc_recall_at_k(ranked, ["d1", "d2"], 4) == 1.0
    assert ev.doc_recall_at_k(ranked, [], 4) == 0.0


def test_passage_hit_at_k():
    texts = ["nothing", "the pack reaches 280 Wh/kg", "350 Wh/kg"]
    assert ev.passage_hit_at_k(texts, ["280Wh/kg"], 1) == 0.0
    assert ev.passage_hit_at_k(texts, ["280Wh/kg"], 2) == 1.0
    assert ev.passage_hit_at_k(texts, ["350 Wh/kg"], 2) == 0.0


def test_reciprocal_rank():
    assert ev.reciprocal_rank(["d3", "d3", "d1"], ["d1", "d2"]) == pytest.approx(1 / 3)
    assert ev.reciprocal_rank(["d2"], ["d1", "d2"]) == 1.0
    assert ev.reciprocal_rank(["d3"], ["d1"]) == 0.0


# --------------------------------------------------------------------------------------
# abstention, citations, latency


def test_abstention_metrics():
    m = ev.abstention_metrics([True, True, False, False, True], [False, True, True, False, False])
    assert m["abstain_precision"] == pytest.approx(2 / 3)
    assert m["abstain_recall"] == pytest.approx(2 / 3)
    assert m["false_abstention"] == pytest.approx(1 / 2)


def test_abstention_metrics_undefined():
    m = ev.abstention_metrics([False, False], [True, True])
    assert m == {"abstain_precision": None, "abstain_recall": None, "false_abstention": 0.0}


def test_citation_validity_and_gold_share():
    good = cite(1, "d1", S1)
    shifted = cite(2, "d2", "William Li spoke.", shift=1)
    unknown = Citation(3, "nope", None, None, "x", 0, 1)
    out_of_range = Citation(4, "d3", None, None, "x", 5, 500)
    cits = [good, shifted, unknown, out_of_range]
    assert ev.citation_is_valid(good, ARTICLES)
    assert not any(ev.citation_is_valid(c, ARTICLES) for c in cits[1:])
    assert ev.citation_validity(cits, ARTICLES) == 0.25
    assert ev.citation_validity([], ARTICLES) is None
    assert ev.citation_gold_share(cits, ["d1", "d2"]) == 0.5
    assert ev.citation_gold_share([], ["d1"]) is None


def test_latency_percentiles():
    assert ev.latency_percentiles([40.0, 10.0, 30.0, 20.0]) == (25.0, pytest.approx(38.5))
    assert ev.latency_percentiles([]) == (None, None)


# --------------------------------------------------------------------------------------
# scoring and aggregation


def test_score_question_record():
    r1, r2, r3, r4 = scored_records(k=2)
    assert r1["doc_recall@k"] == 1.0 and r1["rr"] == 0.5 and r1["passage_hit@k"] == 1.0
    assert (r1["hit@1"], r1["em"], r1["f1"]) == (1.0, 1.0, 1.0)
    assert r1["passages"][1] == {
        "rank": 2,
        "doc_id": "d1",
        "chunk_id": "d1#0",
        "title": None,
        "title_derived": False,
        "date": None,
        "text": ARTICLES["d1"].text,
        "score": 0.5,
        "start": 0,
        "end": len(ARTICLES["d1"].text),
    }
    assert (r2["hit@1"], r2["em"]) == (1.0, 0.0) and r2["f1"] == pytest.approx(2 / 3)
    assert (r2["n_citations"], r2["citations_valid"], r2["citations_gold"]) == (2, 1, 1)
    assert r3["answerable"] is False and r3["em"] is None and r3["doc_recall@k"] is None
    # an abstained answerable question scores 0
    assert (r4["hit@1"], r4["em"], r4["f1"], r4["doc_recall@k"], r4["rr"]) == (0, 0, 0, 0, 0)
    json.dumps([r1, r2, r3, r4])  # JSON-ready


def test_score_question_record_is_the_ask_json_plus_eval_fields():
    for g in GOLD_ITEMS:
        answer = CANNED[g.id]
        record = ev.score_question(g, answer, 1.0, ARTICLES, k=2)
        asked = answer.to_dict()
        assert list(record)[: len(asked) + 1] == ["id", *asked]
        assert {key: record[key] for key in asked} == asked
        assert {"gold_answers", "latency_ms", "hit@1", "squad_em"} <= set(record)


def test_score_question_squad_scores_and_rightness():
    r1, r2, r3, r4 = scored_records(k=2)
    assert (r1["squad_em"], r1["squad_f1"], r1["span_correct"]) == (1.0, 1.0, True)
    # "Li" against "William Li": F1 2/3, and the span does not hold the gold answer
    assert r2["squad_em"] == 0.0 and r2["squad_f1"] == pytest.approx(2 / 3)
    assert r2["span_correct"] is False and r2["hit@1"] == 1.0  # the sentence holds it
    # unanswerable and abstained: SQuAD v2.0 scores the abstention 1; it is no right answer
    assert (r3["squad_em"], r3["squad_f1"], r3["span_correct"]) == (1.0, 1.0, False)
    # answerable and abstained: 0
    assert (r4["squad_em"], r4["squad_f1"], r4["span_correct"]) == (0.0, 0.0, False)


def test_unanswerable_question_answered_scores_0_and_is_wrong():
    answered = replace(CANNED["g3"], answer="Paris", answer_sentence="Paris.", abstained=False)
    r = ev.score_question(GOLD_ITEMS[2], answered, 1.0, ARTICLES, k=2)
    assert (r["squad_em"], r["squad_f1"], r["span_correct"]) == (0.0, 0.0, False)


def test_squad_scores_use_the_official_normalisation():
    item = ev.GoldItem("q", "density", ("350Wh/kg",), ("d1",), "number", "test")
    r = ev.score_question(item, CANNED["g1"], 1.0, ARTICLES, k=2)  # answer "350 Wh/kg"
    assert r["em"] == 1.0  # evqa's normalisation joins a number and its unit
    assert r["squad_em"] == 0.0 and r["squad_f1"] == 0.0  # SQuAD's does not: "350 whkg"


def test_score_question_k_cuts_passages():
    r1 = ev.score_question(GOLD_ITEMS[0], CANNED["g1"], 1.0, ARTICLES, k=1)
    assert r1["doc_recall@k"] == 0.0 and r1["passage_hit@k"] == 0.0 and r1["rr"] == 0.5


def test_aggregate_hand_computed():
    m = ev.aggregate(scored_records(k=2), k=2)
    assert (m["n"], m["n_answerable"], m["n_unanswerable"], m["k"]) == (4, 3, 1, 2)
    assert m["doc_recall@k"] == pytest.approx(2 / 3)
    assert m["passage_hit@k"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx(0.5)
    assert m["hit@1"] == pytest.approx(2 / 3)
    assert m["em"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(5 / 9)
    assert m["abstain_precision"] == 0.5
    assert m["abstain_recall"] == 1.0
    assert m["false_abstention"] == pytest.approx(1 / 3)
    assert m["citation_valid"] == pytest.approx(2 / 3)
    assert m["citation_gold"] == pytest.approx(2 / 3)
    assert m["latency_p50_ms"] == 25.0 and m["latency_p95_ms"] == pytest.approx(38.5)
    assert set(ev.METRIC_KEYS) <= set(m)


def test_aggregate_squad_and_ece_hand_computed():
    m = ev.aggregate(scored_records(k=2), k=2)
    # answerable g1, g2, g4 (abstained): EM 1, 0, 0; F1 1, 2/3, 0
    assert m["squad_em"] == pytest.approx(1 / 3)
    assert m["squad_f1"] == pytest.approx(5 / 9)
    # all four, the abstained unanswerable g3 scoring 1
    assert m["squad_em_v2"] == pytest.approx(2 / 4)
    assert m["squad_f1_v2"] == pytest.approx((1 + 2 / 3 + 1 + 0) / 4)
    # answered: g1 (0.9, right) in bin 9, g2 (0.6, wrong) in bin 6: (0.1 + 0.6) / 2
    assert m["ece"] == pytest.approx(0.35)
    # with the abstentions g3 (0.1) and g4 (0.2), not right: (0.1 + 0.6 + 0.1 + 0.2) / 4
    assert m["ece_all"] == pytest.approx(0.25)
    assert ev.calibration_data(scored_records(k=2)) == ([0.9, 0.6], [True, False])


def test_aggregate_ece_is_none_without_answers():
    records = [r for r in scored_records(k=2) if r["abstained"]]
    m = ev.aggregate(records, k=2)
    assert m["ece"] is None and m["ece_all"] == pytest.approx((0.1 + 0.2) / 2)


def test_run_eval_with_fake_engine():
    engine = FakeEngine()
    ticks = iter(range(100))
    done: list[int] = []
    result = ev.run_eval(
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
    result = ev.run_eval(engine, GOLD_ITEMS, k=2, split="test", warmup=False)
    assert [r["id"] for r in result.records] == ["g2", "g4"]
    assert len(engine.asked) == 2
    assert result.records[1]["ranked_doc_ids"] == ["d1"]
    assert result.metrics["mrr"] == 0.5


def test_run_eval_empty_split():
    only_dev = [g for g in GOLD_ITEMS if g.split == "dev"]
    with pytest.raises(InputError, match="no gold questions"):
        ev.run_eval(FakeEngine(), only_dev, split="test")
    with pytest.raises(InputError, match="unknown split"):
        ev.filter_split(GOLD_ITEMS, "train")


def test_write_predictions(tmp_path):
    path = ev.write_predictions(scored_records(), tmp_path / "out" / "pred.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["g1", "g2", "g3", "g4"]


@pytest.mark.parametrize(
    "write",
    [
        lambda path: ev.write_predictions(scored_records() * 50, path),
        lambda path: ev.write_markdown_report(two_modes(), path),
        lambda path: ev.write_plot(two_modes(), path),
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


# --------------------------------------------------------------------------------------
# load_gold


def write_lines(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gold_line(**over) -> str:
    obj = {
        "id": "q1",
        "question": "Q?",
        "answers": ["A"],
        "doc_ids": ["d1"],
        "type": "phrase",
        "split": "dev",
    }
    obj.update(over)
    return json.dumps(obj)


def test_load_gold_ok(tmp_path):
    path = write_lines(
        tmp_path,
        [
            gold_line(),
            "",
            gold_line(id="q2", answers=[], doc_ids=[], type="unanswerable", split="test"),
        ],
    )
    items = ev.load_gold(path)
    assert items[0] == ev.GoldItem("q1", "Q?", ("A",), ("d1",), "phrase", "dev")
    assert items[0].answerable and not items[1].answerable


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r":3: not valid JSON"),
        ("[1, 2]", r":3: expected a JSON object"),
        (json.dumps({"id": "q9", "question": "Q"}), r":3: missing field\(s\) answers;"),
        (json.dumps({"id": "q9", "answers": []}), r":3: missing field\(s\) question;"),
        (gold_line(id="q9", answers="A"), r":3: 'answers' must be a list"),
        (gold_line(id="q9", question=""), r":3: 'question' must be a non-empty string"),
        (gold_line(id="q9", type="colour"), r":3: unknown type 'colour'"),
        (gold_line(id="q9", split="train"), r":3: unknown split 'train'"),
        (gold_line(id="q9", answers=[]), r":3: type 'unanswerable' goes with"),
        (gold_line(id="q9", type="unanswerable"), r":3: type 'unanswerable' goes with"),
        (gold_line(), r":3: duplicate id 'q1' \(first on line 1\)"),
        # questions are checked as `evqa ask` checks them, at load time, with the line
        (gold_line(id="q9", question="x" * 3200), r":3: the question is 3,200 characters"),
        (gold_line(id="q9", question="\u200b\u200c\u2060"), r":3: 'question' holds only"),
        # an answer that normalises to nothing can never be matched
        (gold_line(id="q9", answers=["A", " .,!? "]), r":3: answer ' .,!\? ' has no letter"),
        (gold_line(id="q9", answers=["\u2014"]), r":3: answer '\u2014' has no letter"),
    ],
)
def test_load_gold_errors_name_the_line(tmp_path, line, message):
    path = write_lines(tmp_path, [gold_line(), "", line])
    with pytest.raises(InputError, match=message):
        ev.load_gold(path)


def test_load_gold_reads_a_byte_order_mark(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(gold_line() + "\n", encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert [g.id for g in ev.load_gold(path)] == ["q1"]


def test_load_gold_keeps_a_question_ask_accepts(tmp_path):
    question = "x" * 1990 + "\u200b" * 50  # 2,040 characters, 1,990 once cleaned
    path = write_lines(tmp_path, [gold_line(question=question)])
    assert ev.load_gold(path)[0].question == question


def test_unknown_doc_ids_warning_names_a_few_and_counts_them():
    assert ev.unknown_doc_ids_warning(GOLD_ITEMS, ARTICLES) is None
    gold = [
        replace(GOLD_ITEMS[0], doc_ids=("d1", "x1", "x2")),
        *(replace(GOLD_ITEMS[1], id=f"g{i}", doc_ids=(f"y{i}", "x1")) for i in range(6)),
    ]
    warning = ev.unknown_doc_ids_warning(gold, ARTICLES)
    assert warning.startswith("8 gold doc id(s) are not in the index: 'x1', 'x2', 'y0',")
    assert "and 3 more" in warning and "doc_recall@k" in warning and "'d1'" not in warning


def test_load_gold_minimal_lines_get_the_documented_defaults(tmp_path):
    path = write_lines(
        tmp_path,
        [
            json.dumps({"id": "m1", "question": "Q1?", "answers": ["A"]}),
            json.dumps({"id": "m2", "question": "Q2?", "answers": []}),
            json.dumps({"id": "m3", "question": "Q3?", "answers": ["B"], "type": "number"}),
        ],
    )
    items = ev.load_gold(path)
    assert items[0] == ev.GoldItem("m1", "Q1?", ("A",), (), "phrase", "test")
    assert items[1] == ev.GoldItem("m2", "Q2?", (), (), "unanswerable", "test")
    assert (items[2].type, items[2].split) == ("number", "test")


def test_questions_without_doc_ids_leave_doc_metrics_undefined():
    with_docs = ev.score_question(GOLD_ITEMS[0], CANNED["g1"], 10.0, ARTICLES, k=2)
    bare = replace(GOLD_ITEMS[0], doc_ids=())
    without = ev.score_question(bare, CANNED["g1"], 10.0, ARTICLES, k=2)
    assert without["doc_recall@k"] is None and without["rr"] is None
    assert without["hit@1"] == with_docs["hit@1"] == 1.0
    metrics = ev.aggregate([without], k=2)
    assert metrics["doc_recall@k"] is None and metrics["mrr"] is None
    assert metrics["citation_gold"] is None and metrics["hit@1"] == 1.0
    mixed = ev.aggregate([without, with_docs], k=2)  # the bare one does not count as a miss
    assert mixed["doc_recall@k"] == with_docs["doc_recall@k"]
    assert ev.recall_curve([without], depth=2) == []


def test_load_gold_missing_and_empty(tmp_path):
    with pytest.raises(InputError, match="not found"):
        ev.load_gold(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="no questions"):
        ev.load_gold(write_lines(tmp_path, ["", "  "]))


# --------------------------------------------------------------------------------------
# calibration


def test_calibrate_threshold_synthetic():
    P = ev.CalibPoint
    points = [
        P(0.9, True, True),
        P(0.8, True, True),
        P(0.7, False, False),
        P(0.5, True, False),
        P(0.3, False, False),
        P(0.2, True, True),
    ]
    cal = ev.calibrate_threshold(points)
    assert cal.threshold == pytest.approx(0.75)
    assert cal.objective == pytest.approx(4 / 6)
    assert cal.n == 6
    ts = [t for t, _ in cal.curve]
    assert ts[0] == 0.0 and ts[1:6] == pytest.approx([0.25, 0.4, 0.6, 0.75, 0.85])
    assert ts[-1] > 0.9
    assert [o * 6 for _, o in cal.curve] == pytest.approx([3, 2, 3, 3, 4, 3, 2])


def test_calibrate_threshold_ties_prefer_answering_and_abstain_all():
    P = ev.CalibPoint
    tie = ev.calibrate_threshold([P(0.5, True, True), P(0.5, False, False)])
    assert tie.threshold == 0.0 and tie.objective == 0.5
    none_right = ev.calibrate_threshold([P(0.4, False, False), P(0.6, False, False)])
    assert none_right.threshold > 0.6 and none_right.objective == 1.0
    with pytest.raises(InputError):
        ev.calibrate_threshold([])


def test_calibration_points_and_decision_accuracy():
    points = ev.calibration_points(scored_records())
    assert points[0] == ev.CalibPoint(0.9, True, True)
    assert points[2] == ev.CalibPoint(0.1, False, False)
    # answer iff conf >= 0.5: g1 right, g2 right (hit@1), g3 abstained right, g4 abstained wrong
    assert ev.decision_accuracy(points, 0.5) == 0.75
    em_points = ev.calibration_points(scored_records(), correct_key="em")
    assert ev.decision_accuracy(em_points, 0.5) == 0.5


# --------------------------------------------------------------------------------------
# reports


def two_modes() -> dict[str, ev.EvalResult]:
    records = scored_records(k=2)
    return {
        "hybrid": ev.make_result(records, k=2, mode="hybrid", depth=3),
        "bm25": ev.make_result(records[:2], k=2, mode="bm25", depth=3),
    }


def test_format_table():
    table = ev.format_table(two_modes())
    assert table.columns == ("metric", "hybrid", "bm25")
    assert len(table.rows) == len(ev.METRIC_KEYS)
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["n"] == ("4", "2")
    assert rows["doc_recall@2"] == ("0.667", "1.000")
    assert rows["abstain_recall"] == ("1.000", "n/a")  # no unanswerable in the bm25 run
    assert rows["latency_p50_ms"] == ("25.0", "15.0")


def test_format_type_table():
    table = ev.format_type_table(two_modes()["hybrid"])
    assert table.columns[0] == "type" and "hit@1" in table.columns
    assert [row[0] for row in table.rows] == ["number", "person", "org", "unanswerable"]


def test_split_table_shows_only_the_splits_present():
    records = scored_records(k=2)
    both = ev.make_result(records, k=2, mode="hybrid")
    assert [row[0] for row in ev.format_split_table(both).rows] == ["dev", "test"]
    assert both.by_split["dev"]["n"] == 2
    dev_only = ev.make_result([r for r in records if r["split"] == "dev"], k=2, mode="hybrid")
    assert list(dev_only.by_split) == ["dev"]
    assert list(dev_only.by_type) == ["number", "unanswerable"]


def test_write_markdown_report(tmp_path):
    path = ev.write_markdown_report(two_modes(), tmp_path / "r" / "report.md")
    text = path.read_text(encoding="utf-8")
    assert "| metric | hybrid | bm25 |" in text
    assert "| doc_recall@2 | 0.667 | 1.000 |" in text
    assert "## hybrid by question type" in text and "## bm25 by question type" in text
    assert "| unanswerable |" in text
    assert "## hybrid by split" in text and "| dev |" in text


def test_markdown_report_has_squad_metrics_ece_and_reliability_bins(tmp_path):
    text = ev.markdown_report(two_modes())
    assert "| squad_em | 0.333 | 0.500 |" in text
    assert "| squad_em_v2 | 0.500 | 0.500 |" in text
    assert "| ece | 0.350 | 0.350 |" in text
    assert "## hybrid reliability (answered questions)" in text
    assert "| 0.6-0.7 | 1 | 0.600 | 0.000 |" in text
    assert "| 0.9-1.0 | 1 | 0.900 | 1.000 |" in text
    assert "| 0.0-0.1 | 0 | n/a | n/a |" in text
    assert "SQuAD v2.0" in text  # the convention is written down
    header = next(line for line in text.splitlines() if line.startswith("| type |"))
    assert "| hit@1 | squad_em | squad_f1 |" in header and "| ece |" in header


def test_write_plot_png(tmp_path):
    path = ev.write_plot(two_modes(), tmp_path / "p" / "recall.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 450)  # two panels: recall@k and the reliability diagram


def test_write_plot_draws_the_reliability_diagram(tmp_path, monkeypatch):
    drawn = []
    real = ev._reliability_panel
    monkeypatch.setattr(ev, "_reliability_panel", lambda ax, res: drawn.append(ax) or real(ax, res))
    ev.write_plot(two_modes(), tmp_path / "r.png")
    (ax,) = drawn
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["perfect", "hybrid (ECE 0.350, n=2)", "bm25 (ECE 0.350, n=2)"]
    hybrid = ax.get_lines()[1]
    assert list(hybrid.get_xdata()) == pytest.approx([0.6, 0.9])  # bins 6 and 9
    assert list(hybrid.get_ydata()) == [0.0, 1.0]


def test_write_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    import sys

    from evqa.errors import EvqaError

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(EvqaError, match="needs matplotlib.*pip install") as info:
        ev.write_plot(two_modes(), tmp_path / "r.png")
    assert info.value.exit_code != 0
    assert not (tmp_path / "r.png").exists()


def test_recall_curve():
    records = [
        {"answerable": True, "ranked_doc_ids": ["a", "b", "c"], "gold_doc_ids": ["b", "c"]},
        {"answerable": True, "ranked_doc_ids": ["x"], "gold_doc_ids": ["x"]},
        {"answerable": False, "ranked_doc_ids": ["a"], "gold_doc_ids": []},
    ]
    assert ev.recall_curve(records, depth=3) == pytest.approx([0.5, 0.75, 1.0])
    assert ev.recall_curve(records[2:], depth=3) == []


# --------------------------------------------------------------------------------------
# the gold file


def test_gold_file_shape():
    items = ev.load_gold(GOLD)
    assert len(items) >= 90
    by_type = Counter(g.type for g in items)
    assert set(by_type) == set(ev.TYPES)
    assert by_type["unanswerable"] >= 18
    for t in ev.TYPES:  # stratified split: dev and test within one of each other per type
        n = Counter(g.split for g in items if g.type == t)
        assert abs(n["dev"] - n["test"]) <= 1, t
    assert sum(len(g.doc_ids) > 1 for g in items) >= 5  # questions spanning two articles
    assert len({g.question for g in items}) == len(items)


# lines of the raw seeds that cleaning removes (teasers, credits, site chrome)
BOILERPLATE = re.compile(
    r"^\s*(?:date \d|See Also:|Read Next:|LATEST \||Image |Engineered by|The GPT-4-based"
    r"|Market News|Comments|Loading|Posted In:|Benzinga|Trade confidently|Join Now"
    r"|Please click|Open at APP|Monika From|Gasgoo not only|All Rights Reserved"
    r"|Beijing EU7; photo)"
)


@pytest.mark.integration
def test_gold_answers_occur_verbatim_in_seed_content():
    seeds = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    content = {
        doc: "\n".join(line for line in text.splitlines() if not BOILERPLATE.match(line))
        for doc, text in seeds.items()
    }
    problems = []
    for g in ev.load_gold(GOLD):
        problems += [f"{g.id}: unknown doc {d}" for d in g.doc_ids if d not in seeds]
        for a in g.answers:
            if not any(a in content.get(d, "") for d in g.doc_ids):
                problems.append(f"{g.id}: {a!r} not in the content of {g.doc_ids}")
        for d in g.doc_ids:  # every gold doc holds at least one of the answers
            if not any(a in content.get(d, "") for a in g.answers):
                problems.append(f"{g.id}: no answer in {d}")
    assert problems == []


@pytest.mark.integration
def test_gold_answers_occur_in_cleaned_articles():
    corpus = pytest.importorskip("evqa.corpus")
    articles = {a.id: a for a in corpus.read_corpus(SEEDS).articles}
    problems = []
    for g in ev.load_gold(GOLD):
        for a in g.answers:
            if not any(a in articles[d].text for d in g.doc_ids if d in articles):
                problems.append(f"{g.id}: {a!r} not in the cleaned text of {g.doc_ids}")
    assert problems == []
