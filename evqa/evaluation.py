"""Evaluation: the gold question set, answer/retrieval metrics, the eval runner,
abstention-threshold calibration and reports.

Everything here is pure and printing-free. The runner takes any *engine* with
``ask(question, k=, mode=) -> Answer``, ``articles: Mapping[str, Article]`` and
(optionally) ``search(query, k=, mode=) -> list[Hit]``; ``evqa.Engine`` fits.

Metric definitions (all per question, then averaged). "Ranked passages" are those of an
untimed ``engine.search(question, k=max(k, 10))`` when the engine has ``search`` (so MRR and
the recall curve look 10 deep), else the answer's passages:

- ``doc_recall@k``: share of the gold doc ids among the doc ids of the top-k ranked passages.
- ``passage_hit@k``: 1 if any of the answer's first k passages contains a gold answer
  (normalised, token-aligned substring match), else 0.
- ``mrr``: 1 / rank of the first ranked passage from a gold doc (0 if none is ranked).
- ``hit@1``: 1 if the answer sentence (the answer itself if there is no sentence) contains a
  gold answer, else 0.
- ``em`` / ``f1``: SQuAD-style exact match / token F1 of the answer against the best gold answer,
  on evqa's normalisation (``normalize_tokens``: units, thousands separators, dashes).
- ``squad_em`` / ``squad_f1``: the same with the official SQuAD normalisation (``squad_em``,
  ``squad_f1``), comparable with published SQuAD figures. The headline ``squad_em`` /
  ``squad_f1`` are averaged over answerable questions only (SQuAD v2's "HasAns").
  ``squad_em_v2`` / ``squad_f1_v2`` average over *all* questions with the SQuAD v2.0
  convention for unanswerable ones: abstaining scores 1, any answer 0 (v2's overall figure).
  Per record, ``squad_em`` / ``squad_f1`` of an unanswerable question hold that v2 score.
- An *abstained* answerable question scores 0 on hit@1, em, f1, squad_em and squad_f1
  (retrieval metrics are still scored on its passages). Answer and retrieval metrics are
  averaged over answerable questions.
- ``span_correct`` (per record): the answer is *right*: not abstained, answerable, and the
  answer span holds a gold answer (``answer_in``). An answer to an unanswerable question is
  wrong; an abstention has no answer, so it is not right either.
- ``ece``: expected calibration error of ``confidence`` as the probability that the answer is
  right (``span_correct``), 10 equal-width bins (``evqa.calibration_metrics``), over the
  *answered* (non-abstained) questions: the confidences a user sees next to an answer.
  ``ece_all`` counts every question at its confidence, abstentions as not right (run with
  abstention off, both are the same). ``None`` with no question to bin.
- ``abstain_precision``: unanswerable among abstained; ``abstain_recall``: abstained among
  unanswerable; ``false_abstention``: abstained among answerable. ``None`` when undefined.
- ``citation_valid``: share of all citations whose quote equals ``article.text[start:end]``;
  ``citation_gold``: share of the citations of answerable questions that cite a gold doc
  (micro-averaged over citations; ``None`` when there are none).
- ``latency_p50_ms`` / ``latency_p95_ms``: percentiles (numpy, linear interpolation) of the
  wall-clock time of ``engine.ask`` in milliseconds, over all questions.
"""

from __future__ import annotations

import json
import re
import statistics
import string
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from evqa import config
from evqa.calibration_metrics import expected_calibration_error, reliability_bins
from evqa.engine import clean_question, normalize_question
from evqa.errors import EvqaError, InputError
from evqa.store import atomic_path
from evqa.types import Answer, Article, Citation, Hit

TYPES = ("number", "date", "person", "org", "phrase", "unanswerable")
SPLITS = ("dev", "test")
CURVE_DEPTH = 10
_FIELDS = ("id", "question", "answers")  # required; doc_ids, type and split are optional
DEFAULT_SPLIT = "test"

# --------------------------------------------------------------------------------------
# gold set


@dataclass(frozen=True)
class GoldItem:
    """One gold question. Empty ``answers`` means the corpus cannot answer it."""

    id: str
    question: str
    answers: tuple[str, ...]
    doc_ids: tuple[str, ...]
    type: str
    split: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_gold(path: Path | str) -> list[GoldItem]:
    """Read a gold JSONL file (one object per line; blank lines are skipped; a UTF-8 byte
    order mark is allowed). Questions are checked as ``evqa ask`` checks them, and every
    answer must hold a letter or digit (one of only punctuation normalises to nothing)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(f"gold file {path} not found; pass the path of a gold JSONL") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read gold file {path} ({e}); check the file") from None
    items: list[GoldItem] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        item = _parse_gold_line(line, f"{path}:{n}")
        if item.id in first_line:
            raise InputError(
                f"{path}:{n}: duplicate id {item.id!r} (first on line {first_line[item.id]});"
                " give every question a unique id"
            )
        first_line[item.id] = n
        items.append(item)
    if not items:
        raise InputError(f"gold file {path} has no questions; add one JSON object per line")
    return items


def _parse_gold_line(line: str, where: str) -> GoldItem:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(f"{where}: not valid JSON ({e.msg}); fix the line") from None
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object; fix the line")
    missing = [f for f in _FIELDS if f not in obj]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}; add them")
    obj = {**_gold_defaults(obj), **obj}
    for key in ("id", "question", "type", "split"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise InputError(f"{where}: {key!r} must be a non-empty string; fix it")
    for key in ("answers", "doc_ids"):
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise InputError(f"{where}: {key!r} must be a list of non-empty strings; fix it")
    _check_question(obj["question"], where)
    for a in obj["answers"]:
        if not any(ch.isalnum() for ch in a):  # normalises to nothing: nothing can match it
            raise InputError(
                f"{where}: answer {a!r} has no letter or digit (only punctuation or white"
                " space), so no answer can ever match it; fix or remove it"
            )
    item = GoldItem(
        id=obj["id"],
        question=obj["question"],
        answers=tuple(obj["answers"]),
        doc_ids=tuple(obj["doc_ids"]),
        type=obj["type"],
        split=obj["split"],
    )
    _check_gold_item(item, where)
    return item


def _check_question(question: str, where: str) -> None:
    """The checks of ``engine.clean_question`` (what ``ask`` runs), with the line."""
    if len(question) <= 4 * config.MAX_QUESTION_CHARS and not normalize_question(question):
        raise InputError(
            f"{where}: 'question' holds only invisible characters (control or zero-width);"
            " write the question"
        )
    try:
        clean_question(question)
    except InputError as e:
        raise InputError(f"{where}: {e}") from None


def _gold_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """The optional fields' defaults: no doc ids, the type told by the answers
    (``unanswerable`` for an empty list, else ``phrase``) and the test split."""
    answers = obj.get("answers")
    return {
        "doc_ids": [],
        "type": "unanswerable" if answers == [] else "phrase",
        "split": DEFAULT_SPLIT,
    }


def _check_gold_item(item: GoldItem, where: str) -> None:
    if item.type not in TYPES:
        raise InputError(f"{where}: unknown type {item.type!r}; use one of {', '.join(TYPES)}")
    if item.split not in SPLITS:
        raise InputError(f"{where}: unknown split {item.split!r}; use one of {', '.join(SPLITS)}")
    if (item.type == "unanswerable") != (not item.answers):
        raise InputError(
            f"{where}: type 'unanswerable' goes with an empty answers list and only with it;"
            " fix the type or the answers"
        )


def filter_split(gold: Iterable[GoldItem], split: str | None) -> list[GoldItem]:
    """The items of one split (all of them for ``None``)."""
    if split is not None and split not in SPLITS:
        raise InputError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return [g for g in gold if split is None or g.split == split]


# --------------------------------------------------------------------------------------
# normalisation

_DASHES = str.maketrans({c: "-" for c in "\u2212\u2010\u2011\u2012\u2013\ufe63\uff0d"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_UNITS = r"%|°[cf]?|[kmgt]?wh/kg|[kmgt]?wh/l|[kmgt]?wh|[kmgt]?w|km/h|kph|mph|km|mm|cm|kg|mah|ah|kv"
_NUMBER_UNIT = re.compile(rf"(?<=\d)\s+(?=(?:{_UNITS})(?![a-z0-9]))")
_CURRENCY_SPACE = re.compile(r"(?<=[$€£¥])\s+(?=\d)")
_EDGE_PUNCT = "\"'()[]{}<>.,;:!?…*“”‘’«»"
_ARTICLES = frozenset({"a", "an", "the"})


def normalize_tokens(text: str | None) -> list[str]:
    """The tokens answers are compared on.

    NFKC + casefold; the minus-like dashes become ``-``; thousands separators go
    (``24,877`` -> ``24877``); a number and its unit join (``-20 °C`` -> ``-20°c``,
    ``350 Wh/kg`` -> ``350wh/kg``); tokens are split on whitespace and stripped of
    punctuation at their ends (``%`` and ``/`` are kept, and so is a leading ``-``); the
    articles a/an/the and tokens without a letter, digit or ``%`` are dropped (SQuAD style).
    """
    if not text:
        return []
    t = unicodedata.normalize("NFKC", text).casefold()
    t = t.translate(_DASHES).translate(_QUOTES)
    t = _THOUSANDS.sub("", t)
    t = _NUMBER_UNIT.sub("", t)
    t = _CURRENCY_SPACE.sub("", t)
    tokens = []
    for raw in t.split():
        tok = raw.rstrip(_EDGE_PUNCT + "-").lstrip(_EDGE_PUNCT)  # a leading "-" is a minus
        if tok in _ARTICLES or not any(c.isalnum() or c == "%" for c in tok):
            continue
        tokens.append(tok)
    return tokens


def normalize(text: str | None) -> str:
    """``normalize_tokens`` joined by single spaces."""
    return " ".join(normalize_tokens(text))


# --------------------------------------------------------------------------------------
# answer metrics


def exact_match(pred: str | None, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals a normalised gold answer, else 0.0
    (0.0 for no prediction or no gold answers)."""
    p = normalize(pred)
    if not p:
        return 0.0
    return float(any(p == normalize(a) for a in answers))


def token_f1(pred: str | None, answers: Sequence[str]) -> float:
    """SQuAD token F1 against the best gold answer (0.0 for no prediction or answers)."""
    p = normalize_tokens(pred)
    if not p:
        return 0.0
    return max((_f1(p, normalize_tokens(a)) for a in answers), default=0.0)


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


_SQUAD_PUNCT = frozenset(string.punctuation)
_SQUAD_ARTICLES = re.compile(r"\b(a|an|the)\b")


def squad_normalize(text: str | None) -> str:
    """The official SQuAD v1.1 answer normalisation: lower case, drop punctuation and
    the articles a/an/the, collapse white space."""
    t = "".join(ch for ch in (text or "").lower() if ch not in _SQUAD_PUNCT)
    return " ".join(_SQUAD_ARTICLES.sub(" ", t).split())


def squad_em(pred: str | None, answers: Sequence[str]) -> float:
    """Official SQuAD exact match: the best over the gold answers (0.0 without any)."""
    p = squad_normalize(pred)
    return float(any(p == squad_normalize(a) for a in answers))


def squad_f1(pred: str | None, answers: Sequence[str]) -> float:
    """Official SQuAD token F1: the best over the gold answers (0.0 without any)."""
    p = squad_normalize(pred).split()
    if not p:
        return 0.0
    return max((_f1(p, squad_normalize(a).split()) for a in answers), default=0.0)


def answer_in(text: str | None, answers: Sequence[str]) -> bool:
    """True if a normalised gold answer occurs in the normalised text on token boundaries
    (``"90%"`` is in ``"a 90% yield"`` but not in ``"190%"``)."""
    haystack = f" {normalize(text)} "
    for a in answers:
        needle = normalize(a)
        if needle and f" {needle} " in haystack:
            return True
    return False


# --------------------------------------------------------------------------------------
# retrieval metrics


def doc_recall_at_k(ranked_doc_ids: Sequence[str], gold_doc_ids: Sequence[str], k: int) -> float:
    """Share of the gold docs among the doc ids of the first k ranked passages
    (passages of one doc may repeat). 0.0 when there are no gold docs."""
    gold = set(gold_doc_ids)
    if not gold:
        return 0.0
    return len(gold & set(ranked_doc_ids[:k])) / len(gold)


def passage_hit_at_k(passage_texts: Sequence[str], answers: Sequence[str], k: int) -> float:
    """1.0 if one of the first k passages contains a gold answer, else 0.0."""
    return float(any(answer_in(t, answers) for t in passage_texts[:k]))


def reciprocal_rank(ranked_doc_ids: Sequence[str], gold_doc_ids: Sequence[str]) -> float:
    """1 / (1-based rank of the first passage from a gold doc); 0.0 if there is none."""
    gold = set(gold_doc_ids)
    for rank, doc_id in enumerate(ranked_doc_ids, 1):
        if doc_id in gold:
            return 1.0 / rank
    return 0.0


# --------------------------------------------------------------------------------------
# abstention, citations, latency


def abstention_metrics(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict:
    """``abstain_precision`` (unanswerable among abstained), ``abstain_recall`` (abstained
    among unanswerable) and ``false_abstention`` (abstained among answerable); each is
    ``None`` when its denominator is 0."""
    pairs = list(zip(abstained, answerable, strict=True))
    n_abstained = sum(a for a, _ in pairs)
    n_unanswerable = sum(not ans for _, ans in pairs)
    n_answerable = len(pairs) - n_unanswerable
    right = sum(a and not ans for a, ans in pairs)
    wrong = sum(a and ans for a, ans in pairs)
    return {
        "abstain_precision": _ratio(right, n_abstained),
        "abstain_recall": _ratio(right, n_unanswerable),
        "false_abstention": _ratio(wrong, n_answerable),
    }


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def citation_is_valid(citation: Citation, articles: Mapping[str, Article]) -> bool:
    """The quote is exactly ``article.text[start:end]`` of a known article."""
    article = articles.get(citation.doc_id)
    if article is None or not 0 <= citation.start <= citation.end <= len(article.text):
        return False
    return article.text[citation.start : citation.end] == citation.quote


def citation_validity(
    citations: Sequence[Citation], articles: Mapping[str, Article]
) -> float | None:
    """Share of valid citations (None if there are none)."""
    return _ratio(sum(citation_is_valid(c, articles) for c in citations), len(citations))


def citation_gold_share(citations: Sequence[Citation], gold_doc_ids: Sequence[str]) -> float | None:
    """Share of citations that cite a gold doc (None if there are none)."""
    gold = set(gold_doc_ids)
    return _ratio(sum(c.doc_id in gold for c in citations), len(citations))


def latency_percentiles(latencies_ms: Sequence[float]) -> tuple[float | None, float | None]:
    """(p50, p95) in ms with numpy's linear interpolation; (None, None) for no data."""
    if not latencies_ms:
        return None, None
    p50, p95 = np.percentile(np.asarray(latencies_ms, dtype=float), [50, 95])
    return float(p50), float(p95)


# --------------------------------------------------------------------------------------
# scoring one question


def score_question(
    item: GoldItem,
    answer: Answer,
    latency_ms: float,
    articles: Mapping[str, Article],
    *,
    k: int,
    ranked_doc_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The JSON-ready prediction record of one question: its gold ``id``, then exactly what
    ``evqa ask --json`` prints (``Answer.to_dict()``: the normalised question, the answer,
    confidence rounded to 4 places, citations, passages...), then the gold data, the
    latency and the metric values.

    ``ranked_doc_ids`` is the doc id of each ranked passage, best first, possibly deeper than
    k (for recall curves and MRR); it defaults to the answer's passages.
    """
    passages = list(answer.passages)
    ranked = list(ranked_doc_ids) if ranked_doc_ids is not None else [h.doc_id for h in passages]
    record: dict[str, Any] = {
        "id": item.id,
        **answer.to_dict(),
        "type": item.type,
        "split": item.split,
        "gold_answers": list(item.answers),
        "gold_doc_ids": list(item.doc_ids),
        "ranked_doc_ids": ranked,
        "latency_ms": latency_ms,
        "answerable": item.answerable,
        "n_citations": len(answer.citations),
        "citations_valid": sum(citation_is_valid(c, articles) for c in answer.citations),
        "citations_gold": sum(c.doc_id in item.doc_ids for c in answer.citations),
    }
    record.update(_answerable_scores(item, answer, passages, ranked, k))
    record.update(_span_scores(item, answer))
    return record


def _answered(answer: Answer) -> bool:
    return not answer.abstained and answer.answer is not None


def _span_scores(item: GoldItem, answer: Answer) -> dict[str, float | bool]:
    """Official SQuAD EM/F1 of the span (v2.0 convention for unanswerable questions) and
    whether the answer is right (see the module doc)."""
    answered = _answered(answer)
    if not item.answerable:
        v2 = 0.0 if answered else 1.0
        return {"squad_em": v2, "squad_f1": v2, "span_correct": False}
    return {
        "squad_em": squad_em(answer.answer, item.answers) if answered else 0.0,
        "squad_f1": squad_f1(answer.answer, item.answers) if answered else 0.0,
        "span_correct": answered and answer_in(answer.answer, item.answers),
    }


def _answerable_scores(
    item: GoldItem, answer: Answer, passages: list[Hit], ranked: list[str], k: int
) -> dict[str, float | None]:
    keys = ("doc_recall@k", "passage_hit@k", "rr", "hit@1", "em", "f1")
    if not item.answerable:
        return dict.fromkeys(keys)
    answered = _answered(answer)
    sentence = answer.answer_sentence if answer.answer_sentence else answer.answer
    docs = bool(item.doc_ids)  # without gold docs, the doc metrics are undefined
    return {
        "doc_recall@k": doc_recall_at_k(ranked, item.doc_ids, k) if docs else None,
        "passage_hit@k": passage_hit_at_k([h.chunk.text for h in passages], item.answers, k),
        "rr": reciprocal_rank(ranked, item.doc_ids) if docs else None,
        "hit@1": float(answered and answer_in(sentence, item.answers)),
        "em": exact_match(answer.answer, item.answers) if answered else 0.0,
        "f1": token_f1(answer.answer, item.answers) if answered else 0.0,
    }


# --------------------------------------------------------------------------------------
# aggregation


METRIC_KEYS = (
    "n",
    "n_answerable",
    "n_unanswerable",
    "doc_recall@k",
    "passage_hit@k",
    "mrr",
    "hit@1",
    "squad_em",
    "squad_f1",
    "squad_em_v2",
    "squad_f1_v2",
    "em",
    "f1",
    "ece",
    "ece_all",
    "abstain_precision",
    "abstain_recall",
    "false_abstention",
    "citation_valid",
    "citation_gold",
    "latency_p50_ms",
    "latency_p95_ms",
)


def aggregate(records: Sequence[Mapping[str, Any]], k: int) -> dict[str, Any]:
    """The aggregate metrics (``METRIC_KEYS`` plus ``k``) of scored records."""
    answerable = [r for r in records if r["answerable"]]
    with_docs = [r for r in answerable if r["gold_doc_ids"]]
    p50, p95 = latency_percentiles([r["latency_ms"] for r in records])
    n_cit = sum(r["n_citations"] for r in records)
    n_cit_ans = sum(r["n_citations"] for r in with_docs)
    metrics: dict[str, Any] = {
        "k": k,
        "n": len(records),
        "n_answerable": len(answerable),
        "n_unanswerable": len(records) - len(answerable),
        "doc_recall@k": _mean(r["doc_recall@k"] for r in answerable),
        "passage_hit@k": _mean(r["passage_hit@k"] for r in answerable),
        "mrr": _mean(r["rr"] for r in answerable),
        "hit@1": _mean(r["hit@1"] for r in answerable),
        "em": _mean(r["em"] for r in answerable),
        "f1": _mean(r["f1"] for r in answerable),
        "squad_em": _mean(r["squad_em"] for r in answerable),
        "squad_f1": _mean(r["squad_f1"] for r in answerable),
        "squad_em_v2": _mean(r["squad_em"] for r in records),
        "squad_f1_v2": _mean(r["squad_f1"] for r in records),
        "ece": expected_calibration_error(*calibration_data(records)),
        "ece_all": expected_calibration_error(*calibration_data(records, with_abstained=True)),
        "citation_valid": _ratio(sum(r["citations_valid"] for r in records), n_cit),
        "citation_gold": _ratio(sum(r["citations_gold"] for r in with_docs), n_cit_ans),
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
    }
    metrics.update(
        abstention_metrics([r["abstained"] for r in records], [r["answerable"] for r in records])
    )
    return metrics


def calibration_data(
    records: Iterable[Mapping[str, Any]], *, with_abstained: bool = False
) -> tuple[list[float], list[bool]]:
    """(confidences, right) of the answered records (of all records with
    ``with_abstained``), for ``expected_calibration_error`` and ``reliability_bins``."""
    chosen = [r for r in records if with_abstained or _record_answered(r)]
    return [float(r["confidence"]) for r in chosen], [bool(r["span_correct"]) for r in chosen]


def _record_answered(record: Mapping[str, Any]) -> bool:
    return not record["abstained"] and record["answer"] is not None


def _mean(values: Iterable[float | None]) -> float | None:
    """The mean of the defined values (None if there are none)."""
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def recall_curve(records: Sequence[Mapping[str, Any]], depth: int = CURVE_DEPTH) -> list[float]:
    """Mean doc recall@k over answerable records with gold doc ids, for k = 1..depth
    (from ranked_doc_ids)."""
    answerable = [r for r in records if r["answerable"] and r["gold_doc_ids"]]
    if not answerable:
        return []
    return [
        statistics.fmean(
            doc_recall_at_k(r["ranked_doc_ids"], r["gold_doc_ids"], k) for r in answerable
        )
        for k in range(1, depth + 1)
    ]


# --------------------------------------------------------------------------------------
# the runner


class AskEngine(Protocol):
    """What ``run_eval`` needs from an engine (``evqa.Engine`` fits)."""

    @property
    def articles(self) -> Mapping[str, Article]: ...

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer: ...


@dataclass(frozen=True)
class EvalResult:
    """One eval run: its settings, per-question records, aggregate and per-type metrics."""

    mode: str
    k: int
    records: tuple[dict[str, Any], ...]
    metrics: dict[str, Any]
    by_type: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_split: dict[str, dict[str, Any]] = field(default_factory=dict)
    curve: tuple[float, ...] = ()  # mean doc recall@1..depth over answerable questions


def run_eval(
    engine: AskEngine,
    gold: Sequence[GoldItem],
    *,
    k: int = 5,
    mode: str = "hybrid",
    split: str | None = None,
    depth: int = CURVE_DEPTH,
    warmup: bool = True,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> EvalResult:
    """Ask every gold question (of ``split``, if given) and score the answers.

    Each ``engine.ask`` call is timed with ``clock`` (``time.perf_counter``). With ``warmup`` one
    untimed ask runs first so that lazy model loading is not counted as latency. If the
    engine has ``search``, the ranked doc ids for MRR and the recall curve come from an
    untimed ``search(question, k=max(k, depth), mode=mode)``; otherwise from the answer's
    passages. ``progress`` is called with the number of questions done so far.
    """
    items = filter_split(gold, split)
    if not items:
        raise InputError(f"no gold questions in split {split!r}; check the gold file")
    if warmup:
        engine.ask(items[0].question, k=k, mode=mode)
    search = getattr(engine, "search", None)
    records = []
    for done, item in enumerate(items, 1):
        t0 = clock()
        answer = engine.ask(item.question, k=k, mode=mode)
        latency_ms = (clock() - t0) * 1000.0
        ranked = None
        if callable(search):
            ranked = [h.doc_id for h in search(item.question, k=max(k, depth), mode=mode)]
        records.append(
            score_question(item, answer, latency_ms, engine.articles, k=k, ranked_doc_ids=ranked)
        )
        if progress is not None:
            progress(done)
    return make_result(records, k=k, mode=mode, depth=depth)


def make_result(
    records: Sequence[dict[str, Any]], *, k: int, mode: str, depth: int = CURVE_DEPTH
) -> EvalResult:
    """Aggregate scored records into an ``EvalResult`` (overall, per gold type and per
    split; only the types and splits that occur)."""
    return EvalResult(
        mode=mode,
        k=k,
        records=tuple(records),
        metrics=aggregate(records, k),
        by_type=_aggregate_by(records, "type", TYPES, k),
        by_split=_aggregate_by(records, "split", SPLITS, k),
        curve=tuple(recall_curve(records, depth)),
    )


def _aggregate_by(
    records: Sequence[Mapping[str, Any]], key: str, values: Sequence[str], k: int
) -> dict[str, dict[str, Any]]:
    groups = {v: [r for r in records if r[key] == v] for v in values}
    return {v: aggregate(group, k) for v, group in groups.items() if group}


def write_predictions(records: Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """Write records as JSONL (one per line, UTF-8), atomically: a failed write leaves
    ``path`` as it was."""
    path = Path(path)
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def unknown_doc_ids_warning(
    gold: Iterable[GoldItem], articles: Mapping[str, Article], show: int = 5
) -> str | None:
    """A warning naming the gold ``doc_ids`` that are not among ``articles`` (the first
    ``show`` of them, and their count), or None when every one is known. The questions
    citing them can only score 0 on doc_recall@k, mrr and citation_gold."""
    unknown = list(dict.fromkeys(d for g in gold for d in g.doc_ids if d not in articles))
    if not unknown:
        return None
    shown = ", ".join(repr(d) for d in unknown[:show])
    more = f" and {len(unknown) - show} more" if len(unknown) > show else ""
    return (
        f"{len(unknown)} gold doc id(s) are not in the index: {shown}{more}; questions citing"
        " them score 0 on doc_recall@k, mrr and citation_gold. Check the gold file's doc_ids"
        " against the index's article ids"
    )


# --------------------------------------------------------------------------------------
# calibration


@dataclass(frozen=True)
class CalibPoint:
    confidence: float
    answerable: bool
    correct: bool  # the (non-abstained) answer is right; ignored for unanswerable questions


@dataclass(frozen=True)
class Calibration:
    threshold: float
    objective: float
    curve: tuple[tuple[float, float], ...]  # (threshold, objective), increasing threshold
    n: int


def calibration_points(
    records: Iterable[Mapping[str, Any]], correct_key: str = "hit@1"
) -> list[CalibPoint]:
    """Calibration points from scored records. Run the eval with abstention off
    (threshold 0) so that every question gets an answer whose correctness can be judged."""
    return [
        CalibPoint(
            confidence=float(r["confidence"]),
            answerable=bool(r["answerable"]),
            correct=bool(r["answerable"] and r[correct_key]),
        )
        for r in records
    ]


def decision_accuracy(points: Sequence[CalibPoint], threshold: float) -> float:
    """Share of questions handled right when answering iff ``confidence >= threshold``:
    an answerable question counts if it is answered correctly, an unanswerable one if it
    is abstained on."""
    good = sum(
        (p.answerable and p.correct) if p.confidence >= threshold else not p.answerable
        for p in points
    )
    return good / len(points)


def calibrate_threshold(points: Sequence[CalibPoint]) -> Calibration:
    """Pick the abstention threshold that maximises ``decision_accuracy``.

    Objective: mean over questions of 1 if (answered and answerable and correct) or
    (abstained and unanswerable), else 0; a question is answered iff its confidence >=
    threshold. Candidates are 0.0 (answer everything), the midpoints between consecutive
    distinct confidences and just above the largest one (abstain on everything), so every
    possible split is tried. Ties go to the lowest threshold (prefer answering).
    """
    if not points:
        raise InputError("no questions to calibrate on; check the gold split")
    confs = sorted({p.confidence for p in points})
    candidates = [min(0.0, confs[0])]
    candidates += [(a + b) / 2 for a, b in zip(confs, confs[1:], strict=False)]
    candidates.append(float(np.nextafter(confs[-1], np.inf)))
    curve = tuple((t, decision_accuracy(points, t)) for t in candidates)
    best_t, best_obj = curve[0]
    for t, obj in curve[1:]:
        if obj > best_obj:
            best_t, best_obj = t, obj
    return Calibration(threshold=best_t, objective=best_obj, curve=curve, n=len(points))


# --------------------------------------------------------------------------------------
# reports


@dataclass(frozen=True)
class Table:
    """Rendering-neutral table: the CLI renders it with rich, reports as markdown."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


_COUNT_KEYS = frozenset({"n", "n_answerable", "n_unanswerable"})
_TYPE_KEYS = (
    "n",
    "doc_recall@k",
    "mrr",
    "passage_hit@k",
    "hit@1",
    "squad_em",
    "squad_f1",
    "em",
    "f1",
    "ece",
    "false_abstention",
    "abstain_recall",
)


def metric_label(key: str, k: int) -> str:
    """``doc_recall@k`` -> ``doc_recall@5``."""
    return key.replace("@k", f"@{k}")


def format_value(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key in _COUNT_KEYS:
        return str(int(value))
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_table(results_by_mode: Mapping[str, EvalResult]) -> Table:
    """All metrics (rows) per mode (columns)."""
    results = list(results_by_mode.values())
    k = results[0].k if results else 0
    rows = tuple(
        (metric_label(key, k), *(format_value(key, r.metrics.get(key)) for r in results))
        for key in METRIC_KEYS
    )
    return Table(
        title=f"All metrics per mode (k={k})", columns=("metric", *results_by_mode), rows=rows
    )


def format_type_table(result: EvalResult) -> Table:
    """Key metrics (columns) per gold type (rows) of one run."""
    return _breakdown_table(result, "type", result.by_type, "question type")


def format_split_table(result: EvalResult) -> Table:
    """Key metrics (columns) per gold split (rows) of one run."""
    return _breakdown_table(result, "split", result.by_split, "split")


def _breakdown_table(
    result: EvalResult, name: str, groups: Mapping[str, Mapping[str, Any]], what: str
) -> Table:
    columns = (name, *(metric_label(key, result.k) for key in _TYPE_KEYS))
    rows = tuple(
        (g, *(format_value(key, m.get(key)) for key in _TYPE_KEYS)) for g, m in groups.items()
    )
    return Table(title=f"{result.mode} by {what}", columns=columns, rows=rows)


def format_reliability_table(result: EvalResult, bins: int = 10) -> Table:
    """The reliability bins of one run's answered questions (those ``ece`` is over):
    count, mean confidence and accuracy (share right) per confidence bin."""
    table = reliability_bins(*calibration_data(result.records), bins=bins)
    rows = tuple(
        (
            f"{b.lower:.1f}-{b.upper:.1f}",
            str(b.count),
            format_value("mean_confidence", b.mean_confidence),
            format_value("accuracy", b.accuracy),
        )
        for b in table
    )
    return Table(
        title=f"{result.mode} reliability (answered questions)",
        columns=("confidence", "n", "mean confidence", "accuracy"),
        rows=rows,
    )


def table_markdown(table: Table) -> str:
    lines = [
        "| " + " | ".join(table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table.rows]
    return "\n".join(lines)


def markdown_report(results_by_mode: Mapping[str, EvalResult]) -> str:
    overall = format_table(results_by_mode)
    parts = ["# evqa evaluation", "", f"## {overall.title}", "", table_markdown(overall)]
    for result in results_by_mode.values():
        tables = (format_type_table(result), format_split_table(result))
        tables += (format_reliability_table(result),)
        for table in tables:
            parts += ["", f"## {table.title}", "", table_markdown(table)]
    parts += [
        "",
        "Answer and retrieval metrics are over answerable questions; an abstained answerable"
        " question scores 0 on hit@1/em/f1/squad_em/squad_f1. squad_em/squad_f1 use the"
        " official SQuAD normalisation; squad_em_v2/squad_f1_v2 are over all questions, an"
        " unanswerable one scoring 1 if abstained, else 0 (SQuAD v2.0). ece: expected"
        " calibration error (10 equal-width bins) of confidence as the probability that the"
        " answer span holds a gold answer, over answered questions; ece_all counts abstentions"
        " too, at their confidence, as not right. Latency is the wall-clock time of one ask.",
        "",
    ]
    return "\n".join(parts)


def write_markdown_report(results_by_mode: Mapping[str, EvalResult], path: Path | str) -> Path:
    """Write the markdown report (all metrics per mode, then per-type and per-split tables
    per mode), atomically: a failed write leaves ``path`` as it was."""
    path = Path(path)
    text = markdown_report(results_by_mode)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def require_matplotlib() -> None:
    """Raise ``EvqaError`` (exit code 1) with what to install if matplotlib is missing.
    Call it before a long eval run that ends in ``write_plot``."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise EvqaError(
            "writing a plot needs matplotlib, which is not installed; install it with"
            " pip install matplotlib (or the dev extra: pip install -e '.[dev]')"
        ) from None


def write_plot(results_by_mode: Mapping[str, EvalResult], path: Path | str) -> Path:
    """Write a PNG with two panels: doc recall@k (k = 1..depth) per mode, and the reliability
    diagram of each mode's answered questions (accuracy against mean confidence per bin, the
    diagonal being perfect calibration; the legend gives the ECE), atomically: a failed
    write leaves ``path`` as it was. matplotlib is imported lazily and used through the Agg
    canvas (no pyplot, no display)."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    fig = Figure(figsize=(11, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    recall_ax, reliability_ax = fig.subplots(1, 2)
    for mode, result in results_by_mode.items():
        ks = range(1, len(result.curve) + 1)
        recall_ax.plot(ks, result.curve, marker="o", label=mode)
    recall_ax.set_xlabel("k (passages)")
    recall_ax.set_ylabel("doc recall@k")
    recall_ax.set_ylim(0, 1.05)
    recall_ax.set_title("Gold-document recall by depth")
    recall_ax.grid(True, alpha=0.3)
    if results_by_mode:
        recall_ax.legend()
    _reliability_panel(reliability_ax, results_by_mode)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def _reliability_panel(ax: Any, results_by_mode: Mapping[str, EvalResult]) -> None:
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect")
    for mode, result in results_by_mode.items():
        table = [b for b in reliability_bins(*calibration_data(result.records)) if b.count]
        ece = format_value("ece", result.metrics.get("ece"))
        n = sum(b.count for b in table)
        ax.plot(
            [b.mean_confidence for b in table],
            [b.accuracy for b in table],
            marker="o",
            label=f"{mode} (ECE {ece}, n={n})",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("confidence (mean per bin, 10 bins)")
    ax.set_ylabel("share right (span holds a gold answer)")
    ax.set_title("Reliability of confidence (answered questions)")
    ax.grid(True, alpha=0.3)
    ax.legend()
