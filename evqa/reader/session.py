"""The shipped reader: an ONNX span model run with onnxruntime (no torch).

``Reader.read(question, passages)`` returns, for each passage, its best spans and the
passage's no-answer score. The model folder holds ``model.onnx``, ``tokenizer.json`` and
``manifest.json`` (sha256 of the model, window settings, training data hash, metrics,
and the answer calibration fitted on held-out data)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evqa.errors import ModelError
from evqa.onnx_session import cpu_session
from evqa.reader.decode import SpanGuess, best_spans
from evqa.reader.windows import Window, load_tokenizer, make_windows

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "reader"


@dataclass(frozen=True)
class _Pair:
    question: str
    context: str
    answer_start: int | None = None
    answer_text: str | None = None


@dataclass(frozen=True)
class PassageRead:
    """What the reader made of one passage."""

    spans: tuple[SpanGuess, ...]  # best first; offsets into the passage text
    null: float  # the best window's no-answer score (start[CLS] + end[CLS])


class Reader:
    def __init__(self, folder: Path | str = MODEL_DIR) -> None:
        folder = Path(folder)
        self.folder = folder
        self.manifest = read_manifest(folder)
        self.max_len = int(self.manifest["max_len"])
        self.stride = int(self.manifest["stride"])
        self._tok = load_tokenizer(folder / "tokenizer.json")
        self._session = cpu_session(folder / "model.onnx", "the reader model")

    def read(
        self,
        question: str,
        passages: Sequence[str],
        top: int = 5,
        starts: Sequence[Sequence[int]] | None = None,
    ) -> list[PassageRead]:
        """Each passage's best ``top`` spans and its no-answer score; ``starts``: each
        passage's sentence starts that no span may cross, when they are known
        (``evqa.reader.decode.passage_starts``; else they are split here)."""
        if not passages:
            return []
        pairs = [_Pair(question, p) for p in passages]
        windows = make_windows(self._tok, pairs, max_len=self.max_len, stride=self.stride)
        start, end = self.logits(windows)
        per: list[list[tuple[Window, np.ndarray, np.ndarray]]] = [[] for _ in passages]
        for w, s, e in zip(windows, start, end, strict=True):
            n = len(w.input_ids)
            per[w.example].append((w, s[:n], e[:n]))
        return [
            PassageRead(
                tuple(best_spans(scored, passages[i], top, None if starts is None else starts[i])),
                max(float(s[0] + e[0]) for _, s, e in scored),
            )
            for i, scored in enumerate(per)
        ]

    def logits(self, windows: Sequence[Window]) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits (windows x longest window), padding masked very low."""
        n = max(len(w.input_ids) for w in windows)
        ids = np.zeros((len(windows), n), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for r, w in enumerate(windows):
            ids[r, : len(w.input_ids)] = w.input_ids
            mask[r, : len(w.input_ids)] = 1
            types[r, : len(w.input_ids)] = w.token_type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        start, end = self._session.run(None, feeds)
        return start, end


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise ModelError(
            f"the reader model's manifest {path} is missing or damaged; reinstall evqa"
        ) from None
    return manifest


_LOADED: dict[Path, Reader] = {}  # the readers loaded, oldest first
_LOADING = threading.Lock()
KEEP = 4  # readers kept loaded; the oldest is dropped past that


def load_reader(folder: Path | str = MODEL_DIR) -> Reader:
    """The reader for ``folder``, loaded once per process: threads asking at the same time
    wait for the first one's load (functools.lru_cache would load it once per thread)."""
    folder = Path(folder)
    with _LOADING:
        reader = _LOADED.get(folder)
        if reader is None:
            reader = Reader(folder)  # a ModelError leaves nothing behind: the next call retries
            if len(_LOADED) >= KEEP:
                del _LOADED[next(iter(_LOADED))]
            _LOADED[folder] = reader
    return reader
