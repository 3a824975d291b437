from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evqa.tokenize import STOPWORDS, cjk_pairs, fold, query_tokens, tokenize


def test_casefolds_stems_and_drops_stopwords():
    assert tokenize("The Batteries of CATL are charging") == ["batteri", "catl", "charg"]


def test_same_stem_for_inflections():
    assert tokenize("battery") == tokenize("batteries") == tokenize("BATTERY")


def test_numbers_are_kept_whole():
    assert tokenize("350 Wh/kg") == ["350", "wh", "kg"]
    assert tokenize("2,000 cycles at 3.5 C") == ["2000", "cycl", "3.5", "c"]
    assert tokenize("1,000,000.5") == ["1000000.5"]


def test_trailing_punctuation_is_not_part_of_a_number():
    assert tokenize("It costs 2,000.") == ["cost", "2000"]


def test_possessive_is_dropped():
    assert tokenize("CATL's cells") == tokenize("CATL’s cells") == ["catl", "cell"]


def test_other_scripts_and_accents():
    assert tokenize("Straße résumé 北京") == ["strass", "résumé", "北京"]


def test_fold_drops_latin_accents_only():
    assert fold("résumé") == "resume"
    assert fold("zoë") == "zoe" and fold("søren") == "soren" and fold("łódź") == "lodz"
    assert fold("ǆ") == "ǆ" and fold("straße") == "straße"  # no mark to drop
    assert fold("й") == "й"  # a Cyrillic letter with a breve is another letter
    assert fold("हिंदी") == "हिंदी"  # other scripts' marks belong to their words
    assert fold("battery") == "battery"


def test_documents_are_tokenized_with_accents_folded():
    assert tokenize("Café Zoë", index_form=True) == tokenize("cafe zoe")
    assert tokenize("Café Zoë") == ["café", "zoë"]  # unless asked


def test_chinese_and_japanese_runs_are_indexed_as_overlapping_pairs():
    assert cjk_pairs("北京大学") == ["北京", "京大", "大学"]
    assert cjk_pairs("ev电池组s") == ["ev", "电池", "池组", "s"]
    assert cjk_pairs("中") == ["中"] and cjk_pairs("한국어") == ["한국어"]  # Korean has spaces
    assert tokenize("北京大学 battery", index_form=True) == ["北京", "京大", "大学", "batteri"]
    assert tokenize("北京大学") == ["北京大学"]  # unless asked


def test_a_word_folding_to_a_stopword_is_still_a_word():
    assert tokenize("thé à la carte", index_form=True) == ["the", "a", "la", "cart"]
    assert query_tokens("thé") == ["the", "thé"]  # an index built before folding has "thé"


def test_a_query_searches_each_word_folded_and_as_written():
    assert query_tokens("Café batteries") == ["cafe", "café", "batteri"]
    assert query_tokens("cafe batteries") == ["cafe", "batteri"]
    assert query_tokens("the À") == ["a", "à"]
    assert query_tokens("北京大学") == ["北京", "京大", "大学", "北京大学"]


def test_compatibility_forms_are_normalised():
    assert tokenize("ﬁne") == tokenize("fine")


def test_options_turn_off_stemming_and_stopwords():
    assert tokenize("the batteries", stem=False, stopwords=None) == ["the", "batteries"]


def test_stopwords_are_lowercase_single_words():
    assert all(w == w.casefold() and w.isalpha() for w in STOPWORDS)
    assert {"the", "of", "and"} <= STOPWORDS


def test_empty_and_punctuation_only():
    assert tokenize("") == []
    assert tokenize(" ,.;!? — ") == []


@given(st.text())
def test_never_raises_and_returns_nonempty_strings(text):
    tokens = tokenize(text)
    assert all(isinstance(t, str) and t for t in tokens)


@given(st.text())
def test_every_folded_document_token_is_among_the_query_tokens(text):
    assert set(tokenize(text, index_form=True)) <= set(query_tokens(text))


@given(st.text())
def test_deterministic(text):
    assert tokenize(text) == tokenize(text)
