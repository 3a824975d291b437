"""An evqa gold set over its index, as reader training examples (``SquadExample``s).

The reader reads an index's chunks at query time, so a gold question is trained on the
chunk it would be read in: the best-ranked of the top ``DEPTH`` passages retrieved for it
that holds one of its gold answers in a gold article (the answer's first place in it is the
target). An unanswerable question is trained on its best-ranked passage, as no answer. A
question whose answer no retrieved passage holds is left out (counted in the report).

examples:
  python eval/gold_examples.py eval/gold/fresh.jsonl /tmp/idx-fresh   # counts, one example
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser, set_name  # noqa: E402

from evqa import evaluation  # noqa: E402
from evqa.engine import Engine  # noqa: E402
from evqa.errors import EvqaError  # noqa: E402
from evqa.reader.data import SquadExample  # noqa: E402

DEPTH = 20  # passages looked through for one that holds the answer


def gold_examples(
    gold: Path, index: Path, distractors: int = 0
) -> tuple[list[SquadExample], Counter, dict[str, tuple[str, ...]]]:
    """The examples of ``gold`` read over ``index``, what was kept or left out, and, by
    qid, each answerable example's ``distractors`` best-ranked passages retrieved for it
    that hold none of its answers: the passages the reader reads beside the right one at
    query time (``train_reader.py --extra-distractors retrieved``; none when 0)."""
    engine = Engine.open(index)
    out, counts, near = [], Counter(), {}
    for g in evaluation.load_gold(gold):
        try:
            hits = engine.search(g.question, k=DEPTH)
        except EvqaError:  # a question with nothing to search for
            counts["no search"] += 1
            continue
        example = _example(g, hits, set_name(gold))
        counts["kept" if example else "answer not retrieved"] += 1
        if example:
            out.append(example)
        if example and example.answers and distractors:
            near[example.qid] = _distractors(g.answers, hits, example.context, distractors)
    return out, counts, near


def _example(g, hits, name: str) -> SquadExample | None:
    qid = f"{name}:{g.id}"
    if not g.answerable:
        if not hits:
            return None
        h = hits[0]
        return SquadExample(h.chunk.doc_id, qid, g.question, h.chunk.text, ())
    for h in hits:
        if g.doc_ids and h.chunk.doc_id not in g.doc_ids:
            continue
        place = _first_answer(h.chunk.text, g.answers)
        if place is not None:
            start, text = place
            return SquadExample(h.chunk.doc_id, qid, g.question, h.chunk.text, (text,), start)
    return None


def _distractors(answers, hits, own: str, n: int) -> tuple[str, ...]:
    """The texts of the first ``n`` of ``hits`` that are not ``own`` and hold no answer."""
    texts = (h.chunk.text for h in hits)
    return tuple(t for t in texts if t != own and _first_answer(t, answers) is None)[:n]


def _first_answer(text: str, answers) -> tuple[int, str] | None:
    """The first place in ``text`` where a gold answer stands as whole words (the longest
    answer at that place)."""
    best = None
    for a in answers:
        m = re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text)
        if m and (best is None or (m.start(), -len(a)) < (best[0], -len(best[1]))):
            best = (m.start(), a)
    return best


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("gold", type=Path)
    ap.add_argument("index", type=Path)
    args = ap.parse_args()
    try:
        out, counts, _ = gold_examples(args.gold, args.index)
    except EvqaError as e:
        sys.exit(f"error: {e}")
    print(dict(counts))
    for e in (e for e in out if e.answers):  # one answerable example, as trained on
        print(e.question, "->", e.context[e.answer_start : e.answer_start + len(e.answers[0])])
        break


if __name__ == "__main__":
    main()
