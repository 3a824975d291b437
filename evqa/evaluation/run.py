"""The eval runner: ask an engine every gold question, time and score each answer, and
write the prediction records."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, Protocol

from evqa import config
from evqa.errors import InputError
from evqa.evaluation.aggregate import CURVE_DEPTH
from evqa.evaluation.gold import GoldItem, filter_split
from evqa.evaluation.result import EvalResult, make_result, output_file
from evqa.evaluation.scoring import score_question
from evqa.store import atomic_path
from evqa.types import Answer, Article


class AskEngine(Protocol):
    """What ``run_eval`` needs from an engine (``evqa.Engine`` fits). Its ``k`` and
    ``mode`` attributes, when it has them, are run_eval's defaults."""

    @property
    def articles(self) -> Mapping[str, Article]: ...

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer: ...


def run_eval(
    engine: AskEngine,
    gold: Iterable[GoldItem] | str | PathLike[str],
    *,
    k: int | None = None,
    mode: str | None = None,
    split: str | None = None,
    depth: int = CURVE_DEPTH,
    warmup: bool = True,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> EvalResult:
    """Ask every gold question (of ``split``, if given) and score the answers. ``gold`` is a
    gold file's path or the items :func:`evqa.evaluation.load_gold` reads from one (any
    iterable of them, read once). ``depth`` (1 to 1000, as ``k``) is how deep the ranked doc
    ids for the recall curve go. Bad arguments are an InputError before any question is
    asked.

    Each ``engine.ask`` call is timed with ``clock`` (``time.perf_counter``). With ``warmup`` one
    untimed ask runs first so that lazy model loading is not counted as latency. If the
    engine has ``search``, the ranked doc ids for MRR and the recall curve come from an
    untimed ``search(question, k=max(k, depth), mode=mode)``; otherwise from the answer's
    passages. A question the engine did not look up (``answer.reason``: no words to search
    for) ranks nothing, as ``evqa search`` refuses it. ``progress`` is called with the
    number of questions done so far.

    ``k`` and ``mode`` default to the engine's own (``engine.k``, ``engine.mode``: what
    ``Engine.open`` resolved from its arguments and EVQA_K/EVQA_MODE), or to evqa's
    defaults for an engine without them.
    """
    if not callable(getattr(engine, "ask", None)):
        raise InputError(
            "engine must have ask(question, k=, mode=) and articles (evqa.Engine.open(...)"
            f" gives one), not {_describe(engine)}"
        )
    k = config.check_k(getattr(engine, "k", config.DEFAULTS["k"]) if k is None else k)
    mode = config.check_mode(
        getattr(engine, "mode", config.DEFAULTS["mode"]) if mode is None else mode
    )
    depth = config.check_k(depth, "depth")  # searched max(k, depth) deep: as k, at most MAX_K
    items = filter_split(_gold_items(gold), split)
    if not items:
        where = "" if split is None else f" in split {split!r}"
        raise InputError(f"no gold questions{where}; check the gold file")
    if warmup:
        engine.ask(items[0].question, k=k, mode=mode)
    search = getattr(engine, "search", None)
    records = []
    for done, item in enumerate(items, 1):
        t0 = clock()
        answer = engine.ask(item.question, k=k, mode=mode)
        latency_ms = (clock() - t0) * 1000.0
        ranked = None
        if answer.reason is not None:
            ranked = []
        elif callable(search):
            ranked = [h.doc_id for h in search(item.question, k=max(k, depth), mode=mode)]
        records.append(
            score_question(item, answer, latency_ms, engine.articles, k=k, ranked_doc_ids=ranked)
        )
        if progress is not None:
            progress(done)
    return make_result(records, k=k, mode=mode, depth=depth)


def _gold_items(gold: Iterable[GoldItem] | str | PathLike[str]) -> list[GoldItem]:
    """``gold`` as a list of items: a gold file's path is read
    (:func:`evqa.evaluation.load_gold`); an iterable (a generator too) is read once."""
    from evqa.evaluation.gold import load_gold

    if isinstance(gold, str | PathLike):
        return load_gold(gold)
    items = list(gold) if isinstance(gold, Iterable) else None
    if items is None or not all(isinstance(g, GoldItem) for g in items):
        raise InputError(
            "gold must be a gold file's path or the GoldItems of"
            f" evqa.evaluation.load_gold(path), not {_describe(gold)}"
        )
    return items


def _describe(value: object) -> str:
    """``value`` for a message: its repr, cut to 40 characters, and its type."""
    return f"{value!r:.40} ({type(value).__name__})"


def write_predictions(records: Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """Write records as JSONL (one per line, UTF-8), atomically: a failed write leaves
    ``path`` as it was."""
    path = output_file(path)
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
