"""The answer verifier: a second small model that reads the chosen span in its sentence,
marked « like this », after the question, and scores how right the span is.

It was trained (``eval/train_verifier.py``) towards each span's SQuAD F1, on the reader's
own candidates for questions of articles that reader never trained on, so it learns what
the reader's mistakes look like: the wrong person of two in a sentence, a figure of the
wrong quantity, a span of a passage that only looks like it answers. Its score is one input
of the judge (``evqa.answer.calibration``): it changes how sure the answer is, never which
answer it is. An ONNX graph run with onnxruntime, like the reader (no torch)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evqa.answer.candidates import Candidate
from evqa.answer.sentences import answer_sentence
from evqa.errors import ModelError
from evqa.onnx_session import cpu_session
from evqa.reader.windows import load_tokenizer
from evqa.types import Article

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "verifier"
MAX_LEN = 128  # tokens of [CLS] question [SEP] sentence [SEP]
QUESTION_TOKENS = 40  # a longer question is cut to this many
OPEN, CLOSE = "«", "»"  # the span's marks (single WordPiece tokens)


def marked(text: str, sentences: Sequence[tuple[int, int]], start: int, end: int) -> str:
    """The sentence(s) of ``text`` holding ``text[start:end]``, the span between « and »."""
    s0, s1 = answer_sentence(text, sentences, start, end)
    return f"{text[s0:start]}{OPEN} {text[start:end]} {CLOSE}{text[end:s1]}".strip()


def encode(tok: Any, question: str, context: str) -> tuple[list[int], list[int]]:
    """Token ids and token types of ``[CLS] question [SEP] context [SEP]``, at most MAX_LEN."""
    q = tok.encode(question, add_special_tokens=False).ids[:QUESTION_TOKENS]
    c = tok.encode(context, add_special_tokens=False).ids[: MAX_LEN - len(q) - 3]
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    return [cls, *q, sep, *c, sep], [0] * (len(q) + 2) + [1] * (len(c) + 1)


def batch(rows: Sequence[tuple[list[int], list[int]]], pad_id: int) -> dict[str, np.ndarray]:
    """The model's inputs for ``rows``, padded to the longest."""
    n = max(len(ids) for ids, _ in rows)
    ids = np.full((len(rows), n), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), n), dtype=np.int64)
    types = np.zeros((len(rows), n), dtype=np.int64)
    for r, (a, t) in enumerate(rows):
        ids[r, : len(a)], mask[r, : len(a)], types[r, : len(a)] = a, 1, t
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


class Verifier:
    def __init__(self, folder: Path | str = MODEL_DIR) -> None:
        folder = Path(folder)
        self.folder = folder
        if not (folder / "tokenizer.json").is_file():
            raise ModelError(f"the answer verifier in {folder} is missing; reinstall evqa")
        self._tok = load_tokenizer(folder / "tokenizer.json")
        self._pad = self._tok.token_to_id("[PAD]")
        self._session = cpu_session(folder / "model.onnx", "the answer verifier")

    def score(self, question: str, contexts: Sequence[str]) -> np.ndarray:
        """One score (a logit: higher, more likely right) per marked context. Each is read
        alone: int8 activations are quantised per batch, so a context read beside others
        (and their padding) would score a little differently from one read alone."""
        out = np.zeros(len(contexts))
        for i, context in enumerate(contexts):
            feeds = batch([encode(self._tok, question, context)], self._pad)
            (score,) = self._session.run(None, feeds)
            out[i] = float(np.asarray(score).reshape(-1)[0])
        return out


def verify(
    verifier: Verifier,
    question: str,
    candidates: Sequence[Candidate],
    articles: Mapping[str, Article],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
) -> np.ndarray:
    """The verifier's score of each candidate, read in its sentence of its article."""
    return verifier.score(question, contexts(candidates, articles, sentences))


def contexts(
    candidates: Sequence[Candidate],
    articles: Mapping[str, Article],
    sentences: Mapping[str, Sequence[tuple[int, int]]],
) -> list[str]:
    """What the verifier reads of each candidate: its sentence, the span marked."""
    return [
        marked(articles[c.doc_id].text, sentences.get(c.doc_id, ()), c.start, c.end)
        for c in candidates
    ]


_LOADED: dict[Path, Verifier] = {}
_LOADING = threading.Lock()


def load_verifier(folder: Path | str = MODEL_DIR) -> Verifier:
    """The verifier of ``folder``, loaded once per process (threads wait for the one load)."""
    folder = Path(folder)
    with _LOADING:
        if folder not in _LOADED:
            _LOADED[folder] = Verifier(folder)
        return _LOADED[folder]
