"""The eval figure: doc recall@k per mode beside the reliability diagram, drawn with a lazily
imported matplotlib."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evqa.errors import EvqaError
from evqa.evaluation.aggregate import calibration_data
from evqa.evaluation.calibration import reliability_bins
from evqa.evaluation.result import EvalResult, output_file
from evqa.evaluation.tables import format_value
from evqa.store import atomic_path


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

    path = output_file(path)
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
