"""eval/export_reader.py: which graph ships."""

import eval_scripts
import pytest

export_reader = eval_scripts.load("export_reader")
MiB = 2**20


def results(fp32_f1: float, int8_f1: float, fp32_mib: float = 86) -> dict[str, dict]:
    return {
        "fp32": {"f1": fp32_f1, "bytes": int(fp32_mib * MiB)},
        "int8": {"f1": int8_f1, "bytes": 27 * MiB},
    }


def test_int8_ships_when_it_loses_at_most_a_point():
    assert export_reader.pick_graph(results(0.6944, 0.6979)) == "int8"  # gains
    assert export_reader.pick_graph(results(0.700, 0.690)) == "int8"  # exactly a point


def test_fp32_ships_when_int8_loses_more_and_fp32_fits_the_budget():
    assert export_reader.pick_graph(results(0.700, 0.689, fp32_mib=29)) == "fp32"


def test_nothing_ships_when_int8_loses_more_and_fp32_is_too_big():
    # stop 38's news86b: int8 0.6826 against fp32 0.6931, and fp32 is 86 MiB
    with pytest.raises(ValueError) as e:
        export_reader.pick_graph(results(0.6931, 0.6826))
    assert "int8 loses 1.05 points" in str(e.value) and "86 MiB (at most 30)" in str(e.value)
