"""The public API: open an index once, then search and ask.

    from evqa import Engine
    engine = Engine.open()                      # the default seeds index
    answer = engine.ask("energy density of Jinshi battery")
    print(answer.answer, answer.citations[0].quote)

``Engine.ask(...).to_dict()`` is exactly what ``evqa ask --json`` prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evqa import config, store
from evqa.default_index import ensure_default_index
from evqa.errors import IndexStaleError, InputError
from evqa.fusion import FusionSettings
from evqa.question_text import clean_question
from evqa.types import Answer, Article, Hit

Notice = Callable[[str], None]


@dataclass
class Engine:
    root: Path
    manifest: dict[str, Any]
    data: Any  # IndexData (local) or the backend's articles/spans/sentences view
    cache_dir: Path
    fusion: FusionSettings
    threshold: float | None  # None: the reader's calibrated threshold
    k: int
    mode: str
    model_path: Path | None = None
    passages: int = config.DEFAULTS["reader_passages"]  # the reader reads this many hits
    notice: Notice | None = field(default=None, repr=False)
    # told what may make a result misleading (undated articles a date filter left out, a
    # cache that cannot be kept); ``notice`` is told instead when it is None
    warn: Notice | None = field(default=None, repr=False)
    _encoder: Any = field(default=None, repr=False)
    _reader: Any = field(default=None, repr=False)
    _calibration: Any = field(default=None, repr=False)
    _undated: int | None = field(default=None, repr=False)
    # where the chunks live (evqa.backends); ``data`` is its articles/spans/sentences view
    backend: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.backend is None:
            from evqa.backends.local import LocalBackend

            self.backend = LocalBackend(self.data)

    # --- opening --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        index: Path | str | None = None,
        *,
        model: Path | str | None = None,
        cache_dir: Path | str | None = None,
        check_stale: bool = True,
        notice: Notice | None = None,
        progress=None,
        k: int | None = None,
        mode: str | None = None,
        warn: Notice | None = None,
    ) -> Engine:
        """Load an index. The default seeds index is built or refreshed on demand
        (``notice`` is told); any other missing or stale index raises an error that
        says what to run. ``k`` and ``mode`` (flags) win over EVQA_K and EVQA_MODE.
        ``warn`` is told what may make a result misleading (default: ``notice``)."""
        if index is not None and not isinstance(index, str | os.PathLike):
            raise InputError(
                f"index must be the path of an index folder (str or Path), not {index!r}"
            )
        k = _checked("k", k, config.check_k)
        mode = _checked("mode", mode, config.check_mode)
        root = Path(config.resolve("index", index))
        cache = config.cache_dir(cache_dir)  # an error when it is a file
        model_env = config.from_env("model", model)
        model = config.resolve("model", model)  # flag > EVQA_MODEL > the manifest's model
        model_flag = Path(model) if model is not None else None
        if model_env and model_flag is not None:  # a bad EVQA_MODEL is named as such
            from evqa.encoder.folder import check_folder

            check_folder(model_flag, env=config.env_name("model"))
        root, gen, backend = _open_index(root, cache, model_flag, check_stale, notice, progress)
        return cls(
            root=root,
            manifest=gen.manifest,
            data=getattr(backend, "data", backend),
            backend=backend,
            cache_dir=cache,
            fusion=_fusion(gen.manifest.get("settings", {})),
            threshold=_checked("abstain_threshold", None, config.check_threshold),
            k=k,
            mode=mode,
            model_path=model_flag,
            passages=_passages(config.resolve("reader_passages")),
            notice=notice,
            warn=warn,
        )

    @property
    def articles(self) -> dict[str, Article]:
        return self.data.articles

    # --- querying -------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Hit]:
        """The top ``k`` chunks; ``since``/``until`` (YYYY[-MM[-DD]]) keep only articles
        dated in that range (evqa.dates)."""
        from evqa.dates import date_range

        query = clean_question(query, "query")
        k = config.check_k(self.k if k is None else k)
        mode = config.check_mode(self.mode if mode is None else mode)
        dates = date_range(since, until)
        hits = self.backend.search(
            query, self.embed_query, k=k, mode=mode, fusion=self.fusion, dates=dates
        )
        if dates is not None and (undated := self.undated_articles()):
            self._warn(undated_warning(undated))
        return hits

    def undated_articles(self) -> int:
        """How many of the index's articles have no date: a since/until filter leaves
        them all out."""
        if self._undated is None:
            count = getattr(self.backend, "count_undated", None)
            if count is not None:
                self._undated = int(count())
            else:
                from evqa.dates import NO_DATE, date_num

                articles = self.data.articles.values()
                self._undated = sum(date_num(a.date) == NO_DATE for a in articles)
        return self._undated

    def _warn(self, message: str) -> None:
        tell = self.warn or self.notice
        if tell is not None:
            tell(message)

    def ask(
        self,
        question: str,
        k: int | None = None,
        mode: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
    ) -> Answer:
        from evqa.answer import extract_answer
        from evqa.dates import date_range
        from evqa.question_content import content_problem

        question = clean_question(question)
        # the arguments are checked even when the question is not looked up
        config.check_k(self.k if k is None else k)
        config.check_mode(self.mode if mode is None else mode)
        date_range(since, until)
        problem = content_problem(question)
        if problem is not None:  # nothing to look for: say so rather than guess
            return Answer(question, None, None, 0.0, True, reason=problem)
        pending = self._load_reader_meanwhile()  # the reader loads while the query is searched
        hits = self.search(question, k=k, mode=mode, since=since, until=until)
        reader, calibration = self.reader(pending)
        return extract_answer(
            question,
            hits,
            self.data.articles,
            self.data.spans,
            self.data.sentences,
            reader=reader,
            calibration=calibration,
            threshold=self.threshold,
            passages=self.passages,
        )

    def reader(self, pending: Any = None):
        """The answer reader (ONNX, loaded once per process) and its calibration."""
        if self._reader is None:
            from evqa.answer.calibration import calibration_of
            from evqa.answer.features import FEATURES
            from evqa.reader.session import load_reader

            reader = pending.result() if pending is not None else load_reader()
            self._calibration = calibration_of(reader.manifest, FEATURES)
            self._reader = reader
        return self._reader, self._calibration

    def _load_reader_meanwhile(self) -> Any:
        """A future of the reader, loading in a thread (onnxruntime releases the GIL), or
        None when it is loaded already."""
        if self._reader is not None:
            return None
        import threading
        from concurrent.futures import Future

        from evqa.reader.session import load_reader

        future: Future = Future()

        def load() -> None:
            try:
                future.set_result(load_reader())
            except BaseException as e:  # re-raised by future.result() in the caller
                future.set_exception(e)

        threading.Thread(target=load, daemon=True).start()
        return future

    def embed_query(self, text: str) -> np.ndarray:
        if self._encoder is None:
            from evqa.encoder import has_onnx, load_query_encoder

            info = self._model_info()
            if not has_onnx(info, self.cache_dir):
                problem = config.cache_problem(self.cache_dir)
                if problem is not None:
                    self._warn(problem)
                elif self.notice:
                    self.notice("preparing the fast query encoder (one time, about 20 s)")
            self._encoder = load_query_encoder(info, self.cache_dir)
        return self._encoder.encode([text])[0]

    def _model_info(self):
        from evqa.encoder import ModelInfo, recorded_folder, resolve_model

        m = self.manifest["model"]
        folder = recorded_folder(m["path"])
        if self.model_path is None and folder is not None and folder.exists():
            # trust the manifest's identity: the ONNX cache is keyed by this hash
            return ModelInfo(name=m["name"], path=folder, sha256=m["sha256"], dim=m["dim"])
        return resolve_model(self.model_path, cache_dir=self.cache_dir)


def undated_warning(count: int) -> str:
    """What a date filter that left out ``count`` undated articles warns."""
    were = "article was" if count == 1 else "articles were"
    return (
        f"{count} undated {were} left out by the since/until date filter (only dated "
        "articles can match it)"
    )


def _checked(
    key: str, flag: Any, check: Callable[..., Any], manifest: dict[str, Any] | None = None
) -> Any:
    """``config.resolve(key, flag, manifest)`` passed through ``check``; when the EVQA_*
    variable gave the value, the check names it (and the error says to fix it)."""
    value = config.resolve(key, flag, manifest)
    if not config.from_env(key, flag):
        return check(value)
    name = config.env_name(key)
    try:
        return check(value, name)
    except InputError as e:
        raise InputError(f"{e}; fix or unset {name}") from None


def _open_index(
    root: Path,
    cache: Path,
    model_flag: Path | None,
    check_stale: bool,
    notice: Notice | None,
    progress,
) -> tuple[Path, store.Generation, Any]:
    """The index's folder (the default one may move to the cache dir), live generation and
    backend. The default seeds index is built or refreshed first; any other is refused
    when stale (if ``check_stale``)."""
    is_default = root.resolve() == Path(config.DEFAULTS["index"]).resolve()
    if is_default:
        root = ensure_default_index(root, cache, model_flag, notice, progress)
    from evqa.backends import open_backend

    gen, backend = open_backend(root)
    if check_stale and not is_default:
        _refuse_stale(gen, model_flag, cache, notice)
    return root, gen, backend


def _fusion(settings: dict[str, Any]) -> FusionSettings:
    """How hybrid search fuses its two rankings: the index's settings under EVQA_*."""
    return FusionSettings(
        method=config.resolve("fusion", None, settings),
        bm25_weight=_checked("bm25_weight", None, config.check_bm25_weight, manifest=settings),
        rrf_k=int(config.resolve("rrf_k", None, settings)),
    )


def _passages(value: Any) -> int:
    n = int(value)
    if not 1 <= n <= config.MAX_K:
        raise InputError(
            f"the reader must read between 1 and {config.MAX_K} passages (got {n}); "
            "fix or unset EVQA_READER_PASSAGES"
        )
    return n


def _refuse_stale(
    gen: store.Generation, model_flag: Path | None, cache: Path, notice: Notice | None = None
) -> None:
    """IndexStaleError if the index no longer matches its corpus or model. A corpus that
    is gone cannot be compared with: the index answers, and ``notice`` is told."""
    from evqa.encoder import resolve_model
    from evqa.staleness import corpus_path, corpus_warning, stale_reasons

    if notice and (warning := corpus_warning(gen.manifest, gen.root)):
        notice(warning)
    sha = resolve_model(model_flag, cache_dir=cache).sha256 if model_flag else None
    reasons = stale_reasons(gen.manifest, gen.root, sha, cache)
    if reasons:
        corpus = corpus_path(gen.manifest, gen.root)
        cmd = f"evqa index build --index {gen.root}"
        if corpus is not None:
            cmd += f" --corpus {corpus}"
        if model_flag is not None:
            cmd += f" --model {model_flag}"
        raise IndexStaleError(f"the index at {gen.root} is stale: {'; '.join(reasons)}. Run: {cmd}")
