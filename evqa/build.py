"""The indexing pipeline: articles -> chunks -> spans -> embeddings -> BM25 + faiss -> disk.

Every build is incremental: embeddings are reused from the live generation for chunks
whose text is unchanged (same model, same document encoder), and so are their BM25 term
counts (read back from its BM25 arrays, same tokenizer: only new chunks are tokenised);
index-time analysis is reused for unchanged articles. The result is the same index a full
rebuild would give.

The public functions (build, rebuild, add, remove) take paths as str or Path, and resolve
what they are not given as the CLI does: ``model`` (:func:`resolve_model`), ``settings``
(:func:`resolve_settings`) and ``cache_dir`` (EVQA_CACHE_DIR, else ~/.cache/evqa). Each
works on the backend the index records: a Milvus index is built, added to and removed from
by :mod:`evqa.backends.milvus` (imported only then), as `evqa index build/add/remove` do.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evqa import checkpoint, config, store
from evqa.edits import (
    added_paths,
    check_removal,
    id_clashes,
    new_ids,
    removed_ids,
    replaced_ids,
    unchanged_ids,
)
from evqa.errors import EvqaError, IndexCorruptError, IndexNotFoundError, InputError
from evqa.indexdata import IndexData, chunk_hash, index_text
from evqa.staleness import edited_corpus
from evqa.types import Article, Span

if TYPE_CHECKING:
    from evqa.bm25 import BM25Index, TermCounts
    from evqa.encoder import ModelInfo

# what evqa.tokenize.tokenize(text, index_form=True) makes of a chunk, as a local index's
# BM25 files record it: a build reuses the term counts of unchanged chunks only from an
# index whose label is this one, so change it whenever the tokenizer changes
BM25_TOKENIZER = "index_form/1"

# progress(stage, advance, total): stages are "analyse", "embed"
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class BuildSettings:
    chunk_size: int
    chunk_overlap: int
    bm25_k1: float
    bm25_b: float
    exact_search_max: int
    batch_size: int
    analysis: bool = True  # run spaCy NER at index time (regex spans always)
    encoder: str = config.DEFAULTS["encoder"]  # how documents are embedded (evqa.encoder)

    def manifest(self) -> dict[str, Any]:
        from evqa.spans import ANALYSIS_VERSION

        return {
            "analysis_version": ANALYSIS_VERSION,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "bm25_k1": self.bm25_k1,
            "bm25_b": self.bm25_b,
            "exact_search_max": self.exact_search_max,
            "analysis": self.analysis,
            "encoder": self.encoder,
        }


@dataclass(frozen=True)
class BuildReport:
    index: Path
    generation: str
    articles: int
    chunks: int
    embedded: int  # chunks encoded by this build
    reused: int  # chunks whose embedding came from the previous generation
    seconds: float
    warnings: tuple[str, ...] = field(default=())
    # ids of indexed articles an add replaced with another article of the same id
    replaced: tuple[str, ...] = field(default=())
    added: tuple[str, ...] = field(default=())  # ids an add put in that the index lacked
    removed: tuple[str, ...] = field(default=())  # ids a remove took out
    # of ``reused``, the embeddings an interrupted build of this folder had saved
    resumed: int = 0
    # ids an add was given that the index already held as they are (left unchanged)
    unchanged: tuple[str, ...] = field(default=())
    # False when nothing was written: an add of articles the index held exactly as they
    # are, with its own settings and model (``generation`` is then the live one)
    written: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "index": str(self.index),
            "warnings": list(self.warnings),
            "replaced": list(self.replaced),
            "added": list(self.added),
            "removed": list(self.removed),
            "unchanged": list(self.unchanged),
        }


def build(
    corpus: str | Path,
    index_root: str | Path,
    *,
    model: ModelInfo | str | Path | None = None,
    settings: BuildSettings | None = None,
    cache_dir: str | Path | None = None,
    skip_bad: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    backend: str | None = None,
    uri: str | Path | None = None,
    collection: str | None = None,
) -> BuildReport:
    """Build (or incrementally refresh) the index at ``index_root`` from ``corpus`` (a
    folder or a .jsonl file). ``model``: see :func:`resolve_model`; ``settings`` None:
    ``resolve_settings`` over the index's own settings (EVQA_* > the index's > default);
    ``cache_dir`` None: EVQA_CACHE_DIR, else ~/.cache/evqa; ``wait``: seconds to wait for
    another build of the index. ``backend``, ``uri``, ``collection``: where the chunks
    live, as ``--backend``, ``--uri`` and ``--collection`` (see :func:`resolve_backend`:
    a Milvus index stays one, in its own collection, unless told otherwise)."""
    started = time.perf_counter()
    corpus, index_root = (
        config.check_path(corpus, "corpus"),
        config.check_path(index_root, "index_root"),
    )
    wait = _checked_wait(wait)
    config.check_callable(progress, "progress", "(stage, done, total)")
    kind, uri, collection = resolve_backend(index_root, backend, uri, collection)
    cache_dir, model = _model_and_cache(model, cache_dir)
    _check_settings(settings)
    if kind == "milvus":
        from evqa.backends import milvus

        live = (live_manifest(index_root) or {}).get("settings")
        return milvus.build(
            corpus,
            index_root,
            uri=uri,
            collection=collection,
            model=model,
            settings=settings or resolve_settings(None, live),
            cache_dir=cache_dir,
            skip_bad=skip_bad,
            wait=wait,
            progress=progress,
        )
    return _build_local(
        corpus,
        index_root,
        model=model,
        settings=settings,
        cache_dir=cache_dir,
        skip_bad=skip_bad,
        wait=wait,
        progress=progress,
        started=started,
    )


def _build_local(
    corpus: Path,
    index_root: Path,
    *,
    model,
    settings: BuildSettings | None,
    cache_dir: Path,
    skip_bad: bool,
    wait: float,
    progress: Progress | None,
    started: float,
) -> BuildReport:
    """:func:`build` of a local index, its arguments checked."""
    from evqa.corpus import corpus_fingerprint, read_corpus
    from evqa.staleness import corpus_location, stat_fingerprint

    read = read_corpus(corpus, skip_bad=skip_bad)
    corpus_meta = {
        **corpus_location(corpus, index_root),
        "fingerprint": corpus_fingerprint(corpus),
        "stat": stat_fingerprint(corpus),
    }
    with store.build_lock(index_root, wait):
        live = live_manifest(index_root)
        if settings is None:
            settings = resolve_settings(None, (live or {}).get("settings"))
        articles = list(read.articles)
        swapped = corpus_swap_warning(live, index_root, corpus, len(articles))
        return _write(
            articles,
            index_root,
            model=model,
            settings=settings,
            cache_dir=cache_dir,
            corpus_meta=corpus_meta,
            warnings=[*read.warnings, *filter(None, [swapped])],
            progress=progress,
            started=started,
        )


def resolve_backend(
    index_root: str | Path,
    backend: str | None = None,
    uri: str | Path | None = None,
    collection: str | None = None,
) -> tuple[str, str | None, str | None]:
    """Where a build of ``index_root`` puts its chunks: (backend, uri, collection), each by
    argument > EVQA_BACKEND, EVQA_MILVUS_URI, EVQA_MILVUS_COLLECTION > what the live index
    records > default (local; for milvus, None: INDEX/milvus.db and evqa_<folder name>).
    ``uri`` and ``collection`` are for the milvus backend only (InputError otherwise)."""
    from evqa.backends import BACKENDS, backend_type, check_backend

    index_root = config.check_path(index_root, "index_root")
    manifest = store.recorded_manifest(index_root) or {}  # even with a bad settings value
    recorded = backend_type(manifest) if manifest else None
    kind = config.resolve("backend", backend, {"backend": recorded})
    if config.from_env("backend", backend) and kind not in BACKENDS:
        name = config.env_name("backend")
        raise InputError(
            f"{name}={kind!r} is not a backend; set it to one of: "
            f"{', '.join(BACKENDS)}, or unset it"
        )
    kind = check_backend(kind)
    if kind != "milvus":
        if uri is not None or collection is not None:
            raise InputError(
                f"uri and collection are for backend='milvus'; {index_root} is built {kind} "
                "(pass backend='milvus' to put its chunks in Milvus)"
            )
        return kind, None, None
    _check_target(uri, collection)
    entry = _recorded_milvus(manifest, index_root) if recorded == "milvus" else {}
    uri = config.resolve("milvus_uri", uri, {"milvus_uri": entry.get("uri")})
    collection = config.resolve(
        "milvus_collection", collection, {"milvus_collection": entry.get("collection")}
    )
    return kind, None if uri is None else str(uri), collection


def _check_target(uri: Any, collection: Any) -> None:
    """InputError for a ``uri`` or ``collection`` of another type (None is the default)."""
    if uri is not None and not isinstance(uri, str | os.PathLike):
        raise InputError(f"uri must be a str or Path (a milvus-lite file or a URL), not {uri!r}")
    if collection is not None and not isinstance(collection, str):
        raise InputError(f"collection must be a str (a Milvus collection name), not {collection!r}")


def _recorded_milvus(manifest: dict[str, Any], index_root: Path) -> dict[str, Any]:
    """The backend entry of a Milvus index's manifest, its URI as given to Milvus."""
    from evqa.backends.milvus import resolve_uri

    entry = manifest.get("backend") or {}
    return {**entry, "uri": resolve_uri(entry, index_root)}


def _milvus_index(index_root: Path) -> bool:
    """Whether the live index at ``index_root`` records the Milvus backend (an index that
    cannot be read is not: the local path says what is wrong with it)."""
    from evqa.backends import backend_type

    manifest = live_manifest(index_root)
    return manifest is not None and backend_type(manifest) == "milvus"


def _checked_wait(wait: Any) -> float:
    """``wait`` (seconds to wait for another build of the index) if it is a number, 0 or
    more; InputError naming it otherwise (a negative, NaN or infinite one included)."""
    if not config.is_number(0.0)(wait):
        raise InputError(f"wait must be a number of seconds, 0 or more (got {wait!r})")
    return float(wait)


def corpus_swap_warning(
    manifest: dict[str, Any] | None, index_root: Path, corpus: Path, articles: int
) -> str | None:
    """A warning when an index built from one corpus, or edited with add/remove, is
    rebuilt from a corpus (a typo in ``--corpus`` or ``--index`` replaces what the index
    held, and articles added with add may be nowhere else): None when it is new or the
    corpus is the same."""
    from evqa.corpus import printable
    from evqa.staleness import corpus_path

    recorded = (manifest or {}).get("corpus") or {}
    old = None if manifest is None else corpus_path(manifest, index_root)
    held = recorded.get("articles")
    count = f"{held} " if isinstance(held, int) else ""
    if old is None and recorded.get("edited"):
        was = f"the {count}articles it was edited to hold with index add/remove"
    elif old is None or old.resolve() == Path(corpus).resolve():
        return None
    else:
        was = f"the {count}articles of {old}"
    return printable(
        f"{index_root} held {was}; it now holds the {articles} of {corpus}, "
        "a different corpus (to keep both, build the new one with another --index)"
    )


def rebuild(
    index_root: str | Path,
    *,
    model: ModelInfo | str | Path | None = None,
    settings: BuildSettings | None = None,
    cache_dir: str | Path | None = None,
    wait: float = 0.0,
    progress: Progress | None = None,
) -> BuildReport:
    """Rebuild an index edited with add/remove (it records no corpus folder) from the
    articles it holds, with this model and these settings (None: as for :func:`build`)."""
    started = time.perf_counter()
    index_root = config.check_path(index_root, "index_root")
    wait = _checked_wait(wait)
    if _milvus_index(index_root):
        raise InputError(
            f"{index_root} is a Milvus index: rebuild it from its corpus with "
            f"build(CORPUS, {str(index_root)!r}) (evqa index build --index {index_root} "
            "--corpus CORPUS)"
        )
    cache_dir, model = _model_and_cache(model, cache_dir)
    _check_settings(settings)
    config.check_callable(progress, "progress", "(stage, done, total)")
    store.require_index(index_root)
    with store.build_lock(index_root, wait):
        old, manifest = _verified_live_articles(index_root)
        return _write(
            old,
            index_root,
            model=model,
            settings=settings or resolve_settings(None, manifest.get("settings")),
            cache_dir=cache_dir,
            corpus_meta=edited_corpus(manifest, index_root),
            warnings=(),
            progress=progress,
            started=started,
            verified=True,
        )


def _verified_live_articles(index_root: Path) -> tuple[list[Article], dict[str, Any]]:
    """The live generation's articles and manifest once its checksums pass; if it is damaged,
    IndexCorruptError saying how to rebuild from the articles themselves."""
    try:
        gen = store.open_generation(index_root)
        if store.verify(gen):
            raise IndexCorruptError("checksums fail")
        return _live_articles(index_root)
    except (IndexCorruptError, IndexNotFoundError):
        raise IndexCorruptError(
            f"the index {index_root} is damaged or incomplete, and it was edited with "
            "evqa index add/remove so it records no corpus to rebuild from; rebuild it "
            f"from your articles with: evqa index build --index {index_root} --corpus CORPUS"
        ) from None


def add(
    paths: str | Path | Sequence[str | Path],
    index_root: str | Path,
    *,
    model: ModelInfo | str | Path | None = None,
    settings: BuildSettings | None = None,
    cache_dir: str | Path | None = None,
    skip_bad: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
) -> BuildReport:
    """Add (or replace, by id) the articles read from ``paths``: one file, folder or .jsonl
    file (str or Path), or a list of them (an empty one is an InputError). The report's
    ``replaced`` names the indexed articles replaced with another one, ``added`` the new
    ones and ``unchanged`` those the index already held as they are. Two of them with one
    id are bad input (CorpusError, or with ``skip_bad`` the later one is skipped).
    ``settings`` None: the index's own (under EVQA_*); ``model``, ``cache_dir``: as for
    :func:`build`. When the index already holds every article as it is (source and all),
    with these settings and this model, nothing is written: the report's ``written`` is
    False and ``generation`` the live one (see :func:`_changes_nothing`)."""
    from evqa.corpus import article_hash

    started = time.perf_counter()
    paths, index_root = added_paths(paths), config.check_path(index_root, "index_root")
    wait = _checked_wait(wait)
    config.check_callable(progress, "progress", "(stage, done, total)")
    cache_dir, model = _model_and_cache(model, cache_dir)
    _check_settings(settings)
    if _milvus_index(index_root):
        from evqa.backends import milvus

        return milvus.add(
            paths,
            index_root,
            model=model,
            settings=settings,
            cache_dir=cache_dir,
            skip_bad=skip_bad,
            wait=wait,
            progress=progress,
        )
    store.require_index(index_root)
    new, warnings = _read_added(paths, index_root, skip_bad)
    with store.build_lock(index_root, wait):
        gen, live = _live_index(index_root)
        old, manifest = list(live.articles.values()), gen.manifest
        stored = {a.id: article_hash(a) for a in old}
        hashes = {i: article_hash(a) for i, a in new.items()}
        replaced, added = replaced_ids(stored, hashes), new_ids(stored, hashes)
        unchanged = unchanged_ids(stored, hashes)
        settings = settings or resolve_settings(None, manifest.get("settings"))
        if not (added or replaced) and _changes_nothing(gen, live, new, model, settings, cache_dir):
            return BuildReport(
                index=index_root,
                generation=gen.path.name,
                articles=len(live.articles),
                chunks=len(live.chunks),
                embedded=0,
                reused=0,
                seconds=round(time.perf_counter() - started, 3),
                warnings=tuple(warnings),
                unchanged=tuple(unchanged),
                written=False,
            )
        merged = {**{a.id: a for a in old}, **new}
        report = _write(
            list(merged.values()),
            index_root,
            model=model,
            settings=settings,
            cache_dir=cache_dir,
            corpus_meta=edited_corpus(manifest, index_root),
            warnings=tuple(warnings),
            progress=progress,
            started=started,
        )
    return replace(report, replaced=tuple(replaced), added=tuple(added), unchanged=tuple(unchanged))


def _changes_nothing(
    gen: store.Generation,
    live: IndexData,
    new: dict[str, Article],
    model,
    settings: BuildSettings,
    cache_dir: Path,
) -> bool:
    """Whether writing ``new`` (articles by id) into the live generation ``gen`` (its data
    ``live``) would give the index it is: every article is held as it is (every field, its
    source included: article_hash leaves that out), a local backend and this BM25 tokenizer,
    the build it records is this one (:func:`records_build`), and its files pass their
    checksums (a write would re-embed a damaged one). Anything else, or in doubt: False,
    and the add writes."""
    manifest = gen.manifest
    if any(live.articles.get(i) != a for i, a in new.items()):
        return False
    if manifest.get("backend") != {"type": "local"} or live.bm25.tokenizer != BM25_TOKENIZER:
        return False
    return records_build(manifest, model, settings, cache_dir) and not store.verify(gen)


def records_build(
    manifest: Mapping[str, Any], model, settings: BuildSettings, cache_dir: Path
) -> bool:
    """Whether an index's ``manifest`` records what a write with ``settings`` and ``model``
    would: these settings, this model and the document encoder ``settings`` asks for, made
    without a fallback (prepared here, as the write prepares it). An add that would change
    no article writes nothing only then, on every backend (a Milvus add too)."""
    from evqa.encoder import onnx_documents as doc_encoder

    if manifest.get("settings") != settings.manifest():
        return False
    used, fallback = doc_encoder.prepare(model, cache_dir, settings.encoder)
    return fallback is None and manifest.get("model") == model_entry(model, used)


def _read_added(
    paths: Sequence[Path], index_root: Path, skip_bad: bool
) -> tuple[dict[str, Article], list[str]]:
    """The articles read from ``paths`` by id (ids relative to the index's corpus root), less
    those whose id an earlier path gave, and the warnings."""
    from evqa.corpus import read_corpus
    from evqa.staleness import id_root, ids_base

    root = id_root(store.recorded_manifest(index_root) or {}, index_root)
    reads = [
        (Path(p), read_corpus(Path(p), skip_bad=skip_bad, base=ids_base(p, root), added=True))
        for p in paths
    ]
    pairs = [(p, a.id) for p, read in reads for a in read.articles]
    skip, warnings = id_clashes(pairs, skip_bad)
    warnings = [w for _, read in reads for w in read.warnings] + warnings
    new = {a.id: a for p, read in reads for a in read.articles if (p, a.id) not in skip}
    return new, warnings


def remove(
    ids: str | Sequence[str],
    index_root: str | Path,
    *,
    model: ModelInfo | str | Path | None = None,
    cache_dir: str | Path | None = None,
    wait: float = 0.0,
    progress: Progress | None = None,
) -> BuildReport:
    """Remove articles by id: one id (a str) or a list of them. No ids, unknown ids or
    every article are an InputError; nothing is changed then. ``model``, ``cache_dir``:
    as for :func:`build`; the index keeps its settings."""
    started = time.perf_counter()
    ids, index_root = removed_ids(ids), config.check_path(index_root, "index_root")
    wait = _checked_wait(wait)
    config.check_callable(progress, "progress", "(stage, done, total)")
    cache_dir, model = _model_and_cache(model, cache_dir)
    if _milvus_index(index_root):
        from evqa.backends import milvus

        return milvus.remove(
            ids, index_root, model=model, cache_dir=cache_dir, wait=wait, progress=progress
        )
    store.require_index(index_root)
    with store.build_lock(index_root, wait):
        old, manifest = _live_articles(index_root)
        check_removal(ids, {a.id for a in old}, len(old), index_root)
        kept = [a for a in old if a.id not in set(ids)]
        report = _write(
            kept,
            index_root,
            model=model,
            settings=resolve_settings(None, manifest.get("settings")),
            cache_dir=cache_dir,
            corpus_meta=edited_corpus(manifest, index_root),
            warnings=(),
            progress=progress,
            started=started,
        )
    return replace(report, removed=tuple(dict.fromkeys(ids)))


def resolve_model(
    model: ModelInfo | str | Path | None = None, cache_dir: str | Path | None = None
) -> ModelInfo:
    """The embedding model, as every command and library function resolves it: a
    ModelInfo as it is; a model folder (str or Path), checked and identified by its
    weights; None: EVQA_MODEL (a bad one is named), else the bundled all-MiniLM-L6-v2.
    The weights hash is cached in ``cache_dir`` (None: EVQA_CACHE_DIR, else the default;
    InputError when that is a file)."""
    from evqa import encoder

    if isinstance(model, encoder.ModelInfo):
        return model
    if model is not None and not isinstance(model, str | os.PathLike):
        raise InputError(
            "model must be a model folder (str or Path), a ModelInfo or None (the bundled "
            f"model), not {model!r}"
        )
    from evqa.encoder.folder import model_folder

    cache = config.cache_dir(cache_dir)
    return encoder.resolve_model(model_folder(model), cache_dir=cache)


def _model_and_cache(
    model: ModelInfo | str | Path | None, cache_dir: str | Path | None
) -> tuple[Path, ModelInfo]:
    """The cache folder (checked) and the resolved model, before anything is read."""
    cache = config.cache_dir(cache_dir)
    return cache, resolve_model(model, cache)


def _check_settings(settings: BuildSettings | None) -> None:
    if settings is not None and not isinstance(settings, BuildSettings):
        raise InputError(
            "settings must be BuildSettings (e.g. resolve_settings({'chunk_size': 800})) or "
            f"None (the index's own, else the defaults), not {settings!r}"
        )


def live_manifest(index_root: Path) -> dict[str, Any] | None:
    """The live generation's manifest, if there is one to read."""
    try:
        return store.open_generation(index_root).manifest
    except (IndexNotFoundError, IndexCorruptError):
        return None


# --- the pipeline ------------------------------------------------------------------------


def _write(
    articles: list[Article],
    index_root: Path,
    *,
    model,
    settings: BuildSettings,
    cache_dir: Path,
    corpus_meta: dict[str, Any],
    warnings: Iterable[str],
    progress: Progress | None,
    started: float,
    verified: bool = False,
) -> BuildReport:
    """Write ``articles`` as the index's next generation (``verified``: the live one has
    just passed its checksums, under this build's lock)."""
    from evqa.encoder import onnx_documents as doc_encoder

    articles = sorted(articles, key=lambda a: a.id)
    used, fallback = doc_encoder.prepare(model, cache_dir, settings.encoder)
    previous, problem = _previous(index_root, model.sha256, used, settings, verified)
    embed = _embedder(model, settings, used, cache_dir)
    resume = _Resume(index_root, checkpoint.Key(model.sha256, used, model.dim))
    data, reused = _index_data(articles, previous, model, settings, embed, progress, resume)
    corpus = {**corpus_meta, "articles": len(articles), "chunks": len(data.chunks)}
    final = _commit(index_root, data, settings, _manifest(model, used, settings, corpus))
    checkpoint.clear(index_root)
    store.collect_garbage(index_root)
    warnings = [*warnings, *filter(None, (fallback, problem)), *_prepare_queries(model, cache_dir)]
    return BuildReport(
        index=index_root,
        generation=final.name,
        articles=len(articles),
        chunks=len(data.chunks),
        embedded=len(data.chunks) - reused,
        reused=reused,
        seconds=round(time.perf_counter() - started, 3),
        warnings=tuple(warnings),
        resumed=resume.resumed,
    )


def _index_data(
    articles: list[Article],
    previous: IndexData | None,
    model,
    settings: BuildSettings,
    embed: Embedder,
    progress: Progress | None,
    resume: _Resume | None = None,
) -> tuple[IndexData, int]:
    """The index of ``articles`` (sorted by id), reusing the spans and embeddings ``previous``
    holds for unchanged articles and chunks, and those an interrupted build saved
    (``resume``); and how many embeddings were reused."""
    from evqa.chunking import chunk_article, split_sentences
    from evqa.corpus import article_hash

    hashes = {a.id: article_hash(a) for a in articles}
    sentences = {a.id: list(split_sentences(a.text)) for a in articles}
    spans = _analyse(articles, hashes, previous, settings.analysis, progress)
    size, overlap = settings.chunk_size, settings.chunk_overlap
    chunks = [c for a in articles for c in chunk_article(a, size, overlap, sentences[a.id])]
    by_id = {a.id: a for a in articles}
    texts = [index_text(c, by_id[c.doc_id]) for c in chunks]
    embedded = [chunk_hash(t) for t in texts]
    embeddings, reused = _embed(texts, embedded, previous, model, embed, progress, resume)
    data = IndexData(
        articles=by_id,
        article_hashes=hashes,
        sentences=sentences,
        spans=spans,
        chunks=chunks,
        embeddings=embeddings,
        embedded=embedded,
        bm25=_bm25(texts, embedded, previous, settings),
    )
    return data, reused


def _bm25(
    texts: list[str], hashes: list[str], previous: IndexData | None, settings: BuildSettings
) -> BM25Index:
    """The BM25 index of the chunks ``texts`` (their chunk hashes ``hashes``): the term
    counts of those ``previous`` holds the same text of are read back from its BM25 arrays
    (:func:`_previous_counts`), only the others are tokenised. The arrays are those a build
    tokenising every chunk gives."""
    from evqa import bm25
    from evqa.tokenize import tokenize

    old = _previous_counts(previous)
    at = {} if old is None else {h: i for i, h in enumerate(previous.embedded)}
    source = np.array([at.pop(h, -1) for h in hashes], dtype=np.int64)  # each reused once
    todo = np.flatnonzero(source < 0)
    parts = [(bm25.count([tokenize(texts[i], index_form=True) for i in todo]), todo)]
    if old is not None:
        place = np.full(old.n_docs, -1, dtype=np.int64)
        place[source[source >= 0]] = np.flatnonzero(source >= 0)
        parts.append((old, place))
    counts = bm25.combine(parts, len(texts))
    return bm25.from_counts(counts, settings.bm25_k1, settings.bm25_b, tokenizer=BM25_TOKENIZER)


def _previous_counts(previous: IndexData | None) -> TermCounts | None:
    """The term counts of ``previous``'s chunks (in its order), if its BM25 files were made
    by this tokenizer (:data:`BM25_TOKENIZER`) and its weights give them back; else None."""
    from evqa import bm25

    if previous is None or previous.bm25.tokenizer != BM25_TOKENIZER:
        return None
    return bm25.term_counts(previous.bm25)


def _manifest(model, used: str, settings: BuildSettings, corpus: dict[str, Any]) -> dict[str, Any]:
    """What the manifest says of the model, the settings and the corpus."""
    return {
        "model": model_entry(model, used),
        "backend": {"type": "local"},
        "settings": settings.manifest(),
        "corpus": corpus,
    }


def model_entry(model, used: str) -> dict[str, Any]:
    """The manifest's ``model`` section, of every backend: the model and the document
    encoder ``used`` (what made the embeddings; settings.encoder was asked for; read back
    by :func:`embedded_with`)."""
    from evqa import encoder

    return {
        "name": model.name,
        "path": encoder.recorded_path(model),
        "sha256": model.sha256,
        "dim": model.dim,
        "encoder": used,
    }


def _commit(
    index_root: Path, data: IndexData, settings: BuildSettings, manifest: dict[str, Any]
) -> Path:
    """Save ``data`` as a new generation and make it the live one, its manifest dated and
    completed with the saved files; nothing is left behind if that fails."""
    from evqa import indexdata

    tmp = store.new_tmp_generation(index_root)
    try:
        facts = indexdata.save(data, tmp, exact_max=settings.exact_search_max)
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return store.commit(index_root, tmp, {"created": created, **manifest, **facts})
    except BaseException:
        store.discard(tmp)
        raise


def _prepare_queries(model, cache_dir: Path) -> list[str]:
    """Export the fast query encoder now, so the first query need not: a warning if it can't."""
    from evqa import encoder

    try:
        encoder.ensure_onnx(model, cache_dir)
    except EvqaError as e:
        return [f"fast query encoder unavailable ({e}); queries will load torch"]
    return []


def _previous(
    index_root: Path, model_sha: str, encoder: str, settings: BuildSettings, verified: bool
) -> tuple[IndexData | None, str | None]:
    """The live generation, if any, as a source of reusable embeddings and spans, and a
    warning when it cannot be trusted.

    Nothing is reused from a generation whose files fail their checksums (everything is
    embedded again; not checked again when ``verified``). Its embeddings are reused only
    if the same model made them with the same document encoder; its spans only if the
    analysis settings are the same."""
    from evqa import indexdata

    try:
        gen = store.open_generation(index_root)
        if gen.manifest["model"]["sha256"] != model_sha:
            return None, None
        problem = None if verified else _checksum_problem(gen)
        if problem:
            return None, problem
        data = indexdata.load(gen)
    except (IndexNotFoundError, IndexCorruptError, KeyError, TypeError):
        return None, None
    return _reusable(data, gen.manifest, encoder, settings), None


def _checksum_problem(gen: store.Generation) -> str | None:
    """The warning for a live generation whose files fail their checksums, else None."""
    problems = store.verify(gen)
    if not problems:
        return None
    return (
        f"the live index {gen.path.name} fails its checksums "
        f"({'; '.join(problems[:3])}); nothing is reused from it, every chunk is "
        "embedded again"
    )


def _reusable(
    data: IndexData, manifest: dict[str, Any], encoder: str, settings: BuildSettings
) -> IndexData:
    """``data`` less the embeddings another document encoder made and the spans other
    analysis settings made."""
    if embedded_with(manifest) != encoder:
        data = IndexData(**{**data.__dict__, "embedded": [], "embeddings": data.embeddings[:0]})
    old = manifest.get("settings", {})
    if any(
        old.get(key) != value
        for key, value in settings.manifest().items()
        if key.startswith("analysis")
    ):
        data = IndexData(**{**data.__dict__, "spans": {}, "article_hashes": {}})
    return data


def _analyse(
    articles: list[Article],
    hashes: dict[str, str],
    previous: IndexData | None,
    use_spacy: bool,
    progress: Progress | None,
) -> dict[str, list[Span]]:
    from evqa.analysis import analyze

    old = previous.article_hashes if previous else {}
    spans = {
        a.id: previous.spans[a.id]
        for a in articles
        if previous and old.get(a.id) == hashes[a.id] and a.id in previous.spans
    }
    todo = [a for a in articles if a.id not in spans]
    if progress:
        progress("analyse", 0, len(todo))
    if todo:
        results = analyze(
            [a.text for a in todo],
            use_spacy=use_spacy,
            progress=((lambda n: progress("analyse", n, None)) if progress else None),
        )
        spans.update(zip((a.id for a in todo), results, strict=True))
    return {a.id: spans[a.id] for a in articles}


def embedded_with(manifest: dict[str, Any]) -> str:
    """The document encoder that made an index's embeddings (torch before it was recorded)."""
    return str(manifest.get("model", {}).get("encoder") or "torch")


Embedder = Callable[[list[str], Callable[[int], None] | None], np.ndarray]


def _embedder(model, settings: BuildSettings, used: str, cache_dir: Path) -> Embedder:
    """encode_documents with this build's model, batch size, encoder and cache."""
    from evqa import encoder

    def embed(texts: list[str], progress: Callable[[int], None] | None) -> np.ndarray:
        return encoder.encode_documents(
            model,
            texts,
            batch_size=settings.batch_size,
            progress=progress,
            encoder=used,
            cache_dir=cache_dir,
        )

    return embed


@dataclass
class _Resume:
    """Where a build saves what it embeds (evqa.checkpoint), and how many embeddings it took
    from an interrupted build."""

    root: Path
    key: checkpoint.Key
    resumed: int = 0


def _embed(
    texts: list[str],
    hashes: list[str],
    previous: IndexData | None,
    model,
    embed: Embedder,
    progress: Progress | None,
    resume: _Resume | None = None,
) -> tuple[np.ndarray, int]:
    """The embeddings of ``texts`` (their hashes ``hashes``): from ``previous``, from the
    checkpoint of an interrupted build, else embedded a block at a time, each block saved
    to the checkpoint; and how many were not embedded here."""
    known: dict[str, np.ndarray] = {}
    if previous is not None:
        for i, h in enumerate(previous.embedded):
            known.setdefault(h, previous.embeddings[i])
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    todo = [i for i, h in enumerate(hashes) if h not in known]
    if todo and resume is not None:
        saved = checkpoint.load(resume.root, resume.key)
        known.update((h, saved[h]) for h in {hashes[i] for i in todo} if h in saved)
        left = [i for i in todo if hashes[i] not in known]
        resume.resumed, todo = len(todo) - len(left), left
    for i, h in enumerate(hashes):
        if h in known:
            out[i] = known[h]
    if progress:
        progress("embed", 0, len(todo))
    saver = checkpoint.Writer(resume.root, resume.key) if todo and resume else None
    for start in range(0, len(todo), checkpoint.BLOCK):
        block = todo[start : start + checkpoint.BLOCK]
        vecs = embed(
            [texts[i] for i in block],
            (lambda n: progress("embed", n, None)) if progress else None,
        )
        out[block] = vecs
        if saver is not None:
            saver.append([hashes[i] for i in block], vecs)
    return out, len(texts) - len(todo)


def _live_articles(index_root: Path) -> tuple[list[Article], dict[str, Any]]:
    gen, data = _live_index(index_root)
    return list(data.articles.values()), gen.manifest


def _live_index(index_root: Path) -> tuple[store.Generation, IndexData]:
    """The live generation and what it holds."""
    from evqa import indexdata

    gen = store.open_generation(index_root)
    return gen, indexdata.load(gen)


def resolve_settings(
    flags: dict[str, Any] | None = None,
    manifest: dict[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
) -> BuildSettings:
    """BuildSettings by precedence: flag > EVQA_* env > the index's manifest > default.
    ``flags`` maps setting names (chunk_size, chunk_overlap, bm25_k1, bm25_b,
    exact_search_max, batch_size, encoder, analysis) to values, None meaning not given.
    Each value is checked here: InputError naming the setting (or its EVQA_* variable);
    ``names`` maps a setting to what the caller calls it (the CLI: ``--chunk-size``).

    An index whose manifest names no encoder was embedded with torch, so that is its
    manifest's value: rebuilding it keeps its embeddings unless asked otherwise."""
    for name, value in (("flags", flags), ("manifest", manifest), ("names", names)):
        if value is not None and not isinstance(value, Mapping):
            raise InputError(
                f"{name} must be a dict of setting names (e.g. {{'chunk_size': 800}}) or None, "
                f"not {value!r}"
            )
    flags = dict(flags or {})
    unknown = sorted(set(flags) - {*_CHECKS, "encoder", "analysis"})
    if unknown:
        raise InputError(
            f"unknown build setting{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; the settings are: "
            f"{', '.join([*_CHECKS, 'encoder', 'analysis'])}"
        )
    if manifest is not None and "encoder" not in manifest:
        manifest = {**manifest, "encoder": "torch"}
    keys = (
        "chunk_size",
        "chunk_overlap",
        "bm25_k1",
        "bm25_b",
        "exact_search_max",
        "batch_size",
        "encoder",
    )
    values = {key: config.resolve(key, flags.get(key), manifest) for key in keys}
    for key, check in _CHECKS.items():
        values[key] = _checked_setting(key, values[key], check, flags, manifest, names)
    values["encoder"] = _checked_setting(
        "encoder", values["encoder"], _encoder_name, flags, manifest, names
    )
    analysis = flags.get("analysis")
    if analysis is None:
        analysis = (manifest or {}).get("analysis", True)
    if not isinstance(analysis, bool):
        raise InputError(f"analysis must be True or False (got {analysis!r})")
    return BuildSettings(**values, analysis=analysis)


def _whole(low: int, high: int | None = None, unit: str = "") -> Callable[[Any], int]:
    test = config.is_whole(low, math.inf if high is None else high)

    def check(value: Any) -> int:
        if not test(value):
            span = f"at least {low}" if high is None else f"between {low} and {high}"
            raise ValueError(f"must be a whole number{unit}, {span}")
        return int(value)

    return check


def _real(low: float, high: float | None = None) -> Callable[[Any], float]:
    test = config.is_number(low, math.inf if high is None else high)

    def check(value: Any) -> float:
        if not test(value):
            span = f"at least {low}" if high is None else f"between {low} and {high}"
            raise ValueError(f"must be a number, {span}")
        return float(value)

    return check


def _encoder_name(value: Any) -> str:
    if value not in config.ENCODERS:
        raise ValueError(f"must be one of: {', '.join(config.ENCODERS)}")
    return str(value)


def _chunk_checks() -> dict[str, Callable[[Any], Any]]:
    from evqa.chunking import MAX_OVERLAP, MIN_CHUNK_SIZE

    return {
        "chunk_size": _whole(MIN_CHUNK_SIZE, unit=" of characters"),
        "chunk_overlap": _whole(0, MAX_OVERLAP, unit=" of sentences"),
    }


_CHECKS: dict[str, Callable[[Any], Any]] = {
    **_chunk_checks(),
    "bm25_k1": _real(0.0),
    "bm25_b": _real(0.0, 1.0),
    "exact_search_max": _whole(0),
    "batch_size": _whole(1),
}


def _checked_setting(
    key: str,
    value: Any,
    check: Callable[[Any], Any],
    flags: dict[str, Any],
    manifest: dict[str, Any] | None,
    names: Mapping[str, str] | None = None,
) -> Any:
    """``check(value)``; its ValueError becomes an InputError naming where the value came
    from: the setting (as ``names`` calls it), its EVQA_* variable or the index's manifest."""
    try:
        return check(value)
    except ValueError as e:
        problem = f"{e} (got {value!r})"
    if config.from_env(key, flags.get(key)):
        name = config.env_name(key)
        raise InputError(f"{name} {problem}; fix or unset {name}") from None
    flag = (names or {}).get(key, key)
    if flags.get(key) is None and manifest and manifest.get(key) is not None:
        raise InputError(
            f"the index's {key} {problem}; pass a valid {flag} to rebuild it"
        ) from None
    raise InputError(f"{flag} {problem}") from None
