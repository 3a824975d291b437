"""The index folder's side of a Milvus write: connect and claim the collections, mark the
folder incomplete before the first write and complete after the last; a failure in
between leaves it marked incomplete, with the command that finishes it. An add that
changes nothing (and would record what the index does) commits nothing."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from evqa import store
from evqa.backends.milvus.connection import classify, connect, require_pymilvus
from evqa.backends.milvus.ensure import ensure_collections
from evqa.backends.milvus.hints import finish_command, rebuild_command
from evqa.backends.milvus.ownership import claim
from evqa.backends.milvus.writer import Counts, Writer
from evqa.errors import EvqaError


class Session:
    """One write (build, add or remove) into a Milvus index, seen from its folder."""

    def __init__(
        self,
        index_root: Path,
        uri: str,
        base: dict[str, Any],
        live: store.Generation | None = None,
    ) -> None:
        self.root, self.uri, self.base = Path(index_root), uri, base
        self.live = live  # the live generation of the index being edited (add/remove)
        self.client = None
        self.marked = False  # the folder was marked building by this write

    def open(self, collection: str, dim: int, *, create: bool):
        """Connect, check the collections (a build, ``create``, may make the lite file and
        the collections; add/remove may not: exit 3 with the rebuild command) and claim
        them for this index (InputError if another index owns them)."""
        live = None if self.live is None else self.live.manifest
        rebuild = None if live is None else rebuild_command(self.root, live, collection=False)
        self.client = connect(
            self.uri,
            create=create,
            rebuild=None if live is None else rebuild_command(self.root, live),
        )
        try:
            ensure_collections(self.client, collection, dim, create=create, rebuild=rebuild)
            claim(self.client, self.uri, collection, self.base["backend"]["index_id"], self.root)
        except require_pymilvus().MilvusException as e:
            raise classify(e, self.uri, "preparing the collections") from None
        return self.client

    def start(self, collection: str, dim: int, *, create: bool):
        """``open``, then mark the folder building."""
        self.open(collection, dim, create=create)
        self.mark_building()
        return self.client

    def mark_building(self) -> None:
        backend = {**self.base["backend"], "complete": False}
        commit(self.root, {**self.base, "backend": backend})
        self.marked = True

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a Milvus failure while writing into an error that says how to finish (the
        error alone if the folder was not marked building: nothing was written)."""
        try:
            yield
        except require_pymilvus().MilvusException as e:
            err = classify(e, self.uri, "writing the index")
            if not self.marked:
                raise err from None
            raise type(err)(
                f"{err}. The index is marked incomplete; when Milvus is back, finish it "
                f"with: {finish_command(self.root, self.base)}"
            ) from None

    def finish(self, writer: Writer, counts: Counts, warnings, started, model, cache_dir):
        """Count what the collections hold, mark the folder complete and report; when the
        write changed nothing (:meth:`changed_nothing`), commit nothing and report that
        nothing was written (``generation``: the live one), as a local add does."""
        from evqa.build import BuildReport

        try:
            n_articles, n_chunks = writer.counts()
        except require_pymilvus().MilvusException as e:
            raise classify(e, self.uri) from None
        report = partial(BuildReport, index=self.root, articles=n_articles, chunks=n_chunks)
        if self.changed_nothing(writer, model, cache_dir):
            return report(
                generation=self.live.path.name,
                embedded=0,
                reused=0,
                seconds=round(time.perf_counter() - started, 3),
                warnings=tuple(warnings),
                written=False,
            )
        generation, warnings = self._complete(n_articles, n_chunks, warnings, model, cache_dir)
        return report(
            generation=generation,
            embedded=counts.embedded,
            # every chunk the collection holds that this write did not embed, as a local
            # index counts the chunks it carries over (an add of 3 chunks to 37: 37 reused)
            reused=max(n_chunks - counts.embedded, 0),
            seconds=round(time.perf_counter() - started, 3),
            warnings=tuple(warnings),
        )

    def _complete(self, n_articles, n_chunks, warnings, model, cache_dir):
        """Commit the manifest marked complete, with these counts: the generation's name,
        and the warnings (one more if the fast query encoder cannot be made)."""
        from evqa import encoder

        backend = {**self.base["backend"], "complete": True}
        corpus = {**self.base.get("corpus", {}), "articles": n_articles, "chunks": n_chunks}
        final = commit(self.root, {**self.base, "backend": backend, "corpus": corpus})
        store.collect_garbage(self.root)
        warnings = list(warnings)
        try:
            encoder.ensure_onnx(model, cache_dir)
        except EvqaError as e:
            warnings.append(f"fast query encoder unavailable ({e}); queries will load torch")
        return final.name, warnings

    def changed_nothing(self, writer: Writer, model, cache_dir) -> bool:
        """Whether this write (an add) leaves the index as it is: ``writer`` changed nothing
        in the collections (so the folder was never marked building), the live generation
        is complete and keeps its backend entry, and it records this build
        (:func:`evqa.build.records_build`, as a local add decides)."""
        from evqa.build import records_build

        if self.marked or writer.changed or self.live is None:
            return False
        manifest = self.live.manifest
        if manifest["backend"] != {**self.base["backend"], "complete": True}:
            return False
        return records_build(manifest, model, writer.settings, cache_dir)


def commit(root: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` as the folder's next generation."""
    tmp = store.new_tmp_generation(root)
    try:
        return store.commit(root, tmp, manifest)
    except BaseException:
        store.discard(tmp)
        raise
