"""evqa.cli.ask: `evqa ask` and `evqa search`, on a synthetic corpus and the fake model."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_clean_error, build_index, run
from conftest import ARTICLES, write_corpus

from evqa import store


def test_search_json_has_the_documented_fields(built, runner):
    r = run(runner, "search", "wind farm turbines", "--index", built, "--json", "-k", "2")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["passages"]
    assert len(hits) == 2
    assert {"doc_id", "chunk_id", "title", "date", "text", "score"} <= set(hits[0])
    assert hits[0]["doc_id"] == "bravo"
    assert hits[0]["title"] == "Wind Farm Opens Off Brittany"


def test_search_explain_shows_each_retriever(built, runner):
    r = run(runner, "search", "hydrogen trains", "--index", built, "--json", "--explain")
    explain = json.loads(r.stdout)["passages"][0]["explain"]
    assert set(explain) == {"bm25", "dense"}
    assert sum(v["share"] for v in explain.values()) == pytest.approx(1.0)
    text = run(runner, "search", "hydrogen trains", "--index", built, "--explain").stdout
    assert "bm25" in text and "dense" in text


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_search_modes(built, runner, mode):
    r = run(runner, "search", "hydrogen trains tank", "--index", built, "--mode", mode, "--json")
    assert json.loads(r.stdout)["passages"][0]["doc_id"] == "charlie"


def test_ask_json_schema(built, runner):
    r = run(
        runner,
        "ask",
        "How many turbines does the Saint-Brieuc wind farm have?",
        "--index",
        built,
        "--json",
    )
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert {
        "question",
        "answer",
        "answer_sentence",
        "confidence",
        "abstained",
        "citations",
        "passages",
    } <= set(a)
    assert 0.0 <= a["confidence"] <= 1.0
    for c in a["citations"]:
        assert {"n", "doc_id", "title", "date", "quote", "start", "end"} <= set(c)
    for p in a["passages"]:
        assert {"rank", "doc_id", "chunk_id", "title", "date", "text", "score"} <= set(p)


def test_ask_plain_text_when_not_a_terminal(built, runner):
    r = run(runner, "ask", "How many turbines does the wind farm have?", "--index", built)
    assert r.exit_code == 0, r.output
    assert "\x1b[" not in r.stdout
    assert "62" in r.stdout


@pytest.mark.parametrize(
    "question",
    ["", "   ", "\t\n", "\u200b\u200b", "\x00\x01"],
)
def test_empty_questions_are_refused(built, runner, question):
    assert_clean_error(run(runner, "ask", question, "--index", built), 2, "question is empty")
    assert_clean_error(run(runner, "search", question, "--index", built), 2, "query is empty")


def test_a_100kb_question_is_refused(built, runner):
    assert_clean_error(run(runner, "ask", "battery " * 12_800, "--index", built), 2, "limit")


@pytest.mark.parametrize(
    "question",
    [
        "wind\x07 farm\u200b turbines",
        "🔋⚡ energy?",
        "风电场有多少台涡轮机",
        "ветряная ферма",
        "[bold]x[/bold] [1]",
        "'; DROP TABLE articles; --",
    ],
)
def test_odd_questions_get_an_answer_or_a_clean_abstention(built, runner, question):
    r = run(runner, "ask", question, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert a["abstained"] in (True, False)
    assert a["abstained"] == (a["answer"] is None)


def test_k_larger_than_the_index_returns_every_chunk(built, runner):
    r = run(runner, "search", "wind", "--index", built, "-k", "500", "--json")
    assert r.exit_code == 0
    n = store.open_generation(built).manifest["corpus"]["chunks"]
    assert 1 <= len(json.loads(r.stdout)["passages"]) <= n


@pytest.mark.parametrize("weight", ["5", "-1", "nan"])
def test_a_bm25_weight_outside_0_1_is_refused(built, runner, monkeypatch, weight):
    monkeypatch.setenv("EVQA_BM25_WEIGHT", weight)
    r = run(runner, "search", "wind", "--index", built, "--explain")
    assert_clean_error(r, 2, "EVQA_BM25_WEIGHT", "between 0 and 1")


@pytest.mark.parametrize("weight", ["0", "1", "0.5"])
def test_a_bm25_weight_in_0_1_is_accepted(built, runner, monkeypatch, weight):
    monkeypatch.setenv("EVQA_BM25_WEIGHT", weight)
    r = run(runner, "search", "wind", "--index", built, "--json", "--explain")
    assert r.exit_code == 0, r.output
    for hit in json.loads(r.stdout)["passages"]:
        assert all(0.0 <= p["share"] <= 1.0 for p in hit["explain"].values())


def test_a_query_bm25_cannot_match_gives_bm25_no_share(built, runner):
    # the fake model sees "turbi..." in it; BM25 matches no word of it
    r = run(runner, "search", "turbinezzz", "--index", built, "--json", "--explain")
    hits = json.loads(r.stdout)["passages"]
    assert hits
    for hit in hits:
        assert hit["explain"]["bm25"]["rank"] is None
        assert hit["explain"]["bm25"]["share"] == 0.0
        assert hit["explain"]["dense"]["share"] == (1.0 if hit["score"] > 0 else 0.0)
    assert hits[0]["score"] == pytest.approx(0.7)  # dense's weight alone


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ask", " "], 'error: the question is empty; ask something, e.g. evqa ask "When did'),
        (["ask", "???"], 'symbols; ask something, e.g. evqa ask "When did the plant open?"'),
        (["search", ""], 'error: the query is empty; search for something, e.g. evqa search "'),
        (["search", "?!"], 'symbols; search for something, e.g. evqa search "plant opening"'),
    ],
)
def test_the_cli_suggests_its_own_command_line(built, runner, args, expected):
    """The library's example is a bare question (Python and HTTP callers have no CLI);
    the commands name themselves."""
    assert_clean_error(run(runner, *args, "--index", built), 2, expected)


def test_search_of_an_empty_query_speaks_of_a_query(built, runner):
    r = run(runner, "search", "  ", "--index", built)
    assert_clean_error(r, 2, "the query is empty", 'evqa search "')
    assert "question" not in r.stderr


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("???", "no words, only punctuation or symbols"),
        ("what is it", "only function words (what, is, it)"),
    ],
)
def test_a_query_without_content_is_refused(built, runner, query, kind):
    """search used to rank five unrelated passages for "???" while ask said why it would not."""
    r = run(runner, "search", query, "--index", built, "--json")
    assert_clean_error(r, 2, f"error: the query has {kind}; search for something")
    assert r.stdout == ""


NO_WORDS = "error: the question has no words, only punctuation or symbols; ask something"


@pytest.mark.parametrize(
    "question", ["???", " ?! ", "(-_-)", "\U0001f50b\u26a1", "\u2014 \u2026 \u2014"]
)
@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_a_question_with_no_words_is_a_usage_error_as_an_empty_one_is(
    built, runner, question, as_json
):
    """`evqa ask "???"` ended 0 with a reason, while `evqa ask ""` was refused (exit 2)."""
    r = run(runner, "ask", question, "--index", built, *as_json)
    assert_clean_error(r, 2, NO_WORDS)
    assert r.stdout == "" and r.stderr.count("\n") == 1


def test_a_question_with_no_words_is_refused_before_the_index_is_opened(tmp_path, runner):
    r = run(runner, "ask", "???", "--index", tmp_path / "nowhere", "-k", "0")
    assert_clean_error(r, 2, NO_WORDS)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("what is it?", "the question has only function words (what, is, it)"),
        ("x?", "the question has no words to search for"),  # a word, if not a content word
    ],
)
def test_a_question_of_words_without_content_is_still_answered_not_found(
    built, runner, question, reason
):
    r = run(runner, "ask", question, "--index", built, "--json")
    assert r.exit_code == 0, r.output
    answer = json.loads(r.stdout)
    assert answer["abstained"] is True and answer["reason"].startswith(reason)


def test_a_query_that_repeats_a_word_is_still_searched(built, runner):
    r = run(runner, "search", "turbines turbines", "--index", built, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["passages"]


def test_an_abstention_without_passages_does_not_point_to_them(built, runner):
    r = run(runner, "ask", "solar boat battery", "--index", built, "--since", "2030")
    assert r.exit_code == 0, r.output
    assert "Not found in the articles" in r.stdout
    assert "listed below" not in r.stdout and "passages" not in r.stdout


@pytest.mark.parametrize("cmd", ["ask", "search"])
def test_a_date_filter_warns_of_the_undated_articles_it_left_out(built, runner, cmd):
    warning = "warning: 2 undated articles were left out by the since/until date filter"
    r = run(runner, cmd, "solar boat battery", "--index", built, "--since", "2020", "--json")
    assert r.exit_code == 0, r.output
    json.loads(r.stdout)  # stdout stays JSON: the warning is on stderr
    assert r.stderr.count(warning) == 1
    r = run(runner, cmd, "solar boat battery", "--index", built)
    assert r.exit_code == 0 and "undated" not in r.stderr


ONE_UNDATED = (
    "1 undated article was left out by the since/until date filter (only dated articles can "
    "match it)"
)
BOTH = "solar boat wind farm"  # words of alpha (dated) and bravo (undated)


@pytest.fixture
def one_undated(tmp_path, fake_model, runner):
    """An index of alpha (dated 2024-03-05) and bravo (undated)."""
    corpus = write_corpus(tmp_path / "two", {k: ARTICLES[k] for k in ("alpha", "bravo")})
    r = build_index(runner, corpus, tmp_path / "two-idx", "--no-ner")
    assert r.exit_code == 0, r.output
    return tmp_path / "two-idx"


@pytest.mark.parametrize("cmd", ["ask", "search"])
def test_json_lists_the_undated_articles_a_date_filter_left_out(one_undated, runner, cmd):
    r = run(runner, cmd, BOTH, "--index", one_undated, "--since", "2020", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["warnings"] == [ONE_UNDATED]
    assert {p["doc_id"] for p in out["passages"]} == {"alpha"}
    assert r.stderr.count(f"warning: {ONE_UNDATED}") == 1  # still told on stderr
    r = run(runner, cmd, BOTH, "--index", one_undated, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["warnings"] == [] and "undated" not in r.stderr


def test_search_json_is_its_passages_and_warnings(built, runner):
    r = run(runner, "search", "wind farm turbines", "--index", built, "--json", "-k", "2")
    assert set(json.loads(r.stdout)) == {"passages", "warnings"}


def test_json_warns_of_nothing_for_a_question_it_did_not_look_up(one_undated, runner):
    r = run(runner, "ask", "what is it?", "--index", one_undated, "--since", "2020", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["reason"] is not None and out["warnings"] == []
    assert "undated" not in r.stderr


@pytest.mark.parametrize("cmd", ["ask", "search"])
def test_the_text_output_has_no_warnings_field(one_undated, runner, cmd):
    r = run(runner, cmd, BOTH, "--index", one_undated, "--since", "2020")
    assert r.exit_code == 0, r.output
    assert "undated" not in r.stdout and "warnings" not in r.stdout
    assert r.stderr.count(f"warning: {ONE_UNDATED}") == 1


def test_a_day_that_does_not_exist_is_named(built, runner):
    r = run(runner, "ask", "solar boat", "--index", built, "--since", "2025-02-30")
    assert_clean_error(r, 2, "error: --since 2025-02-30 is not a date (February 2025 has 28 days)")


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "error: --since is empty: give a date YYYY, YYYY-MM or YYYY-MM-DD, or leave it out"),
        (" 2023", "error: --since must be a date YYYY, YYYY-MM or YYYY-MM-DD (got ' 2023')"),
        ("\u0662\u0660\u0662\u0663", "error: --since must be a date YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_an_empty_or_loose_date_is_refused_not_ignored(built, runner, value, message):
    r = run(runner, "search", "solar boat", "--index", built, "--since", value)
    assert_clean_error(r, 2, message)


@pytest.mark.parametrize("cmd", ["ask", "search"])
def test_json_lists_the_warning_that_staleness_cannot_be_checked(tmp_path, fake_model, runner, cmd):
    """stderr said the corpus was gone, but `--json` had `"warnings": []`."""
    import shutil

    corpus = write_corpus(tmp_path / "gone", {"alpha": ARTICLES["alpha"]})
    assert build_index(runner, corpus, tmp_path / "gone-idx", "--no-ner").exit_code == 0
    shutil.rmtree(corpus)
    r = run(runner, cmd, "solar boat speed", "--index", tmp_path / "gone-idx", "--json")
    assert r.exit_code == 0, r.output
    warnings = json.loads(r.stdout)["warnings"]
    assert len(warnings) == 1 and f"the corpus {corpus} no longer exists" in warnings[0]
    assert r.stderr.count(f"warning: {warnings[0]}") == 1


@pytest.mark.parametrize("cmd", ["ask", "search"])
@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("settings", "bm25_weight", "0.3"), ("model", "path", 123), ("settings", "fusion", "rfr")],
)
def test_a_hand_edited_manifest_value_is_a_corrupt_index(built, runner, cmd, section, key, value):
    """A traceback (exit 1), or exit 2 as if the user's input were at fault."""
    path = store.open_generation(built).path / store.MANIFEST
    manifest = json.loads(path.read_text())
    manifest[section][key] = value
    path.write_text(json.dumps(manifest))
    r = run(runner, cmd, "solar boat speed", "--index", built)
    assert_clean_error(r, 3, f"has a bad {section}.{key} ", f"evqa index build --index {built}")
