"""evqa.evaluation.plot: the eval figure."""

from __future__ import annotations

import pytest
from evaluation_fakes import two_modes

from evqa.evaluation import plot
from evqa.evaluation.plot import write_plot


def test_write_plot_png(tmp_path):
    path = write_plot(two_modes(), tmp_path / "p" / "recall.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 450)  # two panels: recall@k and the reliability diagram


def test_write_plot_draws_the_reliability_diagram(tmp_path, monkeypatch):
    drawn = []
    real = plot._reliability_panel
    monkeypatch.setattr(
        plot, "_reliability_panel", lambda ax, res: drawn.append(ax) or real(ax, res)
    )
    write_plot(two_modes(), tmp_path / "r.png")
    (ax,) = drawn
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["perfect", "hybrid (ECE 0.350, n=2)", "bm25 (ECE 0.350, n=2)"]
    hybrid = ax.get_lines()[1]
    assert list(hybrid.get_xdata()) == pytest.approx([0.6, 0.9])  # bins 6 and 9
    assert list(hybrid.get_ydata()) == [0.0, 1.0]


def test_write_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    import sys

    from evqa.errors import EvqaError

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(EvqaError, match="needs matplotlib.*pip install") as info:
        write_plot(two_modes(), tmp_path / "r.png")
    assert info.value.exit_code != 0
    assert not (tmp_path / "r.png").exists()
