import numpy as np
import pytest
from answer_fakes import FakeReader, hits_of

from evqa.answer.candidates import read_candidates, trim
from evqa.answer.features import FEATURES, feature_matrix
from evqa.types import Article, Chunk, Hit, Span

TEXT = "Intro line. The boat reached 42 km/h in 2024. Captain Mara Vent steered it."


def test_candidates_are_in_article_offsets():
    art = Article("a", TEXT)
    chunk = Chunk("a#1", "a", 12, len(TEXT), TEXT[12:])
    hit = Hit(1, 1.0, chunk)
    [c] = read_candidates(FakeReader({"42 km/h": 3.0}, null=1.0), "how fast?", [hit])
    assert art.text[c.start : c.end] == "42 km/h" == c.text
    assert (c.score, c.null, c.rank, c.retrieval) == (3.0, 1.0, 1, 1.0)


def test_a_span_in_two_overlapping_chunks_counts_once_with_its_best_score():
    first = Hit(1, 1.0, Chunk("a#0", "a", 0, 46, TEXT[:46]))
    second = Hit(2, 0.5, Chunk("a#1", "a", 12, len(TEXT), TEXT[12:]))

    class TwoScores(FakeReader):
        def read(self, question, passages, top=5, starts=None):
            reads = super().read(question, passages, top, starts)
            return [
                reads[0],
                type(reads[1])(
                    tuple(type(g)(g.start, g.end, g.text, 5.0, g.null) for g in reads[1].spans), 0.0
                ),
            ]

    cands = read_candidates(TwoScores({"42 km/h": 1.0}), "q", [first, second])
    assert len(cands) == 1 and cands[0].score == 5.0 and cands[0].rank == 2
    assert cands[0].retrieval == 0.5


def test_no_hits_no_reading():
    reader = FakeReader({"x": 1.0})
    assert read_candidates(reader, "q", []) == []
    assert reader.calls == []


def test_feature_matrix_columns():
    a, b = Article("a", TEXT), Article("b", "Nothing here about 7 boats.")
    reader = FakeReader({"42 km/h": 4.0, "Mara Vent": 2.0, "7 boats": 1.0}, null=1.0)
    cands = read_candidates(reader, "How fast was the boat?", hits_of([a, b]))
    x = feature_matrix("How fast was the boat?", cands, {"a": [Span(29, 36, "QUANTITY", "")]})
    col = {f: i for i, f in enumerate(FEATURES)}
    by = {c.text: row for c, row in zip(cands, x, strict=True)}
    assert by["42 km/h"][col["margin"]] == 3.0
    assert by["42 km/h"][col["gap"]] == 0.0 and by["Mara Vent"][col["gap"]] == -2.0
    assert np.all(x[:, col["best_margin"]] == 3.0)
    assert by["7 boats"][col["inv_rank"]] == 0.5
    assert by["42 km/h"][col["kind_fit"]] == 1.0 and by["Mara Vent"][col["kind_fit"]] == -1.0
    assert feature_matrix("q", [], {}).shape == (0, len(FEATURES))


def test_question_words_and_names_the_passage_lacks():
    a = Article("a", "Captain Mara Vent steered the Helios boat.")
    b = Article("b", "The chairman of Nio is William Li.")
    reader = FakeReader({"Mara Vent": 1.0, "William Li": 1.0})
    q = "Who steered the Helios boat?"
    cands = read_candidates(reader, q, hits_of([a, b]))
    x = feature_matrix(q, cands, {})
    col = {f: i for i, f in enumerate(FEATURES)}
    by = {c.text: row for c, row in zip(cands, x, strict=True)}
    assert by["Mara Vent"][col["coverage"]] == 1.0
    assert by["William Li"][col["coverage"]] == 0.0
    assert by["Mara Vent"][col["names_missing"]] == 0.0
    assert by["William Li"][col["names_missing"]] == 1.0  # "Helios"


@pytest.mark.parametrize(
    ("span", "kept"),
    [
        ("Jinshi Battery”", "Jinshi Battery"),
        ("“Jinshi Battery”", "“Jinshi Battery”"),
        ("“Jinshi", "Jinshi"),
        ('"Blade" battery', '"Blade" battery'),
        ('Blade"', "Blade"),
        (" 2017, ", "2017"),
        ("Sun Huibin,", "Sun Huibin"),
        ("(CATL)", "(CATL)"),
        ("CATL)", "CATL"),
        ("Nio (", "Nio"),
        ("”, 42 km/h;", "42 km/h"),
        ("U.S.", "U.S."),
        (",;”", ""),
        ("Tobias Wren.", "Tobias Wren"),
        ("Tobias Wren.”", "Tobias Wren"),
        ("at 10 p.m.", "at 10 p.m."),
        ("George W.", "George W."),
        ("Rivian Automotive Inc.", "Rivian Automotive Inc."),
        ("Martin Luther King Jr.", "Martin Luther King Jr."),
        ("the Model 3.", "the Model 3"),
        ("in gear 5.", "in gear 5"),
        ("grew 2.5.", "grew 2.5"),
        ("$3.5.", "$3.5"),
        ("Amazon.com.", "Amazon.com"),
        ("at 5 p.m.", "at 5 p.m."),
        (".", "."),
        ("1] 45 million dollars", "45 million dollars"),  # the tail of "[1]"
        ("Lisa Simpson [2", "Lisa Simpson"),
        ("[1] 45 million", "[1] 45 million"),
        ("(see) 45", "(see) 45"),
        ("90 million dollars 💰", "90 million dollars"),
        ("⚡ 350 Wh/kg", "350 Wh/kg"),
        ("— 45% —", "45%"),  # a table row's dash
        ("842 pounds (382 kg", "842 pounds (382 kg"),  # an answer in a bracket left open
        ("2021 — 45%", "2021 — 45%"),
        ("85°C", "85°C"),
    ],
)
def test_trim_drops_edge_separators_and_unpaired_quotes(span, kept):
    i, j = trim(span)
    assert span[i:j] == kept


def test_candidates_are_trimmed_in_article_offsets_and_merged():
    text = "It is called the “Jinshi Battery” by Gotion."
    art = Article("a", text)
    hit = Hit(1, 1.0, Chunk("a#0", "a", 0, len(text), text))
    reader = FakeReader({"Jinshi Battery”": 2.0, "Jinshi Battery": 3.0, "”": 1.0})
    [c] = read_candidates(reader, "what is it called?", [hit])
    assert c.text == "Jinshi Battery" == art.text[c.start : c.end]
    assert c.score == 3.0


@pytest.mark.parametrize(
    ("text", "span", "kept"),
    [
        ("Shares of Halvora N.V. rose.", "Halvora N.V", "Halvora N.V."),
        (
            "It blamed Pacific Gas & Electric Co. for it.",
            "Pacific Gas & Electric Co",
            "Pacific Gas & Electric Co.",
        ),
        ("said Lt. Col. Ana Ruiz", "Lt. Col", "Lt. Col."),
        ("It was built in the U.K. last year.", "the U.K", "the U.K."),
        ("The plan was drawn up by Tobias Wren. He left.", "Tobias Wren", "Tobias Wren"),
        ("They chose Plan B. It worked.", "Plan B", "Plan B"),  # one letter: maybe a sentence end
        ("Say yes or no. Then go.", "yes or no", "yes or no"),  # "no" is not "No."
        ("The price was fixed at 5 Co, not 6.", "5 Co", "5 Co"),  # no stop after it
    ],
)
def test_a_span_takes_the_full_stop_of_its_closing_abbreviation(text, span, kept):
    art = Article("a", text)
    hit = Hit(1, 1.0, Chunk("a#0", "a", 0, len(text), text))
    [c] = read_candidates(FakeReader({span: 2.0}), "q", [hit])
    assert c.text == kept == art.text[c.start : c.end]


def test_the_reader_gets_each_passages_sentence_starts_from_the_index():
    from evqa.chunking import split_sentences
    from evqa.reader.decode import sentence_starts

    chunk = Chunk("a#1", "a", 12, len(TEXT), TEXT[12:])
    hit = Hit(1, 1.0, chunk)
    reader = FakeReader({"42 km/h": 1.0})
    read_candidates(reader, "q", [hit], sentences={"a": split_sentences(TEXT)})
    assert reader.starts == [[TEXT.index("Captain") - 12]] == [sentence_starts(chunk.text)]
    # the index's sentences are used, not a split: one stored sentence, no start inside
    read_candidates(reader, "q", [hit], sentences={"a": [(0, 11), (12, len(TEXT))]})
    assert reader.starts == [[]]
    # an article the index has no sentences of: the passage is split
    read_candidates(reader, "q", [hit], sentences={})
    assert reader.starts == [sentence_starts(chunk.text)]
    read_candidates(reader, "q", [hit])  # no sentences given: none passed
    assert reader.starts is None
