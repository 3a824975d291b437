"""onnxruntime sessions for the shipped models: CPU, quiet, at most THREADS threads; and
onnxruntime's import, which a Ctrl-C must not break."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from evqa.errors import ModelError

THREADS = 2


def cpu_session(path: Path, what: str, threads: int = THREADS) -> Any:
    """An ``onnxruntime.InferenceSession`` of the graph at ``path``; a graph that does not
    load is a ModelError naming ``what`` (e.g. "the reader model") and its folder."""
    ort = import_onnxruntime()
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


def import_onnxruntime() -> Any:
    """The ``onnxruntime`` module, imported with a Ctrl-C held back till the import is done."""
    return import_holding_ctrl_c("onnxruntime")


def import_holding_ctrl_c(name: str) -> Any:
    """``importlib.import_module(name)``; on the main thread, a Ctrl-C that comes during the
    import raises KeyboardInterrupt once it is done. onnxruntime's extension runs Python
    code as it starts (``import numpy``...) and turns a KeyboardInterrupt raised there into
    an ImportError; the half-done import then never works again in that process ("type ...
    is already registered"): the Ctrl-C would be lost, and a good export taken for a broken
    one. Other threads get no KeyboardInterrupt, so they import it as it is."""
    if (
        name in sys.modules
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        return importlib.import_module(name)
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        module = importlib.import_module(name)
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
    return module
