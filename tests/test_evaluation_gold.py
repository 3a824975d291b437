"""evqa.evaluation.gold: reading and checking gold files, and the shipped gold set."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from evaluation_fakes import ARTICLES, GOLD_ITEMS

from evqa.errors import InputError
from evqa.evaluation.gold import (
    TYPES,
    GoldItem,
    answer_problem,
    load_gold,
    load_split,
    unknown_doc_ids_warning,
)

ROOT = Path(__file__).resolve().parent.parent


GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"


SEEDS = ROOT / "seeds"


def write_lines(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gold_line(**over) -> str:
    obj = {
        "id": "q1",
        "question": "Q?",
        "answers": ["Alpha"],
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
    items = load_gold(path)
    assert items[0] == GoldItem("q1", "Q?", ("Alpha",), ("d1",), "phrase", "dev")
    assert items[0].answerable and not items[1].answerable


def test_load_gold_takes_every_answer_kind(tmp_path):
    # the kinds the reader's features know (evqa.answer.qtype) are all valid gold types
    kinds = ["number", "date", "person", "org", "place", "phrase"]
    path = write_lines(tmp_path, [gold_line(id=f"q{i}", type=k) for i, k in enumerate(kinds)])
    assert [g.type for g in load_gold(path)] == kinds


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
        (gold_line(id="q9", split="val"), r":3: unknown split 'val'"),
        (gold_line(id="q9", answers=[]), r":3: type 'unanswerable' goes with"),
        (gold_line(id="q9", type="unanswerable"), r":3: type 'unanswerable' goes with"),
        (gold_line(), r":3: duplicate id 'q1' \(first on line 1\)"),
        # questions are checked as `evqa ask` checks them, at load time, with the line
        (gold_line(id="q9", question="x" * 3200), r":3: the question is 3,200 characters"),
        (gold_line(id="q9", question="\u200b\u200c\u2060"), r":3: 'question' holds only"),
        # an answer that normalises to nothing can never be matched
        (gold_line(id="q9", answers=["Alpha", " .,!? "]), r":3: answer ' .,!\? ' has no letter"),
        (gold_line(id="q9", answers=["\u2014"]), r":3: answer '\u2014' has no letter"),
        # so does one of only articles (SQuAD's normalisation drops a, an, the)
        (gold_line(id="q9", answers=["Alpha", "the"]), r":3: answer 'the' normalises to nothing"),
        (gold_line(id="q9", answers=["An."]), r":3: answer 'An.' normalises to nothing"),
    ],
)
def test_load_gold_errors_name_the_line(tmp_path, line, message):
    path = write_lines(tmp_path, [gold_line(), "", line])
    with pytest.raises(InputError, match=message):
        load_gold(path)


def test_load_gold_names_the_problems_of_every_line_in_one_error(tmp_path):
    path = write_lines(
        tmp_path,
        [
            "{not json",
            gold_line(),
            gold_line(id="q2", type="colour"),
            gold_line(),  # duplicate of line 2
            gold_line(id="q4", question=""),
        ],
    )
    with pytest.raises(InputError) as e:
        load_gold(path)
    lines = str(e.value).splitlines()
    assert lines[0] == f"gold file {path} has 4 problems; fix them:"
    assert [line.split(": ", 1)[0].strip() for line in lines[1:]] == [
        f"{path}:{n}" for n in (1, 3, 4, 5)
    ]
    assert "not valid JSON" in lines[1] and "unknown type 'colour'" in lines[2]
    assert "duplicate id 'q1' (first on line 2)" in lines[3]
    assert "'question' must be a non-empty string" in lines[4]


def test_load_gold_lists_at_most_20_problems_and_counts_the_rest(tmp_path):
    path = write_lines(tmp_path, ["{not json"] * 25)
    with pytest.raises(InputError) as e:
        load_gold(path)
    lines = str(e.value).splitlines()
    assert lines[0].endswith("has 25 problems; fix them:")
    assert len(lines) == 1 + 20 + 1 and lines[20].startswith(f"  {path}:20: not valid JSON")
    assert lines[-1] == "  and 5 more"


def test_load_gold_splits_lines_on_newline_only(tmp_path):
    # U+2028, U+2029 and U+0085 are valid unescaped in a JSON string; str.splitlines()
    # would split there and refuse the line (and number the lines after it wrongly)
    odd = "Q\u2028a\u2029b\u0085c?"
    lines = [
        json.dumps({"id": "q1", "question": odd, "answers": ["A\u2028B"]}, ensure_ascii=False),
        '{"id": "q2"\x1c}',  # not valid JSON: one problem, on line 2 (splitlines(): two)
        json.dumps({"id": "q3", "question": "Q?", "answers": ["B"]}),
    ]
    path = tmp_path / "gold.jsonl"
    path.write_bytes("\r\n".join(lines).encode())  # CRLF line ends are fine
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}:2: not valid JSON[^\n]*$"):
        load_gold(path)
    path.write_bytes("\r\n".join([lines[0], "", lines[2], ""]).encode())
    items = load_gold(path)
    assert [(g.id, g.question, g.answers) for g in items] == [
        ("q1", odd, ("A\u2028B",)),
        ("q3", "Q?", ("B",)),
    ]
    bad = json.dumps({"id": "q4", "question": "Q?", "answers": ["B"], "type": "x"})
    path.write_text("\n".join([lines[0], lines[0].replace("q1", "q2"), bad]) + "\n")
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}:3: unknown type 'x'"):
        load_gold(path)


def test_answer_problem_says_why_no_answer_can_match():
    assert answer_problem("42 km/h") is None and answer_problem("Vitamin A") is None
    assert "no letter or digit" in answer_problem(".")
    assert "normalises to nothing" in answer_problem("the")
    assert "normalises to nothing" in answer_problem("a, an")
    # a lone "A" too: SQuAD's normalisation drops it as the article, so an empty
    # prediction would "match" it
    assert "normalises to nothing" in answer_problem("A")


def test_load_gold_refuses_a_path_that_is_not_one():
    with pytest.raises(InputError, match="^path must be the path of a gold JSONL file"):
        load_gold(None)


def test_load_gold_reads_a_byte_order_mark(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(gold_line() + "\n", encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert [g.id for g in load_gold(path)] == ["q1"]


def test_load_gold_keeps_a_question_ask_accepts(tmp_path):
    question = "x" * 1990 + "\u200b" * 50  # 2,040 characters, 1,990 once cleaned
    path = write_lines(tmp_path, [gold_line(question=question)])
    assert load_gold(path)[0].question == question


def test_unknown_doc_ids_warning_names_a_few_and_counts_them():
    assert unknown_doc_ids_warning(GOLD_ITEMS, ARTICLES) is None
    gold = [
        replace(GOLD_ITEMS[0], doc_ids=("d1", "x1", "x2")),
        *(replace(GOLD_ITEMS[1], id=f"g{i}", doc_ids=(f"y{i}", "x1")) for i in range(6)),
    ]
    warning = unknown_doc_ids_warning(gold, ARTICLES)
    assert warning.startswith("8 gold doc id(s) are not in the index: 'x1', 'x2', 'y0',")
    assert "and 3 more" in warning and "doc_recall@k" in warning and "'d1'" not in warning


def test_load_gold_minimal_lines_get_the_documented_defaults(tmp_path):
    path = write_lines(
        tmp_path,
        [
            json.dumps({"id": "m1", "question": "Q1?", "answers": ["Alpha"]}),
            json.dumps({"id": "m2", "question": "Q2?", "answers": []}),
            json.dumps({"id": "m3", "question": "Q3?", "answers": ["B"], "type": "number"}),
        ],
    )
    items = load_gold(path)
    assert items[0] == GoldItem("m1", "Q1?", ("Alpha",), (), "phrase", "test")
    assert items[1] == GoldItem("m2", "Q2?", (), (), "unanswerable", "test")
    assert (items[2].type, items[2].split) == ("number", "test")


def test_load_split_keeps_one_split_and_refuses_an_empty_one(tmp_path):
    path = write_lines(tmp_path, [gold_line(), gold_line(id="q2", split="dev")])
    assert [g.id for g in load_split(path, "dev")] == ["q1", "q2"]
    assert [g.id for g in load_split(path, None)] == ["q1", "q2"]
    with pytest.raises(InputError, match=r"^no gold questions in split 'test' of .*gold\.jsonl$"):
        load_split(path, "test")


def test_a_train_split_loads_and_is_kept_apart(tmp_path):
    # eval/train-news marks its questions "train": what a model learns from, never scored on
    path = write_lines(tmp_path, [gold_line(split="train"), gold_line(id="q2", split="test")])
    assert [g.split for g in load_gold(path)] == ["train", "test"]
    assert [g.id for g in load_split(path, "train")] == ["q1"]
    assert [g.id for g in load_split(path, "test")] == ["q2"]
    with pytest.raises(InputError, match=r":1: unknown split 'val'; use one of dev, test, train"):
        load_gold(write_lines(tmp_path, [gold_line(split="val")]))


def test_load_gold_missing_and_empty(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="no questions"):
        load_gold(write_lines(tmp_path, ["", "  "]))


def test_gold_file_shape():
    items = load_gold(GOLD)
    assert len(items) >= 90
    by_type = Counter(g.type for g in items)
    # every type but "place" (the seeds' places are asked as phrases)
    assert set(by_type) == set(TYPES) - {"place"}
    assert by_type["unanswerable"] >= 18
    for t in TYPES:  # stratified split: dev and test within one of each other per type
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
    for g in load_gold(GOLD):
        problems += [f"{g.id}: unknown doc {d}" for d in g.doc_ids if d not in seeds]
        for a in g.answers:
            if not any(a in content.get(d, "") for d in g.doc_ids):
                problems.append(f"{g.id}: {a!r} not in the content of {g.doc_ids}")
        for d in g.doc_ids:  # every gold doc holds at least one of the answers
            if not any(a in content.get(d, "") for a in g.answers):
                problems.append(f"{g.id}: no answer in {d}")
    assert problems == []


def cleaned_articles(folder: Path) -> dict:
    """The articles of a corpus folder, cleaned as evqa indexes them, by id."""
    from evqa.corpus import read_corpus

    return {a.id: a for a in read_corpus(folder).articles}


def answers_not_in_articles(articles: dict, items) -> list[tuple[str, str]]:
    """(id, answer) for each accepted answer that stands verbatim in the cleaned text of none
    of the articles its question names."""
    return [
        (g.id, a)
        for g in items
        for a in g.answers
        if not any(a in articles[d].text for d in g.doc_ids if d in articles)
    ]


def test_an_answer_missing_from_its_articles_is_named():
    from types import SimpleNamespace

    articles = {"d1": SimpleNamespace(text="The plant opens in March 2027.")}
    items = [
        GoldItem("q1", "When?", ("March 2027",), ("d1",), "date", "test"),
        GoldItem("q2", "Who?", ("Lena Hofmann",), ("d1",), "person", "test"),
        GoldItem("q3", "Where?", ("March 2027",), ("d9",), "place", "test"),
    ]
    assert answers_not_in_articles(articles, items) == [
        ("q2", "Lena Hofmann"),
        ("q3", "March 2027"),
    ]


@pytest.mark.integration
def test_gold_answers_occur_in_cleaned_articles():
    assert answers_not_in_articles(cleaned_articles(SEEDS), load_gold(GOLD)) == []


@pytest.mark.parametrize(
    ("name", "questions"),
    [
        ("fresh", 70),
        ("fresh2", 72),
        ("fresh3", 72),
        ("fresh4", 72),
        ("fresh5", 72),
        ("fresh6", 72),
        ("fresh7", 72),
        ("fresh8", 72),
        ("fresh9", 72),
        ("fresh10", 72),
        ("fresh11", 72),
        ("fresh12", 72),
    ],
)
def test_the_news_sets_answers_are_in_their_articles(name, questions):
    # eval/fresh*: held-out sets; every accepted answer is a verbatim span of the cleaned
    # text of an article it names; an unanswerable question names at most the article it
    # asks about
    articles = cleaned_articles(ROOT / "eval" / name / "corpus")
    items = load_gold(ROOT / "eval" / "gold" / f"{name}.jsonl")
    assert len(items) == questions and sum(not g.answerable for g in items) == 18
    for g in items:
        assert all(d in articles for d in g.doc_ids), g.id
        assert (len(g.doc_ids) >= 1) if g.answerable else (len(g.doc_ids) <= 1), g.id
    assert answers_not_in_articles(articles, items) == []


TRAIN_NEWS = sorted((ROOT / "eval" / "train-news").glob("t[0-9]*"))
# the stop-38 sets (brief-encyclopedia-v2.md) ask 4 unanswerable questions an article, not 3
FOUR_UNANSWERABLE = {
    line.split("\t")[0]
    for line in (ROOT / "eval" / "train-news" / "params-stop38.tsv").read_text().splitlines()[1:]
}


@pytest.mark.parametrize("folder", TRAIN_NEWS, ids=[f.name for f in TRAIN_NEWS])
def test_the_training_news_sets_answers_are_in_their_articles(folder):
    # eval/train-news/*: the reader's news training questions, 14 an article (3 of them
    # unanswerable, 4 in the stop-38 sets), all of split "train"; every accepted answer is
    # a verbatim span of the cleaned text of the article it names
    articles = cleaned_articles(folder / "corpus")
    items = load_gold(folder / "gold.jsonl")
    assert len(articles) == 10 and len(items) == 140
    assert sum(not g.answerable for g in items) == (40 if folder.name in FOUR_UNANSWERABLE else 30)
    assert {g.split for g in items} == {"train"}
    for g in items:
        assert len(g.doc_ids) == 1 and g.doc_ids[0] in articles, g.id
    assert answers_not_in_articles(articles, items) == []


def test_there_are_training_news_sets():
    assert len(TRAIN_NEWS) >= 8
