"""Question + passage windows for the reader, built the same way in training and at
query time: ``[CLS] question [SEP] passage-slice [SEP]``, with each passage token's
character offsets so a predicted token span maps back to the passage text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

MAX_QUESTION_TOKENS = 64


class Example(Protocol):
    question: str
    context: str
    answer_start: int | None
    answer_text: str | None


@dataclass(frozen=True)
class Window:
    example: int  # index of the (question, passage) pair it came from
    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]
    # char offsets into the passage of each token; (-1, -1) for question/special tokens
    offsets: tuple[tuple[int, int], ...]
    start: int = 0  # training target token (0 = [CLS] = no answer in this window)
    end: int = 0


def load_tokenizer(path: Path | str) -> Any:
    """A ``tokenizers.Tokenizer`` from ``tokenizer.json``, with its own truncation and
    padding switched off (windows do both)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def make_windows(
    tok: Any,
    examples: Sequence[Example],
    *,
    max_len: int = 256,
    stride: int = 96,
    train: bool = False,
) -> list[Window]:
    """Slice each passage into windows of at most ``max_len`` tokens that overlap by
    ``stride`` tokens. With ``train``, each window gets the answer's token targets
    ([CLS] when the window does not hold the whole answer, or there is none)."""
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    qs = tok.encode_batch([e.question for e in examples], add_special_tokens=False)
    cs = tok.encode_batch([e.context for e in examples], add_special_tokens=False)
    out: list[Window] = []
    for i, (ex, q, c) in enumerate(zip(examples, qs, cs, strict=True)):
        qids = q.ids[:MAX_QUESTION_TOKENS]
        budget = max_len - len(qids) - 3
        step = max(1, budget - stride)
        head = [cls_id, *qids, sep_id]
        n = len(c.ids)
        for lo in range(0, max(n, 1), step):
            hi = min(n, lo + budget)
            ids = (*head, *c.ids[lo:hi], sep_id)
            types = (0,) * len(head) + (1,) * (hi - lo + 1)
            offs = ((-1, -1),) * len(head) + tuple(c.offsets[lo:hi]) + ((-1, -1),)
            s = e = 0
            if train and ex.answer_start is not None and ex.answer_text:
                s, e = _targets(offs, ex.answer_start, ex.answer_start + len(ex.answer_text))
            out.append(Window(i, ids, types, offs, s, e))
            if hi >= n:
                break
    return out


def _targets(offsets: Sequence[tuple[int, int]], a: int, b: int) -> tuple[int, int]:
    s = next((t for t, (x, y) in enumerate(offsets) if x >= 0 and x <= a < y), None)
    e = next((t for t, (x, y) in enumerate(offsets) if x >= 0 and x < b <= y), None)
    if s is None or e is None or e < s:
        return 0, 0
    return s, e
