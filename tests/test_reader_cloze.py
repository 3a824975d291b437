"""evqa.reader.cloze: blanked-span questions from unlabelled text (synthetic documents)."""

import random

import pytest

from evqa.reader.cloze import Document, blank, cloze_examples, question_word, terms

BOATS = Document(
    "Boats",
    (
        "The solar boat Helios was built in Kiel. Mara Vent sailed Helios across the lake in 1998.",
        "The lake froze that winter. Helios stayed in its shed near the harbour.",
        "The harbour council met twice a year to discuss the new pier.",
    ),
)


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("1998", "when"),
        ("2021", "when"),
        ("3,000", "how many"),
        ("4.5", "how many"),
        ("Helios", "what"),
        ("Mara Vent", "what"),
    ],
)
def test_question_word_fits_the_term(term, word):
    assert question_word(term) == word


def test_terms_finds_names_and_numbers_but_not_a_sentence_opening_capital():
    text = "The boat Helios reached 42 knots. Mara Vent steered it in 1998. Ask Mara Vent."
    found = [text[a:b] for a, b in terms(text)]
    # a capital that opens a sentence says nothing: not "The", nor "Mara Vent" or
    # "Ask Mara Vent" there
    assert found == ["Helios", "42", "1998"]


def test_terms_keeps_the_name_after_an_opening_function_word_or_of():
    text = "Levels of IL-6 rose. In Kiel rates fell. Bank of England rates fell."
    assert [text[a:b] for a, b in terms(text)] == ["IL-6", "Kiel", "England"]


def test_terms_keeps_a_numbers_own_commas_but_not_a_trailing_one():
    text = "It cost 3,000 dollars in 1979, then more."
    assert [text[a:b] for a, b in terms(text)] == ["3,000", "1979"]


def test_blank_puts_the_question_word_in_place_and_makes_a_question():
    sentence = "Mara Vent sailed Helios across the lake in 1998."
    start = sentence.index("1998")
    assert blank(sentence, start, start + 4) == "Mara Vent sailed Helios across the lake in when?"


def test_blank_cuts_a_long_sentence_around_the_term():
    words = [f"w{i}" for i in range(60)]
    sentence = " ".join(words[:30] + ["Helios"] + words[30:])
    start = sentence.index("Helios")
    question = blank(sentence, start, start + len("Helios")).rstrip("?").split()
    assert len(question) == 24 and "what" in question
    assert question[0] == "w19" and question[-1] == "w41"  # as many words on each side


def test_cloze_examples_answer_from_another_paragraph_that_names_the_term():
    out = cloze_examples([BOATS], 50, random.Random(0), unanswerable=0.0)
    # Helios is the one term named in two places (Kiel and 1998 are named once; "Helios
    # stayed" opens its sentence), so its two mentions in the first paragraph are the
    # questions, each read with the second paragraph
    assert sorted(e.question for e in out) == [
        "Mara Vent sailed what across the lake in 1998?",
        "The solar boat what was built in Kiel?",
    ]
    assert {e.answers for e in out} == {("Helios",)}
    assert {e.context for e in out} == {BOATS.paragraphs[1]}
    for e in out:
        assert e.context[e.answer_start : e.answer_start + len("Helios")] == "Helios"
        assert e.question.replace("what", "Helios").rstrip("?") not in e.context


def test_cloze_examples_make_unanswerable_pairs_from_paragraphs_lacking_the_term():
    out = cloze_examples([BOATS], 50, random.Random(0), unanswerable=1.0)
    assert out and all(not e.answers and e.answer_start is None for e in out)
    assert all("Helios" not in e.context for e in out)


def test_cloze_examples_read_a_single_paragraph_without_the_question_sentence():
    abstract = Document(
        "abstract",
        ("Levels of IL-6 rose after surgery. Patients given aspirin had lower IL-6 at day 3.",),
    )
    out = cloze_examples([abstract], 10, random.Random(0))
    assert len(out) == 2  # IL-6 in each sentence; "3" and "Levels"/"Patients" do not recur
    for e in out:
        assert e.answers == ("IL-6",)
        assert e.context.count("IL-6") == 1  # the blanked sentence was taken out


def test_cloze_examples_leave_out_terms_most_documents_name():
    docs = [Document(f"d{i}", (f"Kiel lies north. Ship {i} docked at Kiel.",)) for i in range(10)]
    assert cloze_examples(docs, 100, random.Random(0), too_common=0.5) == []
    assert len(cloze_examples(docs, 100, random.Random(0), too_common=1.0)) == 10


def test_cloze_examples_are_reproducible_and_capped():
    a = cloze_examples([BOATS], 1, random.Random(5))
    b = cloze_examples([BOATS], 1, random.Random(5))
    assert a == b and len(a) == 1


def test_terms_reads_a_name_split_over_a_line_break():
    text = "In\nKiel the boat was built."
    assert [text[a:b] for a, b in terms(text)] == ["Kiel"]


def test_cloze_examples_keep_a_repeated_sentence_once_when_reading_its_own_paragraph():
    repeated = Document("echo", ("The boat came from Kiel. The boat came from Kiel.",))
    out = cloze_examples([repeated], 10, random.Random(0))
    assert len(out) == 2
    for e in out:
        assert e.context == "The boat came from Kiel."
        assert e.context[e.answer_start :].startswith("Kiel")
