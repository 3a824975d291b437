"""The public API: integration tests with the real model on the shipped seeds index
(marked `integration`), and Engine.open/ask/search on a small index with the fake model."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from evqa import config
from evqa.engine import Engine, undated_warning
from evqa.errors import InputError

GOTION = "004_1b31b26ffe040619"


# --- integration: the real model and the seeds ------------------------------------------


@pytest.fixture(scope="module")
def engine():
    return Engine.open()


@pytest.mark.integration
def test_jinshi_energy_density_ranks_the_350_passage_first(engine):
    hits = engine.search("energy density of Jinshi battery", k=5)
    assert hits[0].doc_id == GOTION
    assert "350 Wh/kg" in hits[0].chunk.text


@pytest.mark.integration
def test_jinshi_energy_density_answer_and_figures(engine):
    a = engine.ask("energy density of Jinshi battery")
    assert a.answer == "350 Wh/kg" and not a.abstained
    assert a.answer_sentence[a.answer_start : a.answer_end] == "350 Wh/kg"
    assert {f.answer for f in a.figures} >= {"350 Wh/kg", "280 Wh/kg"}
    assert a.citations[0].doc_id == GOTION


@pytest.mark.integration
@pytest.mark.parametrize(
    "question, expected",
    [
        ("How many cars did BAIC BJEV sell in the first eleven months?", "24,877"),
        ("When will JAC Yiwei start delivering vehicles?", "January 2024"),
        ("Who is the chairman of Yiwei?", "Xia Shunli"),
        # the keyword form was a known miss ("over 3,000 charge cycles and a projected ...")
        # until the news-trained reader of stop 35
        ("range of Jinshi battery pack", "1,000 km"),
        # stop 35's reader gave the pack's operating temperature range, "20°C to 85°C"
        ("What is the range of the Jinshi battery pack?", "1,000 km"),
    ],
)
def test_number_date_and_person_answers(engine, question, expected):
    a = engine.ask(question)
    assert not a.abstained
    assert expected in a.answer


@pytest.mark.integration
@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        # the reader's best span is Volkswagen's $700 million in Xpeng; stop 35's reader
        # answered it just over the threshold (0.30), stop 36's gives it 0.12
        "What is the price of the JAC Yiwei EV?",
        "How do I bake sourdough bread?",
    ],
)
def test_abstains_when_the_articles_do_not_say(engine, question):
    a = engine.ask(question)
    assert a.abstained and a.answer is None
    assert a.passages  # related passages are still shown


@pytest.mark.integration
def test_every_citation_quotes_the_article_at_its_offsets(engine):
    for q in [
        "energy density of Jinshi battery",
        "Who signed the Nio FAW agreement?",
        "When was CASIP established?",
        "sodium-ion battery supplier",
    ]:
        for c in engine.ask(q).citations:
            assert engine.articles[c.doc_id].text[c.start : c.end] == c.quote


@pytest.mark.integration
def test_seed_articles_have_titles_and_dates(engine):
    a = engine.articles
    assert a["003_9c872a3d12e3445f"].date == "2020-12-25"
    assert a["000_435de727ab52d225"].date == "2023-12-28"
    assert a["003_9c872a3d12e3445f"].title.startswith("BAIC BJEV makes headway")
    for article in a.values():
        assert "Loading..." not in article.text and "Benzinga Neuro" not in article.text


@pytest.mark.integration
def test_cli_json_parses_and_matches_the_library(engine):
    from evqa.cli import cli

    r = CliRunner().invoke(cli, ["ask", "energy density of Jinshi battery", "--json"])
    assert r.exit_code == 0, r.output
    answer = engine.ask("energy density of Jinshi battery").to_dict()
    assert json.loads(r.stdout) == json.loads(json.dumps({**answer, "warnings": []}))
    r = CliRunner().invoke(cli, ["search", "energy density of Jinshi battery", "--json"])
    assert "350 Wh/kg" in json.loads(r.stdout)["passages"][0]["text"]


@pytest.mark.integration
def test_no_network_during_ask_and_chat(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("evqa tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from evqa.cli import cli

    r = CliRunner().invoke(cli, ["ask", "energy density of Jinshi battery", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["answer"] == "350 Wh/kg"
    r = CliRunner().invoke(cli, ["chat", "--json"], input="Who chairs Yiwei?\n")
    assert r.exit_code == 0 and json.loads(r.stdout.splitlines()[0])["question"]


# --- fuzzing the query path (fake model, synthetic corpus) -------------------------------

from conftest import small_settings  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@pytest.fixture
def small_engine(tmp_path, corpus, fake_model):
    from evqa import build

    build.build(
        corpus, tmp_path / "idx", model=fake_model, settings=small_settings(), cache_dir=tmp_path
    )
    return Engine.open(tmp_path / "idx")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=st.text(max_size=300))
def test_any_unicode_question_gives_an_answer_or_a_clean_refusal(small_engine, question):
    try:
        a = small_engine.ask(question)
    except InputError as e:
        assert "empty" in str(e) or "limit" in str(e) or "no words" in str(e)
        return
    assert 0.0 <= a.confidence <= 1.0
    assert a.abstained == (a.answer is None)
    for c in a.citations:
        assert small_engine.articles[c.doc_id].text[c.start : c.end] == c.quote
    if not a.abstained:
        assert a.answer_sentence[a.answer_start : a.answer_end] == a.answer


@pytest.mark.integration
def test_no_network_during_a_real_build(tmp_path, monkeypatch):
    """The real model, spaCy and the ONNX export, all with sockets refused."""

    def refuse(*args, **kwargs):
        raise AssertionError("evqa tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cache"))
    from evqa.cli import cli

    seeds = config.PROJECT_ROOT / "seeds"
    r = CliRunner().invoke(
        cli, ["index", "build", "--corpus", str(seeds), "--index", str(tmp_path / "i"), "--json"]
    )
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["articles"] == 5 and report["warnings"] == []
    from evqa import store

    manifest = store.open_generation(tmp_path / "i").manifest
    assert manifest["model"]["encoder"] == config.DEFAULTS["encoder"]  # the int8 graph was made
    r = CliRunner().invoke(
        cli, ["ask", "energy density of Jinshi battery", "--index", str(tmp_path / "i"), "--json"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["answer"] == "350 Wh/kg"


def test_a_broken_reader_is_a_model_error_from_ask_and_a_clean_exit(small_engine, monkeypatch):
    from evqa.errors import ModelError
    from evqa.reader import session

    def broken(folder=session.MODEL_DIR):
        raise ModelError("the reader model cannot be loaded; reinstall evqa")

    monkeypatch.setattr(session, "load_reader", broken)
    with pytest.raises(ModelError, match="reinstall"):
        small_engine.ask("How fast is the Helios boat?")
    from evqa.cli import cli

    r = CliRunner().invoke(cli, ["ask", "How fast?", "--index", str(small_engine.root)])
    assert r.exit_code == 4 and "reinstall" in r.output and "Traceback" not in r.output


def test_the_threshold_comes_from_the_environment_or_the_calibration(
    small_engine, monkeypatch, tmp_path
):
    monkeypatch.setenv("EVQA_ABSTAIN_THRESHOLD", "1.0")
    strict = Engine.open(small_engine.root)
    assert strict.threshold == 1.0 and strict.ask("How fast is the Helios boat?").abstained
    monkeypatch.setenv("EVQA_ABSTAIN_THRESHOLD", "2")
    with pytest.raises(InputError, match="between 0 and 1"):
        Engine.open(small_engine.root)
    monkeypatch.delenv("EVQA_ABSTAIN_THRESHOLD")
    assert Engine.open(small_engine.root).threshold is None  # the calibrated one


def test_the_passages_read_come_from_the_environment_and_are_checked(small_engine, monkeypatch):
    assert small_engine.passages == 5
    monkeypatch.setenv("EVQA_READER_PASSAGES", "2")
    assert Engine.open(small_engine.root).passages == 2
    for bad in ("0", "-1"):
        monkeypatch.setenv("EVQA_READER_PASSAGES", bad)
        with pytest.raises(InputError, match="EVQA_READER_PASSAGES"):
            Engine.open(small_engine.root)
    from evqa.cli import cli

    r = CliRunner().invoke(cli, ["ask", "How fast?", "--index", str(small_engine.root)])
    assert r.exit_code == 2 and "EVQA_READER_PASSAGES" in r.output
    assert "Traceback" not in r.output


# --- library arguments: checked, in the library's own words -------------------------------


@pytest.mark.parametrize("k", ["3", 2.5, True, [3]])
def test_a_k_that_is_not_a_whole_number_is_an_input_error(small_engine, k):
    with pytest.raises(InputError, match="k must be a whole number"):
        Engine.open(small_engine.root, k=k)
    with pytest.raises(InputError, match="k must be a whole number"):
        small_engine.ask("How fast is the Helios boat?", k=k)
    with pytest.raises(InputError, match="k must be a whole number"):
        small_engine.search("Helios boat", k=k)


def test_an_index_that_is_not_a_path_is_an_input_error(small_engine):
    with pytest.raises(InputError, match="index must be the path of an index folder"):
        Engine.open(123)
    assert Engine.open(str(small_engine.root)).root == small_engine.root


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be at least 1"),
        ({"mode": "x"}, "unknown mode 'x'"),
        ({"since": "yesterday"}, "since must be a date"),
        ({"since": "2024", "until": "2023"}, "since 2024 is after until 2023"),
    ],
)
def test_ask_checks_its_arguments_even_for_a_question_it_does_not_look_up(
    small_engine, kwargs, message
):
    assert small_engine.ask("what is it?").reason is not None  # not looked up
    with pytest.raises(InputError, match=message) as info:
        small_engine.ask("what is it?", **kwargs)
    assert "--" not in str(info.value) and "-k" not in str(info.value)  # no CLI flags


def test_check_k_speaks_of_k_unless_told_where_it_came_from():
    assert config.check_k(3) == 3
    with pytest.raises(InputError, match=r"^k must be at least 1 \(got 0\)$"):
        config.check_k(0)
    with pytest.raises(InputError, match=r"^-k must be at most"):
        config.check_k(10**6, "-k")


def test_dir_of_evqa_lists_its_lazy_names():
    import evqa

    assert set(evqa.__all__) <= set(dir(evqa))


def test_every_evqa_error_can_be_imported_from_evqa():
    import inspect

    import evqa
    from evqa import errors

    kinds = [c for _, c in inspect.getmembers(errors, inspect.isclass)]
    kinds = [c for c in kinds if issubclass(c, errors.EvqaError)]
    assert len(kinds) > 5
    for kind in kinds:
        assert kind.__name__ in evqa.__all__ and getattr(evqa, kind.__name__) is kind


def test_a_date_filter_warns_of_the_undated_articles_it_left_out(small_engine):
    told: list[str] = []
    engine = Engine.open(small_engine.root, warn=told.append)
    assert engine.undated_articles() == 2  # bravo and charlie have no date
    engine.search("wind farm")
    assert told == []  # no filter: nothing is left out
    hits = engine.search("wind farm", since="2020")
    assert {h.doc_id for h in hits} == {"alpha"}
    assert told == [
        "2 undated articles were left out by the since/until date filter (only dated "
        "articles can match it)"
    ]
    engine.ask("How fast is the Helios boat?", until="2030")
    assert len(told) == 2  # once per question


def test_a_date_filter_that_keeps_no_dated_article_says_when_the_articles_are_dated(small_engine):
    told: list[str] = []
    engine = Engine.open(small_engine.root, warn=told.append)
    assert engine.search("solar boat", since="2025-01") == []
    empty = (
        "no article is dated on or after 2025-01-01, so nothing was searched; the index's "
        "dated articles run from 2024-03-05 to 2024-03-05"
    )
    assert told[1:] == [empty]  # after the undated warning
    told.clear()
    engine.search("solar boat", since="2023", until="2023-06")
    assert told[1:] == [
        "no article is dated from 2023-01-01 to 2023-06-30, so nothing was searched; the "
        "index's dated articles run from 2024-03-05 to 2024-03-05"
    ]
    assert engine.date_filter_warnings(until="2024-03-04")[1].startswith(
        "no article is dated on or before 2024-03-04,"
    )
    assert len(engine.date_filter_warnings(since="2024-03-05")) == 1  # alpha is kept
    assert engine.search_warnings(since="2025")[-1].startswith("no article is dated on or after")


def test_an_index_without_dated_articles_warns_only_of_the_undated_ones(small_engine):
    engine = Engine.open(small_engine.root)
    engine.backend.count_dated = lambda dates: 0
    engine.backend.date_bounds = lambda: None
    from evqa.engine import undated_warning

    # the undated warning alone says why nothing matched
    assert engine.date_filter_warnings(since="2020") == [undated_warning(2)]


def test_date_filter_warnings_are_returned_not_told(small_engine):
    from evqa.engine import undated_warning

    told: list[str] = []
    engine = Engine.open(small_engine.root, warn=told.append)
    assert engine.date_filter_warnings() == []
    assert engine.date_filter_warnings(since="2020") == [
        "2 undated articles were left out by the since/until date filter (only dated "
        "articles can match it)"
    ]
    assert engine.date_filter_warnings(None, "2024-06") == [undated_warning(2)]
    assert told == []  # returned to the caller, never told to warn
    engine.search("wind farm", since="2020")
    assert told == engine.date_filter_warnings(since="2020")  # what the search told
    with pytest.raises(InputError, match="since must be a date"):
        engine.date_filter_warnings(since="yesterday")


def test_date_filter_warnings_name_one_undated_article_or_none(tmp_path, fake_model):
    from conftest import ARTICLES, write_corpus

    from evqa import build

    def engine_of(names: tuple[str, ...]) -> Engine:
        corpus = write_corpus(tmp_path / "-".join(names), {n: ARTICLES[n] for n in names})
        root = tmp_path / f"{corpus.name}-idx"
        build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
        return Engine.open(root)

    assert engine_of(("alpha", "bravo")).date_filter_warnings(until="2030") == [
        "1 undated article was left out by the since/until date filter (only dated articles "
        "can match it)"
    ]
    assert engine_of(("alpha",)).date_filter_warnings(since="2020") == []  # all dated


def test_threads_get_the_warnings_of_their_own_date_filter(small_engine, monkeypatch):
    import time

    engine = Engine.open(small_engine.root)
    counted: list[int] = []
    count = engine.backend.count_undated

    def slow_count() -> int:
        counted.append(1)
        time.sleep(0.1)  # every thread asks before it is done
        return count()

    monkeypatch.setattr(engine.backend, "count_undated", slow_count)
    filters = iter([("2020", None), (None, None)] * 4)
    lock = threading.Lock()

    def call() -> tuple[str | None, list[str]]:
        with lock:
            since, until = next(filters)
        return since, engine.date_filter_warnings(since, until)

    results = _at_once(8, call)
    assert counted == [1]  # counted once, the other threads waiting for it
    for since, warnings in results:
        assert len(warnings) == (1 if since else 0)


def test_without_a_warn_callback_the_notice_is_told(small_engine):
    notices: list[str] = []
    engine = Engine.open(small_engine.root, notice=notices.append)
    engine.search("wind farm", until="2030")
    assert any("2 undated articles were left out" in n for n in notices)
    Engine.open(small_engine.root).search("wind farm", until="2030")  # nobody told: no error


def test_a_bad_abstain_threshold_names_its_variable(small_engine, monkeypatch):
    for bad in ("-1", "1.5", "nan"):
        monkeypatch.setenv("EVQA_ABSTAIN_THRESHOLD", bad)
        with pytest.raises(InputError) as e:
            Engine.open(small_engine.root)
        assert str(e.value).startswith("EVQA_ABSTAIN_THRESHOLD must be between 0 and 1")
        assert str(e.value).endswith("fix or unset EVQA_ABSTAIN_THRESHOLD")


def test_a_missing_evqa_model_folder_is_named_as_such(small_engine, monkeypatch, tmp_path):
    from evqa.errors import ModelError

    monkeypatch.setenv("EVQA_MODEL", str(tmp_path / "nope"))
    with pytest.raises(ModelError) as e:
        Engine.open(small_engine.root)
    assert str(e.value).startswith(f"EVQA_MODEL={tmp_path / 'nope'}: no model folder there;")
    assert "--model" not in str(e.value)


def test_a_cache_dir_that_is_a_file_fails_fast(small_engine, monkeypatch, tmp_path):
    (tmp_path / "cachefile").write_text("")
    monkeypatch.setenv("EVQA_CACHE_DIR", str(tmp_path / "cachefile"))
    with pytest.raises(InputError, match=r"EVQA_CACHE_DIR=.*cachefile is a file, not a folder"):
        Engine.open(small_engine.root)


def test_an_unwritable_cache_dir_is_warned_of_once(small_engine, monkeypatch, tmp_path):
    import os

    from evqa import encoder

    monkeypatch.setattr(encoder, "has_onnx", lambda info, cache: False)
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as if read-only
    told: list[str] = []
    notices: list[str] = []
    engine = Engine.open(small_engine.root, warn=told.append, notice=notices.append)
    engine.search("wind farm", mode="dense")
    engine.search("solar boat", mode="dense")
    assert len(told) == 1 and "is not writable" in told[0] and "EVQA_CACHE_DIR" in told[0]
    assert not any("preparing the fast query encoder" in n for n in notices)


@pytest.mark.parametrize("unwritable", [False, True])
def test_a_callback_told_before_the_encoder_loads_may_ask_the_engine(
    small_engine, monkeypatch, unwritable
):
    import os
    import threading

    from evqa import encoder

    monkeypatch.setattr(encoder, "has_onnx", lambda info, cache: False)
    if unwritable:  # then warn is told of the cache, else notice of the export
        monkeypatch.setattr(os, "access", lambda path, mode: False)
    seen: list[tuple[str, list[str]]] = []

    def callback(message: str) -> None:
        seen.append((message, [h.doc_id for h in engine.search("wind farm", k=1, mode="dense")]))

    engine = Engine.open(small_engine.root, notice=callback, warn=callback)
    result: list = []
    asking = threading.Thread(
        target=lambda: result.append(engine.search("solar boat", mode="dense")), daemon=True
    )
    asking.start()
    asking.join(timeout=20)
    assert not asking.is_alive(), "deadlock: a callback was told under the encoder's lock"
    assert result and result[0]
    assert len(seen) == 1 and seen[0][1]  # told once, and its own search was answered
    assert ("is not writable" if unwritable else "preparing the fast") in seen[0][0]


# --- one Engine shared by threads, its settings checked, warnings told to warn -----------


def _at_once(n: int, call) -> list:
    """``call()`` from ``n`` threads started together; their results (an exception is
    re-raised)."""
    import threading

    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = call()
        except BaseException as e:  # re-raised below, in the test's thread
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def test_threads_asking_a_fresh_engine_at_once_load_the_reader_and_encoder_once(
    small_engine, monkeypatch
):
    import time

    from conftest import FakeQueryEncoder

    from evqa import encoder
    from evqa.reader import session

    real_reader = session.load_reader
    loads: list[str] = []

    def slow_reader(folder=session.MODEL_DIR):
        loads.append("reader")
        time.sleep(0.2)  # every thread asks before it is done
        return real_reader(folder)

    def slow_encoder(model, cache_dir):
        loads.append("encoder")
        time.sleep(0.2)
        return FakeQueryEncoder()

    monkeypatch.setattr(session, "load_reader", slow_reader)
    monkeypatch.setattr(encoder, "load_query_encoder", slow_encoder)
    monkeypatch.setattr(encoder, "has_onnx", lambda info, cache: False)  # an empty cache
    notices: list[str] = []
    engine = Engine.open(small_engine.root, notice=notices.append)
    answers = _at_once(8, lambda: engine.ask("How fast is the Helios boat?"))
    assert sorted(loads) == ["encoder", "reader"]
    assert sum("preparing the fast query encoder" in n for n in notices) == 1
    alone = Engine.open(small_engine.root).ask("How fast is the Helios boat?")
    assert all(a.to_dict() == alone.to_dict() for a in answers)


def test_a_reader_that_failed_to_load_is_tried_again_by_the_next_ask(small_engine, monkeypatch):
    from evqa.errors import ModelError
    from evqa.reader import session

    real_reader = session.load_reader
    calls: list[int] = []

    def flaky(folder=session.MODEL_DIR):
        calls.append(1)
        if len(calls) == 1:
            raise ModelError("the reader model cannot be loaded; reinstall evqa")
        return real_reader(folder)

    monkeypatch.setattr(session, "load_reader", flaky)
    engine = Engine.open(small_engine.root)
    with pytest.raises(ModelError, match="reinstall"):
        engine.ask("How fast is the Helios boat?")
    assert engine.ask("How fast is the Helios boat?").question
    engine.ask("How fast is the Helios boat?")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("threshold", "x", "threshold must be a number between 0 and 1, or None"),
        ("threshold", 5, r"threshold must be between 0 and 1 \(got 5.0\)"),
        ("threshold", float("nan"), "threshold must be between 0 and 1"),
        ("threshold", True, "threshold must be a number"),
        ("k", 0, "k must be at least 1"),
        ("k", "3", "k must be a whole number"),
        ("mode", "fast", "unknown mode 'fast'"),
        ("passages", 0, "passages must be between 1 and"),
        ("passages", 2.5, "passages must be a whole number"),
        ("warn", "stderr", "warn must be a callable"),
        ("notice", 1, "notice must be a callable"),
    ],
)
def test_an_engine_setting_is_checked_when_set(small_engine, name, value, message):
    before = getattr(small_engine, name)
    with pytest.raises(InputError, match=message):
        setattr(small_engine, name, value)
    assert getattr(small_engine, name) == before  # unchanged
    assert small_engine.ask("How fast is the Helios boat?").question


def test_a_valid_setting_takes_effect(small_engine):
    small_engine.threshold = 1.0
    assert small_engine.ask("How fast is the Helios boat?").abstained
    small_engine.threshold = None  # back to the calibrated one
    small_engine.k, small_engine.mode = 2, "bm25"
    assert len(small_engine.search("solar boat battery")) == 2


def test_the_threshold_parameter_wins_over_the_environment(small_engine, monkeypatch):
    monkeypatch.setenv("EVQA_ABSTAIN_THRESHOLD", "0.5")
    assert Engine.open(small_engine.root, threshold=1.0).threshold == 1.0
    assert Engine.open(small_engine.root).threshold == 0.5
    assert Engine.open(small_engine.root, threshold=1).ask("How fast is the Helios boat?").abstained
    for bad, message in [(1.5, "between 0 and 1"), ("0.5", "a number")]:
        with pytest.raises(InputError, match=f"^threshold must be {message}"):
            Engine.open(small_engine.root, threshold=bad)
    with pytest.raises(InputError, match="warn must be a callable"):
        Engine.open(small_engine.root, warn="stderr")


def test_a_gone_corpus_is_told_to_warn_and_else_to_notice(tmp_path, corpus, fake_model):
    import shutil

    from evqa import build

    build.build(
        corpus, tmp_path / "idx", model=fake_model, settings=small_settings(), cache_dir=tmp_path
    )
    shutil.rmtree(corpus)
    told: list[str] = []
    notices: list[str] = []
    Engine.open(tmp_path / "idx", warn=told.append, notice=notices.append)
    assert len(told) == 1 and "no longer exists" in told[0] and "cannot be checked" in told[0]
    assert not any("no longer exists" in n for n in notices)
    Engine.open(tmp_path / "idx", notice=notices.append)
    assert sum("no longer exists" in n for n in notices) == 1


def test_an_answer_to_a_question_not_looked_up_warns_of_nothing(small_engine, monkeypatch):
    monkeypatch.setattr(small_engine, "undated_articles", lambda: 3)
    unread = small_engine.ask("what is it?", since="2020")
    assert unread.reason is not None
    assert small_engine.answer_warnings(unread, since="2020") == []
    asked = replace(unread, reason=None)
    assert small_engine.answer_warnings(asked, since="2020") == [undated_warning(3)]
    assert small_engine.answer_warnings(asked) == []


def test_a_program_interrupted_while_the_reader_loads_ends_without_aborting(tmp_path):
    # the reader loads in a thread; a program that ends (here by Ctrl-C) while that thread
    # is inside onnxruntime must wait for it, not abort in the interpreter's finalisation
    # ("terminate called without an active exception", exit 134: 5 of 15 such runs did)
    import subprocess
    import sys

    script = tmp_path / "interrupted.py"
    script.write_text(
        "import sys, time\n"
        "from evqa.engine import Engine\n"
        "Engine.open()._reader_load()\n"
        "time.sleep(float(sys.argv[1]))\n"
        "raise KeyboardInterrupt\n",
        encoding="utf-8",
    )
    for delay in ("0.1", "0.15", "0.2", "0.3"):
        run = subprocess.run(
            [sys.executable, str(script), delay], capture_output=True, text=True, timeout=60
        )
        assert run.returncode != 134 and "terminate called" not in run.stderr, delay
        assert run.stderr.rstrip().endswith("KeyboardInterrupt"), run.stderr


# --- wrong argument types, a corrupt manifest's values, open-time warnings ----------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": 123}, "model must be the path of a sentence-transformers model folder"),
        ({"model": b"/x"}, "model must be the path of a sentence-transformers model folder"),
        ({"cache_dir": 123}, "cache_dir must be the path of a cache folder"),
    ],
)
def test_a_model_or_cache_dir_that_is_not_a_path_is_an_input_error(small_engine, kwargs, message):
    """They used to escape as a TypeError."""
    with pytest.raises(InputError, match=f"^{message} \\(str or Path\\), not"):
        Engine.open(small_engine.root, **kwargs)


@pytest.mark.parametrize("answer", [None, "q", {"reason": None}])
def test_answer_warnings_of_something_that_is_not_an_answer_is_an_input_error(small_engine, answer):
    """They used to raise an AttributeError."""
    with pytest.raises(InputError, match="^answer must be an Answer, as ask returns it"):
        small_engine.answer_warnings(answer, since="2020")


def test_search_refuses_a_query_with_nothing_to_search_for_as_the_cli_does(small_engine):
    """Engine.search used to rank five passages for "what is it" while `evqa search`
    refused it."""
    from evqa.question_content import query_problem

    with pytest.raises(InputError) as e:
        small_engine.search("what is it")
    assert str(e.value) == query_problem("what is it")
    assert small_engine.ask("what is it").reason is not None  # ask declines it, as before
    assert small_engine.search("turbines turbines")  # a repeated word is searched
    with pytest.raises(InputError, match="^the query has no words, only punctuation"):
        small_engine.search("???")  # bad input, as an empty query is


def _edit_live_manifest(root, edit) -> None:
    from evqa import store

    path = store.open_generation(root).path / store.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("settings", "bm25_weight", "0.3"), ("settings", "fusion", "rfr"), ("model", "path", 123)],
)
def test_a_bad_manifest_value_is_a_corrupt_index_not_a_crash_or_bad_input(
    small_engine, section, key, value
):
    from evqa.errors import IndexCorruptError

    _edit_live_manifest(small_engine.root, lambda m: m[section].update({key: value}))
    with pytest.raises(IndexCorruptError, match=f"bad {section}.{key} .*; rebuild with"):
        Engine.open(small_engine.root)


def test_the_environment_still_wins_over_the_manifest_and_is_named(small_engine, monkeypatch):
    _edit_live_manifest(small_engine.root, lambda m: m["settings"].update(fusion="rrf"))
    assert Engine.open(small_engine.root).fusion.method == "rrf"
    monkeypatch.setenv("EVQA_FUSION", "minmax")
    assert Engine.open(small_engine.root).fusion.method == "minmax"
    monkeypatch.setenv("EVQA_FUSION", "rfr")
    with pytest.raises(InputError, match="unknown fusion 'rfr' in EVQA_FUSION.*unset EVQA_FUSION"):
        Engine.open(small_engine.root)


def test_the_warnings_of_opening_the_index_come_with_every_result(tmp_path, corpus, fake_model):
    """A gone corpus was told to ``warn`` only: `ask --json` and `search --json` listed no
    warning although stderr had one."""
    import shutil

    from evqa import build

    root = tmp_path / "idx"
    build.build(corpus, root, model=fake_model, settings=small_settings(), cache_dir=tmp_path)
    assert Engine.open(root).open_warnings == []
    shutil.rmtree(corpus)
    told: list[str] = []
    engine = Engine.open(root, warn=told.append)
    assert len(told) == 1 and "no longer exists" in told[0]
    assert engine.open_warnings == told
    assert Engine.open(root).open_warnings == told  # with no callback to tell, too
    assert engine.search_warnings() == told
    assert engine.search_warnings(since="2020") == [*told, undated_warning(2)]
    answer = engine.ask("How fast is the Helios boat?")
    assert engine.answer_warnings(answer) == told
    assert engine.answer_warnings(engine.ask("what is it?")) == told  # as stderr said it too
    assert engine.date_filter_warnings() == []  # only the date filter's
    assert Engine.open(root, check_stale=False).open_warnings == []  # not checked


class _SlowEncoder:
    """What load_query_encoder falls back to when the ONNX export cannot be made."""

    reason = "cannot write the ONNX export of m in /c/onnx/x (No space left on device); free"

    def encode(self, texts):
        from conftest import fake_vector

        return np.stack([fake_vector(t) for t in texts])


def test_a_torch_fallback_is_warned_of_once_with_its_reason(small_engine, monkeypatch):
    """A full cache folder made every run export again and fall back to torch, ten times
    slower, with nothing said but "preparing the fast query encoder (one time...)"."""
    from evqa import encoder

    monkeypatch.setattr(encoder, "has_onnx", lambda info, cache: False)
    monkeypatch.setattr(encoder, "load_query_encoder", lambda info, cache: _SlowEncoder())
    told: list[str] = []
    engine = Engine.open(small_engine.root, warn=told.append, notice=lambda m: None)
    engine.search("wind farm", mode="dense")
    engine.search("solar boat", mode="dense")
    assert told == [
        "the fast query encoder cannot be used, so every run loads torch and is slower: "
        + _SlowEncoder.reason
    ]
    assert engine.standing_warnings == told  # so ask --json and search --json list it
    answer = engine.ask("wind farm")
    assert engine.answer_warnings(answer) == told == engine.search_warnings()


def test_an_unwritable_cache_is_warned_of_not_again_as_a_fallback(small_engine, monkeypatch):
    import os

    from evqa import encoder

    monkeypatch.setattr(encoder, "has_onnx", lambda info, cache: False)
    monkeypatch.setattr(encoder, "load_query_encoder", lambda info, cache: _SlowEncoder())
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as if read-only
    told: list[str] = []
    engine = Engine.open(small_engine.root, warn=told.append)
    engine.search("wind farm", mode="dense")
    assert len(told) == 1 and "is not writable" in told[0]
    assert engine.standing_warnings == told


def test_open_refuses_an_empty_index_path_and_unchecked_arguments(small_engine):
    with pytest.raises(InputError, match="index is empty"):
        Engine.open("")
    with pytest.raises(InputError, match="check_stale must be True or False"):
        Engine.open(small_engine.root, check_stale="no")
    with pytest.raises(InputError, match="progress must be a callable"):
        Engine.open(small_engine.root, progress=1)


def test_fusion_and_cache_dir_are_checked_when_set(small_engine):
    engine = Engine.open(small_engine.root)
    with pytest.raises(InputError, match="fusion must be an evqa.fusion.FusionSettings"):
        engine.fusion = None
    with pytest.raises(InputError, match="cache_dir must be the path of a cache folder"):
        engine.cache_dir = 1
    engine.cache_dir = str(small_engine.root.parent / "c")
    assert engine.cache_dir == small_engine.root.parent / "c"  # a str becomes a Path
    engine.fusion = replace(engine.fusion, rrf_k=10)
    assert engine.search("solar boat")  # still searches


def test_answer_warnings_check_the_dates_even_for_a_question_not_looked_up(small_engine):
    engine = Engine.open(small_engine.root)
    answer = engine.ask("what is it?")
    assert answer.reason is not None and engine.answer_warnings(answer, since="2020") == []
    with pytest.raises(InputError, match="since must be a date"):
        engine.answer_warnings(answer, since="bad")


def test_an_article_row_without_id_or_text_is_an_input_error():
    from evqa.types import Article

    with pytest.raises(InputError, match="'id' \\(str\\)"):
        Article.from_dict({"text": "x"})
    with pytest.raises(InputError, match="must be a dict"):
        Article.from_dict(["x"])
    row = Article(id="a", text="t", title="T").to_dict()
    assert Article.from_dict(row) == Article(id="a", text="t", title="T")


def test_only_the_bundled_models_cosines_are_checked_for_an_off_topic_question(
    small_engine, monkeypatch
):
    import evqa.answer
    from evqa.encoder.model import BUNDLED_SHA256

    seen = []
    real = evqa.answer.extract_answer

    def spy(*args, **kwargs):
        seen.append(kwargs["closeness"])
        return real(*args, **kwargs)

    monkeypatch.setattr(evqa.answer, "extract_answer", spy)
    small_engine.ask("How fast is the Helios boat?")  # the test model: its cosines differ
    model = dict(small_engine.manifest["model"], sha256=BUNDLED_SHA256)
    monkeypatch.setitem(small_engine.manifest, "model", model)
    small_engine.ask("How fast is the Helios boat?")
    assert seen == [False, True]


@pytest.mark.integration
def test_a_question_no_seed_article_is_about_is_not_read(engine):
    from evqa.answer.topic import OFF_TOPIC

    a = engine.ask("sourdough starter feeding schedule")
    assert a.abstained and a.reason == OFF_TOPIC and a.best_guess is None
    assert not engine.ask("energy density of Jinshi battery").abstained


@pytest.mark.integration
def test_a_question_naming_what_no_seed_article_mentions_says_which_name(engine):
    a = engine.ask("Who won the 2025 Tour de France?")
    assert a.abstained and a.best_guess is None and a.passages
    assert a.reason.startswith("no article mentions ") and "'France'" in a.reason
    assert "Nvidia" in engine.ask("What is Nvidia's market capitalisation?").reason
    a = engine.ask("Who is the chairman of Gotoin?")  # misspelt: still read
    assert a.reason is None or "mentions" not in a.reason


def test_a_local_index_s_terms_are_checked_for_unknown_names(small_engine, monkeypatch):
    import evqa.answer

    seen = []
    real = evqa.answer.extract_answer

    def spy(*args, **kwargs):
        seen.append(kwargs["vocabulary"])
        return real(*args, **kwargs)

    monkeypatch.setattr(evqa.answer, "extract_answer", spy)
    a = small_engine.ask("How fast is the Zorblax boat?")
    assert a.abstained and "'Zorblax'" in a.reason
    small_engine.ask("How fast is the Helios boat?")
    assert seen[0] is seen[1] and seen[0].terms is small_engine.data.bm25.vocab


def test_a_question_with_no_words_is_refused_as_an_empty_one_is(small_engine):
    """`???` was answered "not found" (exit 0) while an empty question was refused."""
    for question in ("???", "\U0001f50b\u26a1"):
        with pytest.raises(InputError, match="^the question has no words, only punctuation"):
            small_engine.ask(question)
    assert small_engine.ask("what is it?").reason is not None  # words: the reason says why not


def test_search_writes_an_abbreviated_title_out_as_the_articles_do(tmp_path, fake_model):
    """ "Alstom CFO" finds the passage that says "chief financial officer": BM25 has no
    "cfo" term to match."""
    from conftest import ARTICLES, write_corpus

    from evqa import build

    articles = {
        **ARTICLES,
        "delta": "Alstom Orders\n\nAlstom's chief executive said Alstom orders rose at Alstom.",
        "echo": "Results\n\nAlstom's chief financial officer, Ines Roy, kept the forecast.",
    }
    build.build(
        write_corpus(tmp_path / "c", articles), tmp_path / "idx", model=fake_model,
        settings=small_settings(), cache_dir=tmp_path,
    )  # fmt: skip
    engine = Engine.open(tmp_path / "idx", mode="bm25", k=1)
    assert engine.search("Alstom CFO")[0].doc_id == "echo"
    assert engine.search("Alstom chief")[0].doc_id == "delta"
    assert engine.search("Alstom trains")[0].doc_id == "charlie"
