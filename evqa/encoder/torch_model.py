"""The sentence-transformers model itself (imports torch): loaded once per folder on the CPU,
with the Hugging Face libraries kept off the network."""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any

from evqa.errors import ModelError

_OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def ensure_offline() -> None:
    """Keep Hugging Face libraries off the network; call before importing them.

    The offline switches are forced to 1 (evqa never downloads, whatever the environment says);
    the cosmetic ones are only defaults.
    """
    for name in _OFFLINE_ENV:
        os.environ[name] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@functools.lru_cache(maxsize=2)
def load_model(path: str) -> Any:
    """A SentenceTransformer on the CPU, loaded once per folder and process."""
    ensure_offline()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the library never prints
        hf_logging.set_verbosity_error()
        try:
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as e:  # torch/transformers raise many types for a broken folder
            raise ModelError(
                f"cannot load the embedding model from {path} ({type(e).__name__}: {e}); "
                "check the folder is a complete sentence-transformers model"
            ) from None
    model.eval()
    return model
