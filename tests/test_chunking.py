from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evqa.chunking import MAX_OVERLAP, chunk_article, split_sentences
from evqa.corpus import read_corpus
from evqa.errors import InputError
from evqa.types import Article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_and_decimals_do_not_split() -> None:
    text = (
        "Costs are 1.5-2 billion yuan (205-273 million USD) per GWh. "
        "BAIC BluePark New Energy Technology Co.,Ltd., the parent, said so. "
        "The ban was passed by the U.S. Congress in 2023. It rose 3.2% vs. peers!"
    )
    assert sentences(text) == [
        "Costs are 1.5-2 billion yuan (205-273 million USD) per GWh.",
        "BAIC BluePark New Energy Technology Co.,Ltd., the parent, said so.",
        "The ban was passed by the U.S. Congress in 2023.",
        "It rose 3.2% vs. peers!",
    ]


def test_lines_and_paragraphs_are_sentence_breaks() -> None:
    text = (
        "The Jinshi Battery: Eight Years in the Making\nBorn from research. It works.\n\nNext para"
    )
    assert sentences(text) == [
        "The Jinshi Battery: Eight Years in the Making",
        "Born from research.",
        "It works.",
        "Next para",
    ]


def test_hard_wrapped_lines_are_joined() -> None:
    text = "The company said on Monday that it\nwould build a plant. Then it\nstopped."
    assert sentences(text) == [
        "The company said on Monday that it\nwould build a plant.",
        "Then it\nstopped.",
    ]


def test_only_the_last_line_of_a_joined_block_decides_whether_the_next_joins_it() -> None:
    # the block's last line is read, not the whole block again for every line joined to it
    # (quadratic: 5.1 s for 16,000 lines of "word"; now 0.006 s)
    text = "Rates rose.\nand\nthen fell:\nslowly"
    assert sentences(text) == ["Rates rose.", "and\nthen fell:", "slowly"]
    text = "Start\n" + "word\n" * 500
    assert sentences(text) == [text.strip()]


def test_offsets_are_trimmed() -> None:
    text = "  First one.   Second one.  \n\n  "
    assert split_sentences(text) == [(2, 12), (15, 26)]
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []


def _article(text: str) -> Article:
    return Article(id="doc", text=text)


def test_chunks_pack_whole_sentences() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(10))  # 26-27 chars each
    chunks = chunk_article(_article(text), size=60, overlap=0)
    assert [c.text for c in chunks[:2]] == [
        "Sentence number 0 is here. Sentence number 1 is here.",
        "Sentence number 2 is here. Sentence number 3 is here.",
    ]
    assert [c.id for c in chunks] == [f"doc#{i}" for i in range(5)]
    assert all(c.doc_id == "doc" and text[c.start : c.end] == c.text for c in chunks)


def test_overlap_carries_sentences() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(6))
    chunks = chunk_article(_article(text), size=90, overlap=1)
    assert [c.text for c in chunks] == [
        "Sentence number 0 is here. Sentence number 1 is here. Sentence number 2 is here.",
        "Sentence number 2 is here. Sentence number 3 is here. Sentence number 4 is here.",
        "Sentence number 4 is here. Sentence number 5 is here.",
    ]
    two = chunk_article(_article(text), size=90, overlap=2)
    assert two[1].text.startswith("Sentence number 1 is here.")


def test_overlap_never_repeats_a_whole_chunk() -> None:
    text = " ".join(["A fairly long sentence that fills most of a chunk on its own."] * 4)
    chunks = chunk_article(_article(text), size=70, overlap=3)
    assert len(chunks) == 4
    assert all(
        a.end < b.end and a.start < b.start for a, b in zip(chunks, chunks[1:], strict=False)
    )


def test_long_sentence_splits_at_word_boundaries() -> None:
    text = " ".join(f"word{i}" for i in range(100)) + "."
    chunks = chunk_article(_article(text), size=50, overlap=0)
    assert all(len(c.text) <= 50 for c in chunks)
    assert all(not c.text[0].isspace() and not c.text[-1].isspace() for c in chunks)
    words = " ".join(c.text for c in chunks).split()
    assert words == text.split()


def test_overlong_word_is_cut() -> None:
    text = "x" * 130 + " tail."
    chunks = chunk_article(_article(text), size=50, overlap=1)
    assert [len(c.text) for c in chunks] == [50, 50, 36]
    assert chunks[-1].text == "x" * 30 + " tail."


def test_empty_article_has_no_chunks() -> None:
    assert chunk_article(_article(""), size=100, overlap=1) == []


@pytest.mark.parametrize(
    ("size", "overlap", "message"),
    [
        (49, 0, "at least 50"),
        (100, -1, ">= 0"),
        (100, MAX_OVERLAP + 1, f"at most {MAX_OVERLAP}"),
        (100.0, 0, "integer"),
        (100, 1.5, "whole number"),
        (True, 0, "integer"),
    ],
)
def test_arguments_are_validated(size, overlap, message: str) -> None:
    with pytest.raises(InputError, match=message):
        chunk_article(_article("Some text."), size=size, overlap=overlap)


def _check_cover(text: str, spans: list[tuple[int, int]]) -> None:
    covered = [False] * len(text)
    for start, end in spans:
        covered[start:end] = [True] * (end - start)
    assert all(covered[i] for i, c in enumerate(text) if not c.isspace())


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_split_sentences_properties(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
    _check_cover(text, spans)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"))
    | st.lists(st.sampled_from(["Word", "U.S.", "1.5", " ", "\n", ". ", "!", "x" * 60])).map(
        "".join
    ),
    size=st.integers(50, 300),
    overlap=st.integers(0, MAX_OVERLAP),
)
def test_chunk_properties(text: str, size: int, overlap: int) -> None:
    chunks = chunk_article(_article(text), size=size, overlap=overlap)
    for i, chunk in enumerate(chunks):
        assert chunk.text == text[chunk.start : chunk.end]
        assert 0 < len(chunk.text) <= size
        assert chunk.id == f"doc#{i}"
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.start < b.start and a.end < b.end
        if overlap == 0:
            assert a.end <= b.start
    _check_cover(text, [(c.start, c.end) for c in chunks])


@pytest.mark.integration
def test_seed_chunks() -> None:
    for article in read_corpus(SEEDS).articles:
        chunks = chunk_article(article, size=600, overlap=1)
        assert chunks
        assert all(article.text[c.start : c.end] == c.text and len(c.text) <= 600 for c in chunks)
        _check_cover(article.text, [(c.start, c.end) for c in chunks])
    seed = next(a for a in read_corpus(SEEDS).articles if a.id.startswith("004"))
    assert (
        "An impressive energy density of 350 Wh/kg, which is about 40% more potent than your "
        "average ternary lithium battery."
    ) in sentences(seed.text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "A warning is in effect until 8 p.m. Tuesday. Schools will close.",
            ["A warning is in effect until 8 p.m. Tuesday.", "Schools will close."],
        ),
        ("Polls close at 8 P.M. Sunday, officials said.", None),
        ("The vote ends at 2 a.m. May 3, officials said.", None),
        ("Polls close at 8 p.m. Sept. 14, officials said.", None),
    ],
)
def test_a_time_and_its_day_stay_one_sentence(text: str, expected: list[str] | None) -> None:
    assert sentences(text) == (expected or [text])


@pytest.mark.parametrize(
    "text",
    [
        "He left at 9 a.m. Police said so.",
        "He left at 5 p.m. May said so.",
        "He left at 9 p.m. Sunday's game was off.",
    ],
)
def test_a_sentence_after_a_time_is_still_split(text: str) -> None:
    first, second = text.split("m. ", 1)
    assert sentences(text) == [f"{first}m.", second]


@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_chunk_article_uses_the_sentences_it_is_given(overlap):
    text = "One sentence here. Two sentences there. Three now. Four at last, and long enough."
    article = _article(text)
    given = list(split_sentences(text))
    assert chunk_article(article, 50, overlap, given) == chunk_article(article, 50, overlap)
    assert len(chunk_article(article, 50, overlap)) > 1
    whole = [(0, len(text))]  # one "sentence": what it is given is what it packs
    assert [c.text for c in chunk_article(article, 400, overlap, whole)] == [text]
