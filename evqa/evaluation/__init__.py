"""Evaluation: the gold question set, answer/retrieval metrics, the eval runner,
abstention-threshold calibration and reports.

Modules: ``gold`` (the gold JSONL and its splits), ``corpus_index`` (the cached index of a
corpus evaluated with ``--corpus``), ``normalize`` (answer text normalisation), ``metrics``
(per-question metric functions), ``calibration`` (reliability bins and the ECE), ``scoring``
(one question's record), ``aggregate`` (a run's metrics), ``result`` (``EvalResult``), ``run``
(the runner), ``threshold`` (abstention threshold), ``tables`` / ``markdown`` / ``plot``
(reports). The names other code imports from the package are re-exported here.

Nothing here prints; but for ``corpus_index`` (which builds an index) and the report
writers, everything is pure. The runner takes any *engine* with ``ask(question, k=, mode=)
-> Answer``, ``articles: Mapping[str, Article]`` and (optionally) ``search(query, k=,
mode=) -> list[Hit]``; ``evqa.Engine`` fits.

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
  Per record, ``squad_em`` / ``squad_f1`` of an unanswerable question are null (as ``em`` /
  ``f1``); ``squad_em_v2`` / ``squad_f1_v2`` hold every question's v2 score.
- An *abstained* answerable question scores 0 on hit@1, em, f1, squad_em and squad_f1
  (retrieval metrics are still scored on its passages). Answer and retrieval metrics are
  averaged over answerable questions.
- ``span_correct`` (per record): the answer is *right*: not abstained, answerable, and the
  answer span holds a gold answer (``answer_in``). An answer to an unanswerable question is
  wrong; an abstention has no answer, so it is not right either.
- ``ece``: expected calibration error of ``confidence`` as the probability that the answer is
  right (``span_correct``), 10 equal-width bins (``evqa.evaluation.calibration``), over the
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

from evqa.evaluation.corpus_index import cached_corpus_index
from evqa.evaluation.gold import load_gold, load_split, unknown_doc_ids_warning
from evqa.evaluation.markdown import write_markdown_report
from evqa.evaluation.metrics import answer_in, exact_match, squad_em, squad_f1, token_f1
from evqa.evaluation.plot import require_matplotlib, write_plot
from evqa.evaluation.run import run_eval, write_predictions
from evqa.evaluation.tables import format_table
from evqa.evaluation.threshold import CalibPoint, calibrate_threshold, decision_accuracy

__all__ = [
    "CalibPoint",
    "answer_in",
    "cached_corpus_index",
    "calibrate_threshold",
    "decision_accuracy",
    "exact_match",
    "format_table",
    "load_gold",
    "load_split",
    "require_matplotlib",
    "run_eval",
    "squad_em",
    "squad_f1",
    "token_f1",
    "unknown_doc_ids_warning",
    "write_markdown_report",
    "write_plot",
    "write_predictions",
]
