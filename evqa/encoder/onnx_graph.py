"""Writing the ONNX graph files: the traced sentence-transformers pipeline (torch) and its
form as optimised by onnxruntime."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

ONNX_OPSET = 17


def export_graph(st: Any, inputs: list[str], target: Path) -> None:
    """Trace the whole sentence-transformers pipeline (to ``sentence_embedding``) into ONNX."""
    import torch

    class Pipeline(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(dict(zip(inputs, tensors, strict=True)))["sentence_embedding"]

    sample = st.tokenizer(["an example sentence", "two"], padding=True, return_tensors="pt")
    args = tuple(sample[name] for name in inputs)
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    axes["sentence_embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pipeline(st).eval(),
            args,
            str(target),
            dynamo=False,
            input_names=inputs,
            output_names=["sentence_embedding"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
        )


def optimise_graph(source: Path, target: Path) -> None:
    """Save onnxruntime's optimised graph once, so every query process can skip the graph
    optimisation at session start (about 0.15 s of a cold query). EXTENDED, not ALL: the
    ALL level may bake in hardware-specific layouts."""
    from evqa.onnx_session import import_onnxruntime

    ort = import_onnxruntime()

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(target)
    opts.log_severity_level = 3
    ort.InferenceSession(str(source), sess_options=opts, providers=["CPUExecutionProvider"])
