"""onnxruntime sessions for the shipped models: CPU, quiet, at most THREADS threads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from evqa.errors import ModelError

THREADS = 2


def cpu_session(path: Path, what: str, threads: int = THREADS) -> Any:
    """An ``onnxruntime.InferenceSession`` of the graph at ``path``; a graph that does not
    load is a ModelError naming ``what`` (e.g. "the reader model") and its folder."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(threads, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # errors only; the library never prints
    # threads sleep once a run ends instead of spinning: two sessions run one after the
    # other on each question (the reader, then the verifier), and a spinning pool of one
    # would take the cores from the other
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as e:  # onnxruntime raises its own types
        raise ModelError(
            f"{what} in {path.parent} cannot be loaded ({type(e).__name__}); "
            "reinstall evqa to restore it"
        ) from None
