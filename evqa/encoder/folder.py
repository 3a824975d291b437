"""What a model folder holds: its layout checked, its weights file found and its embedding
dimension read from the configs (no torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evqa import config
from evqa.encoder.files import read_json
from evqa.errors import ModelError

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def model_folder(model: str | Path | None) -> Path | None:
    """The model folder asked for: ``model`` (a flag or argument), else EVQA_MODEL, else
    None (the index's or the bundled model). A bad EVQA_MODEL is named as such here; a
    flag's folder is checked where it is used."""
    path = config.resolve("model", model)
    if path is None:
        return None
    if config.from_env("model", model):
        check_folder(Path(path), env=config.env_name("model"))
    return Path(path)


def check_folder(folder: Path, env: str | None = None) -> None:
    """ModelError unless ``folder`` is a sentence-transformers model with weights. ``env``
    names the EVQA_* variable the folder came from (the messages then speak of it, not of
    --model)."""
    where = f"{env}={folder}" if env else str(folder)
    if env:
        hint = (
            f"set {env} to a local sentence-transformers folder, or unset it to use the "
            "bundled model"
        )
    else:
        hint = (
            "pass --model a local sentence-transformers folder, or omit it to use the bundled model"
        )
    if not folder.exists():
        if env:
            raise ModelError(f"{where}: no model folder there; {hint}")
        raise ModelError(f"model folder {folder} does not exist; {hint}")
    if not folder.is_dir():
        raise ModelError(f"{where if env else f'--model {folder}'} is a file, not a folder; {hint}")
    if not any((folder / name).is_file() for name in ("modules.json", "config.json")):
        raise ModelError(
            f"{where} is not a sentence-transformers model (no modules.json or config.json); {hint}"
        )
    weights_file(folder, env)


def weights_file(folder: Path, env: str | None = None) -> Path:
    for base in _transformer_dirs(folder):
        for name in WEIGHT_FILES:
            if (base / name).is_file():
                return base / name
    fix = f"or unset {env}" if env else "or omit --model"
    raise ModelError(
        f"{f'{env}={folder}' if env else folder} has no weights ({' or '.join(WEIGHT_FILES)}); "
        f"copy the complete model folder, {fix} to use the bundled model"
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
