"""evqa.evaluation.markdown: the markdown report."""

from __future__ import annotations

from evaluation_fakes import two_modes

from evqa.evaluation.markdown import markdown_report, write_markdown_report


def test_write_markdown_report(tmp_path):
    path = write_markdown_report(two_modes(), tmp_path / "r" / "report.md")
    text = path.read_text(encoding="utf-8")
    assert "| metric | hybrid | bm25 |" in text
    assert "| doc_recall@2 | 0.667 | 1.000 |" in text
    assert "## hybrid by question type" in text and "## bm25 by question type" in text
    assert "| unanswerable |" in text
    assert "## hybrid by split" in text and "| dev |" in text


def test_markdown_report_has_squad_metrics_ece_and_reliability_bins(tmp_path):
    text = markdown_report(two_modes())
    assert "| squad_em | 0.333 | 0.500 |" in text
    assert "| squad_em_v2 | 0.500 | 0.500 |" in text
    assert "| ece | 0.350 | 0.350 |" in text
    assert "## hybrid reliability (answered questions)" in text
    assert "| 0.6-0.7 | 1 | 0.600 | 0.000 |" in text
    assert "| 0.9-1.0 | 1 | 0.900 | 1.000 |" in text
    assert "| 0.0-0.1 | 0 | n/a | n/a |" in text
    assert "SQuAD v2.0" in text  # the convention is written down
    header = next(line for line in text.splitlines() if line.startswith("| type |"))
    assert "| hit@1 | squad_em | squad_f1 |" in header and "| ece |" in header
