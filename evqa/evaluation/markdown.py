"""The markdown report: every table of the runs, then how the metrics are defined."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evqa.evaluation.result import EvalResult, output_file
from evqa.evaluation.tables import (
    Table,
    format_reliability_table,
    format_split_table,
    format_table,
    format_type_table,
)
from evqa.store import atomic_path


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
    path = output_file(path)
    text = markdown_report(results_by_mode)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
