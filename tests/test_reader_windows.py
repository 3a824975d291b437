from dataclasses import dataclass

import pytest

from evqa.reader.session import MODEL_DIR
from evqa.reader.windows import MAX_QUESTION_TOKENS, load_tokenizer, make_windows


@dataclass(frozen=True)
class Ex:
    question: str
    context: str
    answer_start: int | None = None
    answer_text: str | None = None


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(MODEL_DIR / "tokenizer.json")


def _passage_tokens(w):
    return [o for o in w.offsets if o[0] >= 0]


def test_a_short_passage_is_one_window_with_cls_question_sep_passage_sep(tok):
    [w] = make_windows(tok, [Ex("who steered?", "Captain Mara Vent steered it.")])
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    assert w.input_ids[0] == cls and w.input_ids[-1] == sep
    assert w.input_ids.count(sep) == 2
    assert len(w.input_ids) == len(w.token_type_ids) == len(w.offsets)
    assert w.token_type_ids[-1] == 1 and w.token_type_ids[0] == 0
    text = "Captain Mara Vent steered it."
    pieces = "".join(text[a:b] for a, b in _passage_tokens(w))
    assert pieces.lower() == text.replace(" ", "").lower()


def test_long_passages_slide_with_overlap_and_cover_every_token(tok):
    context = " ".join(f"word{i}" for i in range(400))
    ws = make_windows(tok, [Ex("q?", context)], max_len=64, stride=16)
    assert len(ws) > 3 and all(len(w.input_ids) <= 64 for w in ws)
    covered = set()
    for w in ws:
        covered.update(_passage_tokens(w))
    assert covered == set(tok.encode(context, add_special_tokens=False).offsets)
    first, second = set(_passage_tokens(ws[0])), set(_passage_tokens(ws[1]))
    assert len(first & second) == 16


def test_training_targets_point_at_the_answer_or_at_cls(tok):
    context = "The Helios boat reached 42 km/h on Lake Geneva. " * 3 + "The end."
    start = context.index("42 km/h")
    ex = Ex("how fast?", context, start, "42 km/h")
    [w] = make_windows(tok, [ex], train=True)
    a, b = w.offsets[w.start][0], w.offsets[w.end][1]
    assert context[a:b] == "42 km/h"
    ws = make_windows(tok, [ex], max_len=24, stride=4, train=True)
    assert any(w.start == 0 for w in ws) and any(w.start > 0 for w in ws)
    assert make_windows(tok, [Ex("q?", context)], train=True)[0].start == 0


def test_long_questions_are_cut(tok):
    [w] = make_windows(tok, [Ex("why " * 200, "A short passage.")])
    assert w.token_type_ids.count(0) == MAX_QUESTION_TOKENS + 2
