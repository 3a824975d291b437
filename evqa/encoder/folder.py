"""What a model folder holds: its layout checked, its weights file found and its embedding
dimension read from the configs (no torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evqa.encoder.files import read_json
from evqa.errors import ModelError

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def check_folder(folder: Path) -> None:
    hint = "pass --model a local sentence-transformers folder, or omit it to use the bundled model"
    if not folder.exists():
        raise ModelError(f"model folder {folder} does not exist; {hint}")
    if not folder.is_dir():
        raise ModelError(f"--model {folder} is a file, not a folder; {hint}")
    if not any((folder / name).is_file() for name in ("modules.json", "config.json")):
        raise ModelError(
            f"{folder} is not a sentence-transformers model (no modules.json or config.json); "
            f"{hint}"
        )
    weights_file(folder)


def weights_file(folder: Path) -> Path:
    for base in _transformer_dirs(folder):
        for name in WEIGHT_FILES:
            if (base / name).is_file():
                return base / name
    raise ModelError(
        f"{folder} has no weights ({' or '.join(WEIGHT_FILES)}); copy the complete model "
        "folder, or omit --model to use the bundled model"
    )


def _transformer_dirs(folder: Path) -> list[Path]:
    """Where the transformer lives: the folder itself, or the path modules.json gives it."""
    dirs = [folder]
    for module in _modules(folder):
        if module.get("type", "").endswith(".Transformer") and module.get("path"):
            dirs.append(folder / module["path"])
    return dirs


def _modules(folder: Path) -> list[dict[str, Any]]:
    data = read_json(folder / "modules.json")
    return data if isinstance(data, list) else []


def model_dim(folder: Path) -> int:
    """The embedding dimension, read from the folder's configs (no torch)."""
    dim = _modules_dim(folder)
    if dim is None:
        dim = _transformer_dim(folder)
    if not isinstance(dim, int) or dim < 1:
        raise ModelError(
            f"cannot tell the embedding size of {folder} (no 1_Pooling/config.json "
            "word_embedding_dimension or config.json hidden_size); is it a complete model?"
        )
    return dim


def _modules_dim(folder: Path) -> Any:
    """The output size the pooling and dense modules give (the last one wins), or None."""
    dim = None
    for module in _modules(folder):
        config = read_json(folder / module.get("path", "") / "config.json") or {}
        kind = module.get("type", "")
        if kind.endswith(".Pooling") and "word_embedding_dimension" in config:
            dim = config["word_embedding_dimension"]
        elif kind.endswith(".Dense") and "out_features" in config:
            dim = config["out_features"]  # a dense layer after pooling changes the size
    return dim


def _transformer_dim(folder: Path) -> int | None:
    """The hidden size in the transformer's config.json, or None."""
    for base in _transformer_dirs(folder):
        config = read_json(base / "config.json") or {}
        for key in ("hidden_size", "d_model", "dim"):
            if isinstance(config.get(key), int):
                return config[key]
    return None
