from dataclasses import replace

import pytest
from answer_fakes import (
    FakeReader,
    FakeVerifier,
    hits_of,
    margin_calibration,
    verified_calibration,
)

from evqa.answer import CitationMismatchError, cite, extract_answer
from evqa.answer.topic import OFF_TOPIC
from evqa.chunking import split_sentences
from evqa.errors import ModelError
from evqa.types import Answer, Article, BestGuess, Hit, RetrieverScore, Span

BOAT = Article(
    "boat",
    "Solar boats\n\nThe Helios boat reached 42 km/h on Lake Geneva. "
    "Captain Mara Vent redesigned the hull twice.",
    title="Solar boats",
    date="2024-03-05",
)
CELL = Article(
    "cell",
    "Jinshi cells reach 350 Wh/kg, the makers say. The pack reaches 280 Wh/kg in tests.",
)
ARTICLES = {a.id: a for a in (BOAT, CELL)}


def _sentences(article: Article):
    return [(s, e) for s, e in split_sentences(article.text)]


SENTENCES = {a.id: _sentences(a) for a in ARTICLES.values()}


def _ask(reader, question="How fast was the boat?", threshold=None, arts=(BOAT, CELL)):
    return extract_answer(
        question, hits_of(list(arts)), ARTICLES, {}, SENTENCES,
        reader=reader, calibration=margin_calibration(0.5), threshold=threshold,
    )  # fmt: skip


def test_answers_with_the_sentence_the_highlight_and_a_verified_citation():
    a = _ask(FakeReader({"42 km/h": 3.0, "Mara Vent": 1.0}))
    assert not a.abstained and a.answer == "42 km/h"
    assert a.answer_sentence == "The Helios boat reached 42 km/h on Lake Geneva."
    assert a.answer_sentence[a.answer_start : a.answer_end] == "42 km/h"
    [c] = a.citations
    assert BOAT.text[c.start : c.end] == c.quote == a.answer_sentence
    assert (c.title, c.date, c.n) == ("Solar boats", "2024-03-05", 1)
    assert a.confidence == pytest.approx(1 / (1 + 2.718281828**-3.0), abs=1e-6)


def test_abstains_below_the_threshold_and_keeps_the_passages():
    a = _ask(FakeReader({"42 km/h": -1.0}))  # P = sigmoid(-1) = 0.27 < 0.5
    assert a.abstained and a.answer is None and a.citations == ()
    assert len(a.passages) == 2 and a.confidence == pytest.approx(0.2689, abs=1e-4)
    assert not _ask(FakeReader({"42 km/h": -1.0}), threshold=0.2).abstained  # a flag wins


def test_an_abstention_for_low_confidence_keeps_the_best_span_as_a_hint():
    a = _ask(FakeReader({"42 km/h": -1.0}))
    assert a.abstained and a.best_guess == BestGuess("42 km/h", "boat", "Solar boats")
    assert a.to_dict()["best_guess"]["answer"] == "42 km/h"
    assert _ask(FakeReader({})).best_guess is None  # no span: nothing to guess
    assert _ask(FakeReader({"42 km/h": 3.0})).best_guess is None  # answered


def test_abstains_when_the_reader_finds_nothing_or_there_are_no_hits():
    assert _ask(FakeReader({})).abstained
    a = extract_answer(
        "q", [], ARTICLES, {}, SENTENCES, reader=FakeReader({}),
        calibration=margin_calibration(),
    )  # fmt: skip
    assert a == Answer("q", None, None, 0.0, True)


def test_the_best_span_across_passages_wins():
    a = _ask(FakeReader({"42 km/h": 1.0, "350 Wh/kg": 4.0}))
    assert a.answer == "350 Wh/kg" and a.citations[0].doc_id == "cell"


def test_figures_side_by_side_from_two_sentences():
    a = _ask(FakeReader({"350 Wh/kg": 4.0, "280 Wh/kg": 3.9}), "energy density of Jinshi?")
    assert [f.answer for f in a.figures] == ["350 Wh/kg", "280 Wh/kg"]
    assert [c.quote for c in a.citations] == [
        "Jinshi cells reach 350 Wh/kg, the makers say.",
        "The pack reaches 280 Wh/kg in tests.",
    ]


def test_only_the_top_passages_are_read():
    reader = FakeReader({"42 km/h": 3.0})
    extract_answer(
        "q", hits_of([BOAT, CELL]), ARTICLES, {}, SENTENCES, reader=reader,
        calibration=margin_calibration(), passages=1,
    )  # fmt: skip
    assert len(reader.calls[0][1]) == 1


def test_citation_offsets_are_checked():
    hit: list[Hit] = []
    assert cite(1, BOAT, 13, 20, hit).quote == BOAT.text[13:20]
    with pytest.raises(CitationMismatchError, match=r"`evqa index build`"):
        cite(1, BOAT, 5, 5, hit)  # the advice names a command that exists


def test_a_citation_carries_its_article_s_source():
    wire = Article("j1", BOAT.text, title="Solar boats", source="wire")
    assert cite(1, wire, 13, 20, []).source == "wire"
    assert cite(1, wire, 13, 20, []).to_dict()["source"] == "wire"
    assert cite(1, BOAT, 13, 20, []).source is None


def _verified(reader, verifier, question="How fast was the boat?"):
    return extract_answer(
        question, hits_of([BOAT, CELL]), ARTICLES, {}, SENTENCES,
        reader=reader, calibration=verified_calibration(0.5), verifier=verifier,
    )  # fmt: skip


def test_the_verifier_reads_the_answer_in_its_sentence_and_sets_its_confidence():
    reader = FakeReader({"42 km/h": 3.0, "Mara Vent": 2.0, "350 Wh/kg": 1.0, "280 Wh/kg": 0.5})
    verifier = FakeVerifier({"42 km/h": 2.0, "Mara Vent": -1.0})
    a = _verified(reader, verifier)
    assert a.answer == "42 km/h"  # the ranker chooses; the verifier sets the confidence
    assert a.confidence == pytest.approx(0.8808, abs=1e-4)
    [(question, contexts)] = verifier.calls
    assert question == "How fast was the boat?"
    assert contexts == ("The Helios boat reached « 42 km/h » on Lake Geneva.",)


def test_the_verifier_can_make_it_abstain():
    a = _verified(FakeReader({"42 km/h": 3.0}), FakeVerifier({"42 km/h": -2.0}))
    assert a.abstained and a.best_guess.answer == "42 km/h"


def test_a_calibration_fitted_with_the_verifier_needs_it():
    with pytest.raises(ModelError, match="verifier"):
        _verified(FakeReader({"42 km/h": 3.0}), None)


def test_a_run_on_sentence_is_quoted_around_the_answer_only():
    # text without sentence punctuation is one "sentence": the quote is a window of it
    from evqa.answer.sentences import LIMIT

    text = " ".join(f"filler{i}" for i in range(3000)) + " the final order was 77 turbines"
    long = Article("long", text, title="Wind")
    a = extract_answer(
        "How many turbines?", hits_of([long]), {"long": long}, {},
        {"long": _sentences(long)},
        reader=FakeReader({"77 turbines": 3.0}), calibration=margin_calibration(0.5),
    )  # fmt: skip
    assert a.answer == "77 turbines" and len(a.answer_sentence) <= LIMIT
    assert a.answer_sentence.endswith("the final order was 77 turbines")
    [c] = a.citations
    assert text[c.start : c.end] == c.quote == a.answer_sentence


BUDGET = Article(
    "budget",
    "Parks get $9.8 million this year. The reserve stood at $52.3 million in June. "
    "The new pool cost $161 million in all. Results come on May 19. Polls closed on 12 May.",
)


def _ask_budget(reader, question="How much do parks get?"):
    return extract_answer(
        question, hits_of([BUDGET]), {"budget": BUDGET}, {}, {"budget": _sentences(BUDGET)},
        reader=reader, calibration=margin_calibration(0.5),
    )  # fmt: skip


def test_figures_are_whole_values_without_leading_words():
    a = _ask_budget(FakeReader({"$9.8 million": 4.0, "at $52.3 million": 3.9, "$161": 3.8}))
    assert a.answer == "$9.8 million"
    assert [f.answer for f in a.figures] == ["$9.8 million", "$52.3 million", "$161 million"]
    for f, c in zip(a.figures, a.citations, strict=True):
        assert f.answer in f.sentence == c.quote


def test_a_date_has_no_figures_beside_it():
    a = _ask_budget(FakeReader({"May 19": 4.0, "12 May": 3.9}), "When are the results?")
    assert a.answer == "May 19" and a.figures == ()


def test_a_best_guess_made_of_the_question_s_own_words_is_no_guess():
    q = "What is the capital of Australia?"
    assert _ask_budget(FakeReader({"Parks": -1.0}), q).best_guess.answer == "Parks"
    assert _ask_budget(FakeReader({"Parks": -1.0}), "Who runs the parks?").best_guess is None
    a = _ask_budget(FakeReader({"The reserve": -1.0}), "What is the reserve?")
    assert a.abstained and a.best_guess is None and a.passages


def _scored(hits: list[Hit], cosines: list[float]) -> list[Hit]:
    return [
        replace(h, explain={"dense": RetrieverScore(h.rank, c, 1.0)})
        for h, c in zip(hits, cosines, strict=True)
    ]


def _off_topic_ask(reader, cosines, bound=0.3, **kwargs):
    calibration = replace(margin_calibration(0.5), min_closeness=bound)
    hits = _scored(hits_of([BOAT, CELL]), cosines)
    return extract_answer(
        "How fast was the boat?", hits, ARTICLES, {}, SENTENCES,
        reader=reader, calibration=calibration, **kwargs,
    )  # fmt: skip


def test_a_question_far_from_every_passage_is_not_read_and_says_why():
    reader = FakeReader({"42 km/h": 9.0})
    a = _off_topic_ask(reader, [0.2, 0.1])
    assert a.abstained and a.answer is None and a.confidence == 0.0
    assert a.reason == OFF_TOPIC and a.best_guess is None
    assert [h.doc_id for h in a.passages] == ["boat", "cell"]  # still listed
    assert reader.calls == []


def test_one_close_passage_is_enough_and_another_models_cosines_are_not_compared():
    reader = FakeReader({"42 km/h": 9.0})
    assert _off_topic_ask(reader, [0.2, 0.45]).answer == "42 km/h"
    assert _off_topic_ask(reader, [0.2, 0.1], bound=None).answer == "42 km/h"
    assert _off_topic_ask(reader, [0.2, 0.1], closeness=False).answer == "42 km/h"


def test_only_the_passages_read_count_for_closeness():
    reader = FakeReader({"42 km/h": 9.0})
    a = _off_topic_ask(reader, [0.2, 0.9], passages=1)  # the close one is not read
    assert a.reason == OFF_TOPIC


def test_the_answer_is_made_whole_a_year_with_its_qualifier_a_number_with_its_unit():
    when = Article("when", "Output starts in the first quarter of 2027 at 40,000 tonnes a year.")

    def ask(question: str, span: str) -> Answer:
        return extract_answer(
            question, hits_of([when]), {"when": when}, {}, {"when": _sentences(when)},
            reader=FakeReader({span: 4.0}), calibration=margin_calibration(0.5),
        )  # fmt: skip

    a = ask("When does output start?", "2027")
    assert a.answer == "first quarter of 2027"
    assert a.answer_sentence[a.answer_start : a.answer_end] == a.answer
    assert when.text[a.citations[0].start : a.citations[0].end] == a.answer_sentence
    assert ask("In what year does output start?", "2027").answer == "2027"
    a = ask("annual output", "40,000")
    assert a.answer == "40,000 tonnes" == a.answer_sentence[a.answer_start : a.answer_end]
    assert ask("How many tonnes a year?", "40,000").answer == "40,000"
    assert ask("annual output", "at 40,000").answer == "40,000 tonnes"


def test_an_answer_that_cuts_a_name_the_index_found_takes_the_whole_name():
    who = Article("who", "The plant is run by Mathilde Royer, who joined in 2024.")
    name = who.text.index("Mathilde")
    person = Span(name, name + len("Mathilde Royer"), "PERSON", "Mathilde Royer")

    def ask(spans) -> Answer:
        return extract_answer(
            "Who runs the plant?", hits_of([who]), {"who": who}, spans,
            {"who": _sentences(who)}, reader=FakeReader({"Royer": 4.0}),
            calibration=margin_calibration(0.5),
        )  # fmt: skip

    a = ask({"who": [person]})
    assert a.answer == "Mathilde Royer" == a.answer_sentence[a.answer_start : a.answer_end]
    assert ask({}).answer == "Royer"  # an index built without entities: as read


def test_a_question_naming_what_no_article_mentions_is_not_read():
    reader = FakeReader({"42 km/h": 3.0})
    ask = _asking_with_vocabulary(reader)
    a = ask("How fast was the Zorblax boat?")
    assert a.abstained and a.reason.startswith("no article mentions 'Zorblax'")
    assert len(a.passages) == 2 and a.best_guess is None and reader.calls == []
    assert ask("How fast was the Helios boat?").answer == "42 km/h"


def test_an_abbreviated_title_is_read_written_out_and_the_answer_keeps_the_question():
    """ "Boat CTO" is read as "Boat chief technology officer": the articles write titles out,
    and the reader rarely saw an abbreviated one."""
    reader = FakeReader({"Mara Vent": 2.0, "42 km/h": 3.0})
    verifier = FakeVerifier({"Mara Vent": 2.0})
    a = extract_answer(
        "Who is the Helios boat CTO?", hits_of([BOAT, CELL]), ARTICLES, {}, SENTENCES,
        reader=reader, calibration=verified_calibration(0.5), verifier=verifier,
    )  # fmt: skip
    assert reader.calls[0][0] == "Who is the Helios boat chief technology officer?"
    assert verifier.calls[0][0] == "Who is the Helios boat chief technology officer?"
    assert a.question == "Who is the Helios boat CTO?"


def test_a_keyword_query_about_a_role_is_read_as_a_question():
    """ "Helios boat captain" is no role query ("captain" is not a job title here), but
    "Helios boat CTO" is: read as "Who is Helios boat chief technology officer?". Its names
    are checked as asked: a capitalised first word ("Plant manager") names nothing."""
    reader = FakeReader({"Mara Vent": 2.0})
    ask = _asking_with_vocabulary(reader)
    a = ask("Helios boat CTO")
    assert reader.calls[-1][0] == "Who is Helios boat chief technology officer?"
    assert a.question == "Helios boat CTO" and a.answer == "Mara Vent"
    assert ask("Helios boat captain").question == reader.calls[-1][0] == "Helios boat captain"
    assert ask("Zorblax CTO").reason is None  # as "Zorblax boat" would be
    assert reader.calls[-1][0] == "Who is Zorblax chief technology officer?"
    assert ask("Helios Zorblax CTO").reason.startswith("no article mentions 'Zorblax'")


def _asking_with_vocabulary(reader):
    """``ask(question)`` over BOAT and CELL, with their words as the index's vocabulary."""
    from evqa.answer.names import Vocabulary
    from evqa.tokenize import tokenize

    vocabulary = Vocabulary({t: 0 for t in tokenize(BOAT.text + CELL.text, index_form=True)})

    def ask(question: str) -> Answer:
        return extract_answer(
            question, hits_of([BOAT, CELL]), ARTICLES, {}, SENTENCES,
            reader=reader, calibration=margin_calibration(0.5), vocabulary=vocabulary,
        )  # fmt: skip

    return ask


def test_the_reader_reads_with_the_index_sentences_of_each_passage():
    from evqa.reader.decode import passage_starts

    reader = FakeReader({"42 km/h": 3.0})
    _ask(reader)
    hits = hits_of([BOAT, CELL])
    assert reader.starts == [
        passage_starts(h.chunk.text, h.chunk.start, SENTENCES[h.doc_id]) for h in hits
    ]
    assert reader.starts[1] == [CELL.text.index("The pack")]
