"""`evqa index build / add / remove` for a Milvus index, streaming: memory holds one batch
of articles (and the ids seen so far), and a rerun after a crash or Ctrl-C skips what is
already stored."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evqa import store
from evqa.backends.milvus.articles import iter_doc_ids
from evqa.backends.milvus.connection import classify, require_pymilvus, timeout_seconds
from evqa.backends.milvus.manifest import edited_manifest, new_manifest, recorded_settings
from evqa.backends.milvus.names import check_collection, default_collection
from evqa.backends.milvus.ownership import index_id, new_index_id
from evqa.backends.milvus.session import Session
from evqa.backends.milvus.uris import LITE_FILE, check_uri, resolve_uri
from evqa.backends.milvus.writer import Counts, Progress, Writer
from evqa.edits import added_paths, check_removal, id_clashes, removed_ids


def build(
    corpus: Path,
    index_root: Path,
    *,
    uri: str | None,
    collection: str | None,
    model,
    settings,
    cache_dir: Path,
    skip_bad: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    batch_articles: int | None = None,
):
    """Stream ``corpus`` into Milvus: read, chunk, analyse, embed and insert
    ``batch_articles`` at a time (memory holds one batch and the ids seen so far). A
    rerun after a crash or Ctrl-C skips what is already stored. The index folder's
    manifest says ``complete: false`` until the last batch is flushed and articles no
    longer in the corpus are removed."""
    from evqa.corpus import check_corpus, iter_corpus

    started = time.perf_counter()
    index_root = Path(index_root)
    uri, collection = _target(index_root, uri, collection)
    if not skip_bad:  # bad input is refused, every problem named, before anything is written
        check_corpus(Path(corpus))
    stream = iter_corpus(Path(corpus), skip_bad=skip_bad)
    corpus_meta = _corpus_meta(Path(corpus), index_root)
    with store.build_lock(index_root, wait):
        used, fallback = _encoder(model, cache_dir, settings)
        base = new_manifest(index_root, uri, collection, model, settings, corpus_meta, used)
        # a rebuild is the same index: it keeps the id that owns its collection
        base["backend"]["index_id"] = (
            index_id(store.recorded_manifest(index_root)) or new_index_id()
        )
        session = Session(index_root, uri, base)
        client = session.start(collection, model.dim, create=True)
        writer = Writer(client, collection, model, settings, cache_dir, used)
        counts = Counts()
        with session.guard():
            _write_corpus(writer, stream, counts, progress, batch_articles)
        warnings = [*stream.warnings, *fallback]
        return session.finish(writer, counts, warnings, started, model, cache_dir)


def _target(index_root: Path, uri: str | None, collection: str | None) -> tuple[str, str]:
    """The URI and collection a build writes to (checked; the timeout setting too)."""
    # an empty --uri or --collection is a mistake, not "the default"
    uri = check_uri(str(uri)) if uri is not None else str(index_root / LITE_FILE)
    timeout_seconds()
    collection = check_collection(
        collection if collection is not None else default_collection(index_root)
    )
    return uri, collection


def _corpus_meta(corpus: Path, index_root: Path) -> dict[str, Any]:
    from evqa.corpus import corpus_fingerprint
    from evqa.staleness import corpus_location, stat_fingerprint

    return {
        **corpus_location(corpus, index_root),
        "fingerprint": corpus_fingerprint(corpus),
        "stat": stat_fingerprint(corpus),
    }


def _write_corpus(writer: Writer, stream, counts: Counts, progress, batch: int | None) -> None:
    """Write every article of ``stream``, then drop the stored ones it no longer has."""
    seen: set[str] = set()
    if progress:
        progress("articles", 0, stream.total)
    writer.write_all(stream.articles, counts, progress, seen, batch)
    writer.flush()
    gone = [d for d in iter_doc_ids(writer.client, writer.collection) if d not in seen]
    writer.drop(gone)
    writer.flush()


def add(
    paths: str | Path | Sequence[str | Path],
    index_root: Path,
    *,
    model,
    settings,
    cache_dir: Path,
    skip_bad: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
):
    """Add (or replace, by id) the articles read from ``paths``, streaming; the report's
    ``replaced`` names the stored articles replaced with another one, ``added`` the new ones
    and ``unchanged`` those stored as they are. One path (str or Path) is that path, not
    its characters. An add that changes nothing in the collections, into a complete index
    that records these settings and this model, writes nothing: ``written`` False."""
    from evqa.staleness import id_root, ids_base

    paths = added_paths(paths)
    started = time.perf_counter()
    with store.build_lock(index_root, wait):
        gen = store.open_generation(index_root)
        entry = gen.manifest["backend"]
        settings = settings or recorded_settings(gen.manifest)
        used, fallback = _encoder(model, cache_dir, settings)
        base = edited_manifest(gen.manifest, index_root, encoder=used)
        root = id_root(gen.manifest, index_root)
        bases = [(Path(p), ids_base(p, root)) for p in paths]
        skip, clashes = _clashes(bases, skip_bad)
        session = Session(index_root, resolve_uri(entry, index_root), base, gen)
        # the folder is marked building only before a first change: an add of what the
        # collections hold as it is writes nothing (see Session.finish)
        client = session.open(entry["collection"], model.dim, create=False)
        writer = Writer(
            client, entry["collection"], model, settings, cache_dir, used, session.mark_building
        )
        counts = Counts()
        warnings: list[str] = list(fallback)
        with session.guard():
            warnings += _write_files(writer, bases, skip, skip_bad, counts, progress)
            warnings += clashes
            writer.flush()
        report = session.finish(writer, counts, warnings, started, model, cache_dir)
    return replace(
        report,
        replaced=tuple(sorted(counts.replaced)),
        added=tuple(sorted(counts.added)),
        unchanged=tuple(sorted(counts.unchanged)),
    )


def _clashes(bases, skip_bad: bool) -> tuple[set[tuple[Path, str]], list[str]]:
    """A first pass for ids only, so that bad input (every problem named) and a clash are
    refused before anything is written: the (path, id) pairs to skip, and the warnings for
    them."""
    from evqa.corpus import check_corpus

    pairs = [
        (p, i) for p, b in bases for i in check_corpus(p, skip_bad=skip_bad, base=b, added=True)
    ]
    return id_clashes(pairs, skip_bad)


def _write_files(writer: Writer, bases, skip, skip_bad: bool, counts: Counts, progress):
    """Write the articles of each (path, id base) in ``bases`` but those in ``skip``;
    the warnings of reading them."""
    from evqa.corpus import iter_corpus

    warnings: list[str] = []
    for path, b in bases:
        stream = iter_corpus(path, skip_bad=skip_bad, base=b, added=True)
        kept = (a for a in stream.articles if (path, a.id) not in skip)
        writer.write_all(kept, counts, progress)
        warnings += stream.warnings
    return warnings


def remove(
    ids: str | Sequence[str],
    index_root: Path,
    *,
    model,
    cache_dir: Path,
    wait: float = 0.0,
    progress: Progress | None = None,
):
    """Remove articles by id (one str is one id). Unknown ids are an error; nothing is
    changed then."""
    ids = removed_ids(ids)
    started = time.perf_counter()
    with store.build_lock(index_root, wait):
        gen = store.open_generation(index_root)
        entry = gen.manifest["backend"]
        collection = entry["collection"]
        uri = resolve_uri(entry, index_root)
        base = edited_manifest(gen.manifest, index_root)
        session = Session(index_root, uri, base, gen)
        client = session.open(collection, int(gen.manifest["model"]["dim"]), create=False)
        try:
            writer = Writer(client, collection, model, recorded_settings(gen.manifest))
            known = set(writer.stored_article_keys(list(ids)))
            check_removal(ids, known, writer.counts()[0], index_root)
        except require_pymilvus().MilvusException as e:
            raise classify(e, uri) from None
        session.mark_building()
        with session.guard():
            writer.drop(list(ids))
            writer.flush()
        report = session.finish(writer, Counts(), [], started, model, cache_dir)
    return replace(report, removed=tuple(dict.fromkeys(ids)))


def _encoder(model, cache_dir: Path, settings) -> tuple[str, list[str]]:
    """The document encoder this write uses, and the warning if it fell back."""
    from evqa.encoder import onnx_documents as doc_encoder

    used, fallback = doc_encoder.prepare(model, cache_dir, settings.encoder)
    return used, [fallback] if fallback else []
