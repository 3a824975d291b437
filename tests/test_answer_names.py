import pytest

from evqa.answer.names import Vocabulary, unknown_names, unknown_reason
from evqa.tokenize import tokenize

TEXT = (
    "Genghis Khan united the Mongol tribes. Halvorsen Energi's chief executive, Tor "
    "Engebretsen, spoke in Kecskemét. The European Union backed the Kvalnes plant."
)
VOCABULARY = Vocabulary({t: i for i, t in enumerate(tokenize(TEXT, index_form=True))})


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("Who is the chief executive of Meridex Shipping?", ["Meridex", "Shipping"]),
        ("What is Nvidia's market value?", ["Nvidia"]),
        ("What did Edward Snowden say about Halvorsen?", ["Edward", "Snowden"]),
        ("Who runs Mwh Partners?", ["Mwh", "Partners"]),  # no unit's symbol as written
    ],
)
def test_a_name_no_article_mentions_is_unknown(question, unknown):
    assert unknown_names(question, VOCABULARY) == unknown


@pytest.mark.parametrize(
    "question",
    [
        "Who is the chief executive of Halvorsen Energi?",
        "Where did Engebretsen speak?",
        "What did Ghengis Khan unite?",  # two letters off "Genghis"
        "Who leads Halvorson?",  # one letter off
        "Why did the EU back the plant? Who is the CEO?",  # acronyms
        "What happened in Kecskemet?",  # written without its accent
        "What happened in KECSKEMÉT?",
        "Meridex CEO",  # the first word is capitalised anyway: not taken for a name
        "What Did The Mongol Tribes Do?",  # title case: no names to tell
        "What Did The Company Announce?",
        "Did Halvorsen's chief executive Do it?",  # function words are no names
        "How many plants has the European Union backed?",
        # units' symbols, which an article may write out ("7 gigawatt-hours")
        "Which developer signed up for 7 GWh of Halvorsen batteries?",
        "Is the Kvalnes plant 40 MW or 2 TWh, at 132 kV, 50 Hz?",
    ],
)
def test_known_names_misspellings_acronyms_and_first_words_are_not_unknown(question):
    assert unknown_names(question, VOCABULARY) == []


def test_a_short_stem_may_be_one_letter_off_a_long_one_two():
    vocabulary = Vocabulary({"orin": 0, "engebretsen": 1})
    assert vocabulary.knows("orrin")  # one edit
    assert not vocabulary.knows("oxrrn")  # two edits, and short
    assert vocabulary.knows("engebretsan")
    assert vocabulary.knows("engbretsan")  # two edits, and long
    assert not vocabulary.knows("angbretsan")  # another first letter: not looked at


def test_the_reason_names_the_unknown_names():
    assert unknown_reason(["Meridex"]).startswith("no article mentions 'Meridex'; ")
    assert "'Snowden' or 'Bitcoin'" in unknown_reason(["Snowden", "Bitcoin"])


def test_with_the_texts_a_misspelling_is_near_a_capitalised_word_of_them_only():
    text = "The voltage of the Gotion cell held. Kestrel shares rose."
    vocabulary = Vocabulary({t: 0 for t in tokenize(text, index_form=True)})
    question = "How much did Voltrane raise?"
    assert unknown_names(question, vocabulary, [text]) == ["Voltrane"]  # "voltage": lowercase
    assert unknown_names(question, vocabulary) == []  # without texts: 2 edits off "voltag"
    assert unknown_names("Who leads Gotoin?", vocabulary, [text]) == []  # "Gotion"
    assert unknown_names("Who leads Kestrol?", vocabulary, [text]) == []  # "Kestrel"
    assert unknown_names("Who leads Kestrol?", vocabulary, ["Gotion"]) == ["Kestrol"]


def test_the_texts_are_read_once_and_only_when_a_name_is_not_a_term():
    reads = []

    def texts():
        reads.append(1)
        yield "Genghis Khan"

    vocabulary = Vocabulary({t: 0 for t in tokenize("Genghis Khan", index_form=True)})
    assert unknown_names("What did Genghis Khan do?", vocabulary, texts()) == []
    assert reads == []
    assert unknown_names("What did Ghengis do with Khen?", vocabulary, texts()) == []
    assert reads == [1]
