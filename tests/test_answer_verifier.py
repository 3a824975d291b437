"""The answer verifier: its input (the span marked in its sentence), and the shipped model."""

import json

import numpy as np
import pytest

from evqa.answer.candidates import Candidate
from evqa.answer.verifier import (
    MAX_LEN,
    MODEL_DIR,
    QUESTION_TOKENS,
    Verifier,
    batch,
    encode,
    load_verifier,
    marked,
    verify,
)
from evqa.errors import ModelError
from evqa.reader.windows import load_tokenizer
from evqa.store import sha256_file
from evqa.types import Article

TEXT = "Gotion builds cells. The Jinshi cell reaches 350 Wh/kg. It ships in 2026."
SENTENCES = [(0, 20), (21, 55), (56, 74)]


def _tok():
    return load_tokenizer(MODEL_DIR / "tokenizer.json")


def test_marked_puts_the_span_between_marks_in_its_sentence():
    start = TEXT.index("350")
    assert marked(TEXT, SENTENCES, start, start + 9) == "The Jinshi cell reaches « 350 Wh/kg »."
    # a span across two sentences reads both; one outside every sentence only itself
    both = "Gotion builds « cells. The Jinshi » cell reaches 350 Wh/kg."
    assert marked(TEXT, SENTENCES, 14, 31) == both
    assert marked(TEXT, [], 0, 6) == "« Gotion »"


def test_encode_cuts_the_question_and_the_context_to_their_budgets():
    tok = _tok()
    ids, types = encode(tok, "what " * 100, "energy " * 500)
    assert len(ids) == len(types) == MAX_LEN
    assert types.count(0) == QUESTION_TOKENS + 2  # [CLS] question [SEP]
    assert ids[0] == tok.token_to_id("[CLS]") and ids[-1] == tok.token_to_id("[SEP]")
    short, _ = encode(tok, "Who?", "Mara.")
    assert len(short) < 10


def test_batch_pads_to_the_longest_and_masks_the_padding():
    feeds = batch([([1, 2, 3], [0, 0, 1]), ([4], [0])], pad_id=0)
    assert feeds["input_ids"].tolist() == [[1, 2, 3], [4, 0, 0]]
    assert feeds["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert feeds["token_type_ids"].tolist() == [[0, 0, 1], [0, 0, 0]]


def _candidate(text: str) -> Candidate:
    start = TEXT.index(text)
    return Candidate("a", start, start + len(text), text, 0.0, 0.0, 1, 1.0, TEXT)


def test_the_shipped_verifier_is_the_one_its_manifest_describes():
    m = json.loads((MODEL_DIR / "manifest.json").read_text())
    assert sha256_file(MODEL_DIR / "model.onnx") == m["sha256"]
    assert sha256_file(MODEL_DIR / "tokenizer.json") == m["tokenizer_sha256"]
    assert (MODEL_DIR / "model.onnx").stat().st_size <= 30 * 1024 * 1024
    assert "CC BY-SA 4.0" in m["training"]["data"]


def test_it_prefers_the_right_span_to_a_wrong_one():
    articles = {"a": Article("a", TEXT)}
    spans = [_candidate("350 Wh/kg"), _candidate("2026"), _candidate("Gotion")]
    q = "What is the energy density of the Jinshi cell?"
    scores = verify(load_verifier(), q, spans, articles, {"a": SENTENCES})
    assert scores.shape == (3,) and int(np.argmax(scores)) == 0
    assert load_verifier().score(q, []).shape == (0,)


def test_it_is_loaded_once_and_a_damaged_model_is_a_model_error(tmp_path):
    assert load_verifier() is load_verifier()
    (tmp_path / "tokenizer.json").write_bytes((MODEL_DIR / "tokenizer.json").read_bytes())
    (tmp_path / "model.onnx").write_bytes(b"not a graph")
    with pytest.raises(ModelError, match="reinstall"):
        Verifier(tmp_path)
    with pytest.raises(ModelError, match="missing; reinstall"):
        Verifier(tmp_path / "nowhere")


def test_a_score_does_not_depend_on_what_it_is_read_with():
    q = "What is the energy density of the Jinshi cell?"
    contexts = ["The Jinshi cell reaches « 350 Wh/kg ».", "« Gotion » builds cells. " * 8]
    together = load_verifier().score(q, contexts)
    assert together.tolist() == [load_verifier().score(q, [c])[0] for c in contexts]
