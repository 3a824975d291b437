"""evqa.question_text: a question's text normalised and checked for emptiness and length."""

from __future__ import annotations

import pytest

from evqa import config
from evqa.errors import InputError
from evqa.question_text import EXAMPLES, clean_question


def test_clean_question_strips_control_and_zero_width_characters():
    assert clean_question("  energy\u200b density\x07 of\tJinshi\n ") == "energy density of Jinshi"
    assert clean_question("ｅｎｅｒｇｙ") == "energy"  # NFKC
    assert clean_question("风电 🔋") == "风电 🔋"


@pytest.mark.parametrize("bad", ["", " ", "\u200b", "\x00\x1b", "\ufeff"])
def test_clean_question_refuses_empty(bad):
    with pytest.raises(InputError, match="empty"):
        clean_question(bad)


def test_clean_question_refuses_oversized():
    with pytest.raises(InputError, match="limit"):
        clean_question("a" * (config.MAX_QUESTION_CHARS + 1))
    with pytest.raises(InputError, match="limit"):
        clean_question("x" * 100_000)


@pytest.mark.parametrize("what", ["question", "query"])
def test_the_empty_question_example_assumes_no_articles(what):
    with pytest.raises(InputError, match=r"empty; .*e\.g\. \"") as e:
        clean_question("", what)
    for seeds_word in ("Jinshi", "battery", "sodium", "Nio", "Yiwei"):
        assert seeds_word not in str(e.value)


@pytest.mark.parametrize("text", ["", " ", "???"])
@pytest.mark.parametrize("what", ["question", "query"])
def test_the_example_names_no_command_as_the_caller_may_be_python_or_http(text, what):
    """The page and POST /ask showed 'e.g. evqa ask "..."' to people who had no CLI."""
    with pytest.raises(InputError) as e:
        clean_question(text, what)
    message = str(e.value)
    assert message.endswith(f"e.g. {EXAMPLES[what]}"), message
    assert "evqa" not in message and "--" not in message
    assert message in (
        'the question is empty; ask something, e.g. "When did the plant open?"',
        'the question has no words, only punctuation or symbols; ask something, e.g. "When '
        'did the plant open?"',
        'the query is empty; search for something, e.g. "plant opening"',
        "the query has no words, only punctuation or symbols; search for something, e.g. "
        '"plant opening"',
    )


def test_a_caller_may_give_its_own_example():
    """The CLI names its command line: `evqa ask "When did the plant open?"`."""
    example = f"evqa ask {EXAMPLES['question']}"
    with pytest.raises(InputError, match="^the question is empty; ask something, e.g. evqa ask"):
        clean_question(" ", example=example)
    assert clean_question("Who?", example=example) == "Who?"


@pytest.mark.parametrize(
    "text", ["???", "?!", "(-_-)", "\U0001f50b\u26a1", "\u2014 \u2026 \u2014", "\u200b?\u200b"]
)
@pytest.mark.parametrize("what", ["question", "query"])
def test_text_with_no_letter_or_digit_is_refused_as_an_empty_one_is(text, what):
    with pytest.raises(InputError, match=f"^the {what} has no words, only punctuation or symb"):
        clean_question(text, what)


@pytest.mark.parametrize(
    ("question", "cleaned"),
    [
        ("what is it?", "what is it?"),  # function words: Engine.ask says why not
        ("x?", "x?"),
        ("42?", "42?"),
        (" \u98ce\u7535\u573a ", "\u98ce\u7535\u573a"),
        ("Who\u200b built\tit?", "Who built it?"),
    ],
)
def test_a_question_with_words_is_returned_cleaned(question, cleaned):
    assert clean_question(question) == cleaned
