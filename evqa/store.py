"""The index on disk: generations, manifest, checksums, atomic swap and the build lock.

Layout of an index folder::

    index/
      CURRENT                 name of the live generation, replaced atomically
      .lock                   flock() held by a build (never committed)
      .embedded/              what an unfinished build embedded, for the next one to resume
                              from (see evqa.checkpoint; removed when a build finishes)
      gen-<stamp>-<rand>/     one complete, immutable generation
        manifest.json         format version, model, settings, corpus, file checksums
        docs.sqlite           articles, sentences, spans and chunks, read by id
                              on demand (see evqa.docstore)
        embeddings.npy        float16 (n_chunks, dim), L2-normalised, memory-mapped
        dense.faiss           faiss index over the embeddings
        bm25/...              pickle-free BM25 arrays (see evqa.bm25)

A build writes a new generation into a temporary folder, fsyncs it, renames it
into place and only then replaces ``CURRENT``. A reader resolves ``CURRENT``
once and reads one generation, so it sees the old index or the new one, never a
mix; a build killed at any moment leaves ``CURRENT`` pointing at the old one.
Nothing here unpickles: JSON, SQLite, ``.npy`` (allow_pickle=False) and faiss files only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evqa.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    InputError,
)

FORMAT = "evqa-index"
FORMAT_VERSION = 2  # 2: docs.sqlite replaced articles.jsonl and chunks.jsonl
MILVUS_VERSIONS = (1, 2)  # a Milvus index folder holds no data files: version 1 still reads
CURRENT = "CURRENT"
LOCK = ".lock"
CHECKPOINT = ".embedded"  # see evqa.checkpoint
MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"
GEN_PREFIX = "gen-"
SECTIONS = ("model", "settings", "corpus", "backend", "dense")  # each a JSON object
MODEL_KEYS = {"name", "path", "sha256", "dim"}  # what opening an index reads of its model
# what evqa names its own entries (see new_tmp_generation and commit): nothing else in an
# index folder is ever removed, so files a user keeps there are safe
_GEN_NAME = re.compile(r"gen-\d{8}T\d{6}-[0-9a-f]{6}")
_TMP_NAME = re.compile(rf"{re.escape(TMP_PREFIX)}(?:{_GEN_NAME.pattern}|{CURRENT}-[0-9a-f]{{6}})")


@dataclass(frozen=True)
class Generation:
    """One readable generation of an index folder."""

    root: Path  # the index folder
    path: Path  # the generation folder inside it
    manifest: dict[str, Any]

    def file(self, name: str) -> Path:
        return self.path / name


def sha256_file(path: Path, bufsize: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(bufsize):
            h.update(block)
    return h.hexdigest()


# --- reading ---------------------------------------------------------------------------


def current_generation(root: Path) -> Path:
    """The live generation folder, or IndexNotFoundError."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexNotFoundError(_no_index(root)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise IndexCorruptError(
            f"cannot read {pointer} ({e}); rebuild with: evqa index build --index {root}"
        ) from None
    if not name.startswith(GEN_PREFIX) or "/" in name or not (root / name).is_dir():
        raise IndexCorruptError(
            f"{pointer} points at a missing generation {name!r}; "
            f"rebuild with: evqa index build --index {root}"
        )
    return root / name


def open_generation(root: Path) -> Generation:
    """Resolve CURRENT once and read that generation's manifest."""
    root = Path(root)
    if not root.exists():
        raise IndexNotFoundError(_no_index(root))
    if not root.is_dir():
        raise IndexNotFoundError(
            f"{root} is a file, not an index folder; pass the folder of an index with "
            "--index DIR, or build one into a new folder with: "
            "evqa index build --corpus CORPUS --index DIR"
        )
    gen = current_generation(root)
    return Generation(root=root, path=gen, manifest=read_manifest(gen, root))


def _no_index(root: Path) -> str:
    """Why there is no index at ``root``, and the command that builds one."""
    from evqa.missing_index import no_index_message

    return no_index_message(root)


def recorded_manifest(root: Path) -> dict[str, Any] | None:
    """What the index records (its corpus, backend...), for a rebuild: the live
    generation's manifest, even with a bad model or settings value; if that cannot be
    read, the newest readable one among the folder's generations; None if the folder
    holds no index."""
    root = Path(root)
    with contextlib.suppress(IndexNotFoundError, IndexCorruptError):
        return read_manifest(current_generation(root), root, check_values=False)
    if not root.is_dir():
        return None
    gens = (p for p in root.iterdir() if _GEN_NAME.fullmatch(p.name) and p.is_dir())
    for gen in sorted(gens, key=lambda p: p.name, reverse=True):
        with contextlib.suppress(IndexCorruptError):
            return read_manifest(gen, root, check_values=False)
    return None


def read_manifest(gen: Path, root: Path, *, check_values: bool = True) -> dict[str, Any]:
    """The manifest of generation ``gen`` of the index at ``root``; IndexCorruptError
    if it is unreadable, not an evqa manifest or damaged, or (``check_values``) if a
    value of its model or settings section is not what evqa writes there (hand-edited)."""
    fix = f"rebuild with: evqa index build --index {root}"
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(f"{gen / MANIFEST} is missing; {fix}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexCorruptError(f"{gen / MANIFEST} is unreadable ({e}); {fix}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{gen / MANIFEST} is not an evqa manifest; {fix}")
    version = manifest.get("format_version")
    backend = manifest.get("backend")
    milvus = isinstance(backend, dict) and backend.get("type") == "milvus"
    if version != FORMAT_VERSION and not (milvus and version in MILVUS_VERSIONS):
        raise IndexCorruptError(
            f"index format version {version!r} is not supported (expected {FORMAT_VERSION}); {fix}"
        )
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise IndexCorruptError(f"{gen / MANIFEST} lists no files; {fix}")
    if not all(_file_entry(meta) for meta in files.values()):
        raise IndexCorruptError(f"{gen / MANIFEST} has a damaged files section; {fix}")
    bad = [k for k in SECTIONS if not isinstance(manifest.get(k, {}), dict)]
    corpus = manifest.get("corpus", {})
    if isinstance(corpus, dict) and any(
        not isinstance(corpus.get(k), str | None) for k in ("path", "absolute_path", "id_root")
    ):
        bad.append("corpus")
    model = manifest.get("model")
    if bad or not isinstance(model, dict) or not model.keys() >= MODEL_KEYS:
        what = ", ".join(bad) or "model"
        raise IndexCorruptError(f"{gen / MANIFEST} has a damaged {what} section; {fix}")
    if check_values and (problem := _bad_value(manifest)) is not None:
        raise IndexCorruptError(f"{gen / MANIFEST} has {problem}; {fix}")
    return manifest


# what each value of a manifest's model section must be, and what that says
_MODEL_VALUES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "name": (str, "a string"),
    "path": ((str, type(None)), "a string or null"),
    "sha256": (str, "a string"),
    "dim": (int, "a whole number, at least 1"),
    "encoder": ((str, type(None)), "a string or null"),
}


def _bad_value(manifest: dict[str, Any]) -> str | None:
    """The first value of the manifest's model or settings section (hand-edited?) that is
    not what evqa wrote there, said as ``a bad settings.fusion 'rfr' (it must be ...)``;
    None when they are all well-formed."""
    from evqa import config

    found = _bad_model_value(manifest["model"])
    if found is None:
        setting = config.manifest_setting_problem(manifest.get("settings", {}))
        found = None if setting is None else (f"settings.{setting[0]}", setting[1])
    if found is None:
        return None
    field, must = found
    value = repr(_dotted(manifest, field))
    value = value if len(value) <= 60 else value[:57] + "..."
    return f"a bad {field} {value} (it must be {must})"


def _bad_model_value(model: dict[str, Any]) -> tuple[str, str] | None:
    """The model section's first ill-typed value, as (field, what it must be)."""
    for key, (kind, must) in _MODEL_VALUES.items():
        value = model.get(key)
        wrong = isinstance(value, bool) or not isinstance(value, kind)
        if key == "dim" and not wrong:
            wrong = value < 1
        if wrong and (key in MODEL_KEYS or value is not None):
            return f"model.{key}", must
    return None


def _dotted(manifest: dict[str, Any], field: str) -> Any:
    section, key = field.split(".", 1)
    return manifest[section].get(key)


def _file_entry(meta: Any) -> bool:
    """A manifest's entry for one file: its size and sha256."""
    return (
        isinstance(meta, dict)
        and isinstance(meta.get("size"), int)
        and isinstance(meta.get("sha256"), str)
    )


def check_sizes(gen: Generation) -> None:
    """Cheap integrity check done on every open: every listed file exists with its size."""
    for name, meta in gen.manifest["files"].items():
        path = gen.file(name)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexCorruptError(
                f"index file {path} is missing; rebuild with: evqa index build --index {gen.root}"
            ) from None
        if size != meta["size"]:
            raise IndexCorruptError(
                f"index file {path} has {size} bytes, expected {meta['size']} "
                f"({'truncated' if size < meta['size'] else 'written to since the build'}); "
                f"rebuild with: evqa index build --index {gen.root}"
            )


def verify(gen: Generation) -> list[str]:
    """Check every file against the manifest's sha256. Returns the problems found."""
    problems = []
    for name, meta in sorted(gen.manifest["files"].items()):
        path = gen.file(name)
        try:
            if not path.exists():
                problems.append(f"{name}: missing")
            elif path.stat().st_size != meta["size"]:
                problems.append(f"{name}: size {path.stat().st_size}, expected {meta['size']}")
            elif sha256_file(path) != meta["sha256"]:
                problems.append(f"{name}: checksum mismatch")
        except OSError as e:  # permission denied, a folder where a file should be...
            problems.append(f"{name}: unreadable ({e.strerror or type(e).__name__})")
    return problems


# --- writing ---------------------------------------------------------------------------


@contextlib.contextmanager
def build_lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """Serialise builds of one index folder with an advisory flock.

    Waits up to ``wait`` seconds, then raises IndexLockedError. The lock dies with the
    process, so a SIGKILLed build never leaves a stale lock behind.
    """
    ensure_writable(root)
    check_index_folder(root)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"another build is writing {root}; wait for it to finish, "
                        "or pass --wait SECONDS"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def require_index(root: Path) -> None:
    """IndexNotFoundError (with the command that builds one) unless ``root`` holds an index,
    live or damaged: checked before an edit takes the build lock, which would create the
    folder."""
    root = Path(root)
    if (root / CURRENT).exists():
        return
    if root.is_dir() and any(p.name.startswith(GEN_PREFIX) for p in root.iterdir()):
        return  # a damaged index: the edit says how to rebuild it
    open_generation(root)  # says why: no folder, a file, or no index in it
    raise IndexNotFoundError(_no_index(root))


def check_index_folder(root: Path) -> None:
    """Refuse (InputError) a folder that holds files but no evqa index: a build writes
    and collects garbage there, so it must not mix with someone's own files."""
    if not holds_other_files(root):
        return
    raise InputError(
        f"{root} is not empty and is not an evqa index; choose a new or empty folder "
        "for the index with --index DIR"
    )


def holds_other_files(root: Path) -> bool:
    """Whether ``root`` is a folder that holds files but nothing of an evqa index (a build
    refuses to write there)."""
    if not root.is_dir():
        return False
    entries = [p.name for p in root.iterdir()]
    own = (CURRENT, LOCK, CHECKPOINT)
    return bool(entries) and not any(
        n in own or _GEN_NAME.fullmatch(n) or _TMP_NAME.fullmatch(n) for n in entries
    )


def ensure_writable(root: Path) -> None:
    """Create the index folder ``root`` if need be. A path that is a file, or lies under
    one, is bad input (InputError); a folder that cannot be written, IndexWriteError."""
    if root.exists() and not root.is_dir():
        raise InputError(
            f"{root} is a file, not a folder; choose a folder for the index with --index DIR"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except NotADirectoryError:
        file = next((p for p in root.parents if p.exists()), root.parent)
        raise InputError(
            f"cannot create index folder {root}: {file} is a file, not a folder; "
            "choose a folder for the index with --index DIR"
        ) from None
    except OSError as e:
        raise IndexWriteError(f"cannot create index folder {root}: {e.strerror}") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise IndexWriteError(
            f"index folder {root} is not writable; choose another with --index DIR"
        )


def new_tmp_generation(root: Path) -> Path:
    """A fresh temporary folder inside ``root`` to write a generation into."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = root / f"{TMP_PREFIX}{GEN_PREFIX}{stamp}-{secrets.token_hex(3)}"
    try:
        path.mkdir()
    except OSError as e:
        raise IndexWriteError(f"cannot write to {root}: {e.strerror}") from None
    return path


def write_json(path: Path, data: Any) -> None:
    """Readable UTF-8 JSON; escaped (\\u...) if it holds a path with undecodable bytes,
    which then reads back as the same path."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raw = json.dumps(data, ensure_ascii=True, indent=1, sort_keys=True).encode("ascii")
    path.write_bytes(raw)


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write. When the block ends without an error
    the temporary file is fsynced and replaces ``path`` atomically; otherwise it is removed
    and ``path`` is left as it was (nothing half-written). Missing folders are created. A
    ``path`` that exists and is neither a file nor a folder (``/dev/null``, a FIFO) is
    yielded itself, to be written in place."""
    if _written_in_place(Path(path)):
        yield Path(path)
        return
    path = Path(os.path.realpath(path))  # a link stays a link: its target is replaced
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _written_in_place(path: Path) -> bool:
    """An existing path that is not a regular file or folder (/dev/null, a FIFO), or one
    of the system's device or process files (/dev/stdout when stdout is a file): written
    in place, never replaced."""
    if not path.exists() or path.is_dir():
        return False
    return not path.is_file() or str(path.absolute()).startswith(("/dev/", "/proc/"))


def check_output_file(path: Path | str, name: str) -> None:
    """Raise InputError unless a file can be written at ``path`` (as ``atomic_path`` does):
    it is not a folder, and the nearest existing folder on its way is a folder in which a
    file can be created. Nothing is left behind. ``name`` (e.g. ``--report``) is what the
    message calls the path."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{name} {path} is a folder; give the path of a file")
    if _written_in_place(path):  # /dev/null, /dev/stdout, a FIFO
        if not os.access(path, os.W_OK):
            raise InputError(f"{name} {path} is not writable; choose another path for {name}")
        return
    folder = Path(os.path.realpath(path)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(
            f"{name} {path}: {folder} is a file, not a folder; choose another path for {name}"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".evqa-probe-", dir=folder)
    except OSError as e:
        raise InputError(
            f"{name} {path}: cannot write in {folder} ({e.strerror}); "
            f"choose another path for {name}"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def commit(root: Path, tmp: Path, manifest: dict[str, Any]) -> Path:
    """Checksum the files in ``tmp``, write the manifest, and swap the generation in.

    Must be called with the build lock held.
    """
    files = {}
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        name = path.relative_to(tmp).as_posix()
        files[name] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    final = root / tmp.name.removeprefix(TMP_PREFIX)
    manifest = {
        **manifest,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generation": final.name,
        "files": files,
    }
    previous = _live_name(root)
    if previous is not None:  # what garbage collection keeps for readers still on it
        manifest["previous"] = previous
    pointer_tmp = root / f"{TMP_PREFIX}{CURRENT}-{secrets.token_hex(3)}"
    swapped = False
    try:
        write_json(tmp / MANIFEST, manifest)
        _fsync_tree(tmp)
        os.rename(tmp, final)
        pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, root / CURRENT)
        swapped = True
        _fsync_dir(root)
    except BaseException as e:
        if not swapped:  # Ctrl-C or a failed write before the swap: take back what was made
            _unmake(final, pointer_tmp)
        if not isinstance(e, OSError):
            raise
        if swapped:  # only the folder's fsync failed: the new generation is live
            return final
        raise IndexWriteError(
            f"cannot write the index in {root}: {e.strerror}; the previous index is unchanged"
        ) from None
    return final


def _live_name(root: Path) -> str | None:
    try:
        return current_generation(root).name
    except (IndexNotFoundError, IndexCorruptError):
        return None


def _previous_name(gen: Path) -> str | None:
    """The generation that was live before ``gen``, as its manifest records it."""
    try:
        previous = json.loads((gen / MANIFEST).read_text(encoding="utf-8")).get("previous")
    except (OSError, ValueError, AttributeError):
        return None
    return previous if isinstance(previous, str) else None


def _unmake(final: Path, pointer_tmp: Path) -> None:
    """Remove a generation that was renamed into place but never made live, and the
    pointer file that was to make it so: left behind, the next build would keep it as
    the "previous" generation and collect the one that was live."""
    with contextlib.suppress(OSError):
        pointer_tmp.unlink(missing_ok=True)
    if final.is_dir():
        shutil.rmtree(final, ignore_errors=True)


def collect_garbage(root: Path, keep_previous: int = 1) -> list[str]:
    """Remove leftovers of killed builds and generations older than the previous one.

    Only what evqa made is removed (names as new_tmp_generation and commit write them);
    anything else a user keeps in the index folder stays.

    The previous generation is kept so that a reader that resolved CURRENT just before
    a swap can finish reading it. Must be called with the build lock held.
    """
    live = _live_name(root)
    removed = []
    gens = sorted(
        (p for p in root.iterdir() if _GEN_NAME.fullmatch(p.name) and (p / MANIFEST).is_file()),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    # the generation that was live before this one, as its manifest records it (a
    # generation a killed build left behind is newer, but was never read)
    before = _previous_name(root / live) if live else None
    gens.sort(key=lambda p: p.name != before)  # stable: then newest first
    old = [p for p in gens if p.name != live][keep_previous:]
    tmps = [p for p in root.iterdir() if _TMP_NAME.fullmatch(p.name)]
    for path in old + tmps:
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path.name)
    return removed


def discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync_file(path)
    except OSError as e:  # some filesystems refuse fsync on directories
        if e.errno not in (errno.EINVAL, errno.EBADF, errno.EACCES):
            raise


def _fsync_tree(path: Path) -> None:
    for p in path.rglob("*"):
        if p.is_file():
            _fsync_file(p)
    for p in [*sorted((d for d in path.rglob("*") if d.is_dir()), reverse=True), path]:
        _fsync_dir(p)
