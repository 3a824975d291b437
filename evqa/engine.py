"""The public API: open an index once, then search and ask.

    from evqa import Engine
    engine = Engine.open()                      # the default seeds index
    answer = engine.ask("energy density of Jinshi battery")
    if not answer.abstained:
        print(answer.answer, answer.citations[0].quote)

``Engine.ask(...).to_dict()`` is what ``evqa ask --json`` prints, less the ``warnings`` list
(``Engine.answer_warnings``). One Engine may be shared by threads: what it loads on
first use (the reader, the query encoder) is loaded once, under a lock, whichever threads
ask first.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evqa import config, store
from evqa.default_index import ensure_default_index
from evqa.errors import IndexStaleError, InputError
from evqa.fusion import FusionSettings
from evqa.question_text import clean_question
from evqa.types import Answer, Article, Hit

if TYPE_CHECKING:
    from evqa.dates import DateRange

Notice = Callable[[str], None]


class _Lazy:
    """What an Engine loads on first use, each behind its own lock: threads that ask at the
    same time wait for one load instead of each loading it."""

    def __init__(self) -> None:
        self.encoder: Any = None
        self.encoder_info: Any = None  # the model's ModelInfo, once resolved
        self.encoder_lock = threading.Lock()
        self.cache_warned = False  # a cache that cannot be written was warned of
        self.encoder_warnings: list[str] = []  # what loading the query encoder warned of
        self.reader: Future | None = None  # (reader, calibration, verifier), loading or loaded
        self.reader_lock = threading.Lock()
        self.undated: int | None = None
        self.undated_lock = threading.Lock()
        self.empty_ranges: dict[DateRange, str | None] = {}  # a filter's "kept nothing" warning
        self.vocabulary: Any = None  # evqa.answer.names.Vocabulary of a local index's terms


@dataclass
class Engine:
    """An open index. Its settings (``k``, ``mode``, ``threshold``, ``passages``, ``notice``,
    ``warn``) are checked when set, as when given to :meth:`open`."""

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
    # cache that cannot be kept, a corpus that is gone); ``notice`` is told instead when it
    # is None
    warn: Notice | None = field(default=None, repr=False)
    # where the chunks live (evqa.backends); ``data`` is its articles/spans/sentences view
    backend: Any = field(default=None, repr=False)
    # what opening the index warned of (see ``open_warnings``)
    _opened: tuple[str, ...] = field(default=(), repr=False)
    _lazy: _Lazy = field(default_factory=_Lazy, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.backend is None:
            from evqa.backends.local import LocalBackend

            self.backend = LocalBackend(self.data)

    def __setattr__(self, name: str, value: Any) -> None:
        check = _SETTINGS.get(name)
        object.__setattr__(self, name, value if check is None else check(value))

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
        threshold: float | None = None,
    ) -> Engine:
        """Load an index. The default seeds index is built or refreshed on demand
        (``notice`` is told); any other missing or stale index raises an error that
        says what to run. ``k``, ``mode`` and ``threshold`` (the abstention threshold,
        0..1) win over EVQA_K, EVQA_MODE and EVQA_ABSTAIN_THRESHOLD; without either, the
        reader's calibrated threshold is used. ``warn`` is told what may make a result
        misleading, such as an index whose corpus is gone (default: ``notice``)."""
        _check_path(index, "index", "an index folder")
        _check_path(model, "model", "a sentence-transformers model folder")
        _check_path(cache_dir, "cache_dir", "a cache folder")
        k = _checked("k", k, config.check_k)
        mode = _checked("mode", mode, config.check_mode)
        threshold = _checked("abstain_threshold", threshold, _check_threshold)
        config.check_callable(notice, "notice")
        config.check_callable(warn, "warn")
        config.check_callable(progress, "progress", "(stage, done, total)")
        if not isinstance(check_stale, bool):
            raise InputError(f"check_stale must be True or False, not {check_stale!r}")
        root = Path(config.resolve("index", index))
        cache = config.cache_dir(cache_dir)  # an error when it is a file
        from evqa.encoder.folder import model_folder

        model_flag = model_folder(model)  # flag > EVQA_MODEL > (None) the manifest's model
        root, gen, backend, warnings = _open_index(
            root, cache, model_flag, check_stale, notice, progress, warn or notice
        )
        return cls(
            root=root,
            manifest=gen.manifest,
            data=getattr(backend, "data", backend),
            backend=backend,
            cache_dir=cache,
            fusion=_fusion(gen.manifest.get("settings", {})),
            threshold=threshold,
            k=k,
            mode=mode,
            model_path=model_flag,
            passages=_checked("reader_passages", None, _check_passages),
            notice=notice,
            warn=warn,
            _opened=tuple(warnings),
        )

    @property
    def open_warnings(self) -> list[str]:
        """What opening the index warned of, which may make any of its results misleading:
        an index whose corpus is gone, so that whether it is stale cannot be checked (not
        checked, and so ``[]``, when opened with ``check_stale=False``). :meth:`answer_warnings`
        and :meth:`search_warnings` include them."""
        return list(self._opened)

    @property
    def standing_warnings(self) -> list[str]:
        """What may make any result of this engine misleading: :attr:`open_warnings`, then
        what loading the query encoder (on the first question) warned of: a cache folder
        that cannot keep the fast encoder, so every run is slower. :meth:`answer_warnings`
        and :meth:`search_warnings` start with them."""
        return list(self._opened) + list(self._lazy.encoder_warnings)

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
        dated in that range (evqa.dates). A query without content words ("???", "what is
        it") is an InputError: it has nothing to rank passages by."""
        from evqa.abbreviations import spelled_out
        from evqa.dates import date_range
        from evqa.question_content import searchable

        query = searchable(clean_question(query, "query"))  # "???": nothing to rank by
        query = spelled_out(query)  # "Voltreach CFO": the articles write the title out
        k = config.check_k(self.k if k is None else k)
        mode = config.check_mode(self.mode if mode is None else mode)
        dates = date_range(since, until)
        hits = self.backend.search(
            query, self.embed_query, k=k, mode=mode, fusion=self.fusion, dates=dates
        )
        for message in self._date_warnings(dates):
            self._warn(message)
        return hits

    def date_filter_warnings(self, since: str | None = None, until: str | None = None) -> list[str]:
        """What a search with this ``since``/``until`` filter warns of (the undated articles
        it leaves out), as a list: ``[]`` without a filter or when every article is dated.
        The same messages ``warn`` is told by each such search; this is for a caller that
        reports them with its result (``evqa ask --json``, the HTTP API), and is safe to
        call from any thread."""
        from evqa.dates import date_range

        return self._date_warnings(date_range(since, until))

    def search_warnings(self, since: str | None = None, until: str | None = None) -> list[str]:
        """What may make a search with this ``since``/``until`` filter misleading:
        :attr:`standing_warnings`, then :meth:`date_filter_warnings` (what ``evqa search
        --json`` puts in ``warnings``)."""
        return self.standing_warnings + self.date_filter_warnings(since, until)

    def answer_warnings(
        self, answer: Answer, since: str | None = None, until: str | None = None
    ) -> list[str]:
        """What may make ``answer``, asked with this ``since``/``until`` filter, misleading:
        :attr:`standing_warnings`, then what its search warned of (:meth:`date_filter_warnings`;
        none for a question it did not look up, ``answer.reason``, which searched
        nothing). What ``evqa ask --json`` puts in ``warnings``."""
        if not isinstance(answer, Answer):
            raise InputError(f"answer must be an Answer, as ask returns it (got {answer!r})")
        warned = self.date_filter_warnings(since, until)  # checks the dates either way
        searched = [] if answer.reason is not None else warned
        return self.standing_warnings + searched

    def _date_warnings(self, dates: DateRange | None) -> list[str]:
        """The warnings of a search filtered by ``dates`` (evqa.dates; None: no filter)."""
        if dates is None:
            return []
        undated = self.undated_articles()
        empty = self._empty_range_warning(dates)
        return ([undated_warning(undated)] if undated else []) + ([empty] if empty else [])

    def _empty_range_warning(self, dates: DateRange) -> str | None:
        """The warning of a filter that keeps no dated article (None when it keeps one, or
        when no article is dated: the undated warning says that)."""
        lazy = self._lazy
        with lazy.undated_lock:
            if dates not in lazy.empty_ranges:
                if len(lazy.empty_ranges) >= 1024:  # a server sees many ranges
                    lazy.empty_ranges.clear()
                bounds = None if self.backend.count_dated(dates) else self.backend.date_bounds()
                lazy.empty_ranges[dates] = (
                    None if bounds is None else empty_range_warning(dates, bounds)
                )
            return lazy.empty_ranges[dates]

    def undated_articles(self) -> int:
        """How many of the index's articles have no date: a since/until filter leaves
        them all out."""
        lazy = self._lazy
        with lazy.undated_lock:
            if lazy.undated is None:  # from the dates alone, on either backend
                lazy.undated = int(self.backend.count_undated())
            return lazy.undated

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
        self._reader_load()  # the reader loads (in a thread) while the query is searched
        hits = self.search(question, k=k, mode=mode, since=since, until=until)
        reader, calibration, verifier = self.reader()
        return extract_answer(
            question,
            hits,
            self.data.articles,
            self.data.spans,
            self.data.sentences,
            reader=reader,
            calibration=calibration,
            verifier=verifier,
            threshold=self.threshold,
            passages=self.passages,
            closeness=self._bundled_model(),
            vocabulary=self._vocabulary(),
        )

    def _vocabulary(self):
        """The index's BM25 terms, for names no article mentions; None for a backend that
        keeps its terms to itself (Milvus)."""
        from evqa.answer.names import Vocabulary

        bm25 = getattr(self.data, "bm25", None)
        if bm25 is None:
            return None
        lazy = self._lazy
        if lazy.vocabulary is None or lazy.vocabulary.terms is not bm25.vocab:
            lazy.vocabulary = Vocabulary(bm25.vocab)
        return lazy.vocabulary

    def _bundled_model(self) -> bool:
        """True if the index's vectors are the bundled model's, whose cosines the answer
        calibration's off-topic bound was measured in."""
        from evqa.encoder.model import BUNDLED_SHA256

        return self.manifest.get("model", {}).get("sha256") == BUNDLED_SHA256

    def reader(self):
        """The answer reader (ONNX, loaded once per process), its calibration and the answer
        verifier it needs (None if it needs none). Threads
        asking at the same time wait for the one load; a load that failed is tried again
        by the next call."""
        future = self._reader_load()
        try:
            return future.result()
        except BaseException:
            lazy = self._lazy
            with lazy.reader_lock:
                if lazy.reader is future:
                    lazy.reader = None
            raise

    def _reader_load(self) -> Future:
        """The future of the reader and its calibration: started in a thread by the first
        call (onnxruntime releases the GIL), the same future for every later one. Not a
        daemon thread: a program that ends while it loads waits for it (under a second),
        since finalising the interpreter around onnxruntime's C++ aborts the process."""
        lazy = self._lazy
        with lazy.reader_lock:
            if lazy.reader is None:
                future: Future = Future()
                threading.Thread(target=_load_reader, args=(future,)).start()
                lazy.reader = future
            return lazy.reader

    def embed_query(self, text: str) -> np.ndarray:
        return self._query_encoder().encode([text])[0]

    def _query_encoder(self) -> Any:
        """The query encoder, loaded (and exported, the first time) by the first caller
        while any other thread waits. What to say first (a slow one-time export, a cache
        that cannot keep it) is said once, before the load, and a fallback to the slow
        torch encoder (a full cache folder...) is warned of once, after it; both with no
        lock held, so a ``notice`` or ``warn`` callback may call the engine itself."""
        lazy = self._lazy
        if lazy.encoder is not None:
            return lazy.encoder
        told: list[tuple[Notice, str]] = []
        with lazy.encoder_lock:
            if lazy.encoder is not None:
                return lazy.encoder
            if lazy.encoder_info is None:  # the first caller: says what it has to
                lazy.encoder_info = self._model_info()
                told = self._encoder_messages(lazy.encoder_info)
                lazy.cache_warned = any(tell == self._warn for tell, _ in told)
            info = lazy.encoder_info
        for tell, message in told:
            self._tell(tell, message)
        encoder, slower = self._load_encoder(info)
        if slower is not None:  # once: by the thread that loaded it, with no lock held
            self._tell(self._warn, slower)
        return encoder

    def _tell(self, tell: Notice, message: str) -> None:
        """Say ``message`` to ``tell``; a warning is also kept for standing_warnings."""
        if tell == self._warn:
            self._lazy.encoder_warnings.append(message)
        tell(message)

    def _load_encoder(self, info: Any) -> tuple[Any, str | None]:
        """The query encoder of model ``info``, loaded unless another thread did, and what
        to warn of if this call loaded the slow torch fallback (unless the cache that
        could not keep the fast one was warned of already)."""
        lazy = self._lazy
        with lazy.encoder_lock:
            if lazy.encoder is not None:
                return lazy.encoder, None
            from evqa.encoder import load_query_encoder

            lazy.encoder = load_query_encoder(info, self.cache_dir)
            if lazy.cache_warned:
                return lazy.encoder, None
            return lazy.encoder, _fallback_warning(lazy.encoder)

    def _encoder_messages(self, info: Any) -> list[tuple[Notice, str]]:
        """Who to tell what before loading the query encoder of model ``info``."""
        from evqa.encoder import has_onnx

        if has_onnx(info, self.cache_dir):
            return []
        problem = config.cache_problem(self.cache_dir)
        if problem is not None:
            return [(self._warn, problem)]
        if self.notice is None:
            return []
        return [(self.notice, "preparing the fast query encoder (one time, about 20 s)")]

    def _model_info(self):
        from evqa.encoder import ModelInfo, recorded_folder, resolve_model

        m = self.manifest["model"]
        folder = recorded_folder(m["path"])
        if self.model_path is None and folder is not None and folder.exists():
            # trust the manifest's identity: the ONNX cache is keyed by this hash
            return ModelInfo(name=m["name"], path=folder, sha256=m["sha256"], dim=m["dim"])
        return resolve_model(self.model_path, cache_dir=self.cache_dir)


def _load_reader(future: Future) -> None:
    """Load the reader, its calibration and the verifier into ``future`` (in a thread)."""
    try:
        from evqa.answer.calibration import calibration_of
        from evqa.answer.features import FEATURES
        from evqa.answer.verifier import load_verifier
        from evqa.reader.session import load_reader

        reader = load_reader()
        calibration = calibration_of(reader.manifest, FEATURES)
        verifier = load_verifier() if calibration.verified else None
        future.set_result((reader, calibration, verifier))
    except BaseException as e:  # re-raised by future.result() in the callers
        future.set_exception(e)


def _check_threshold(value: Any, name: str | None = None) -> float | None:
    """An abstention threshold: None (the reader's calibrated one) or a number 0..1."""
    name = name or "threshold"
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise InputError(
            f"{name} must be a number between 0 and 1, or None for the reader's calibrated "
            f"threshold (got {value!r})"
        )
    return config.check_threshold(value, name)


def _check_passages(value: Any, name: str | None = None) -> int:
    """How many passages the reader reads: a whole number 1..MAX_K."""
    name = name or "passages"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be a whole number (got {value!r})")
    if not 1 <= value <= config.MAX_K:
        raise InputError(f"{name} must be between 1 and {config.MAX_K} (got {value})")
    return int(value)


def _check_path(value: Any, name: str, what: str) -> None:
    """InputError unless ``value`` is None or a path (str or os.PathLike) of ``what``."""
    if value is not None:
        config.check_path(value, name, what)


def _fallback_warning(encoder: Any) -> str | None:
    """What to warn of when the fast (ONNX) query encoder could not be made or loaded and
    queries load torch instead (``encoder.reason`` says why): every run is slower."""
    reason = getattr(encoder, "reason", "")
    if not reason:
        return None
    return (
        f"the fast query encoder cannot be used, so every run loads torch and is slower: {reason}"
    )


def _check_fusion(value: Any) -> FusionSettings:
    if not isinstance(value, FusionSettings):
        raise InputError(
            f"fusion must be an evqa.fusion.FusionSettings (e.g. the engine's own, changed with "
            f"dataclasses.replace), not {value!r}"
        )
    return value


# what setting an Engine's field checks (the others are set by Engine.open)
_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "k": config.check_k,
    "mode": config.check_mode,
    "threshold": _check_threshold,
    "passages": _check_passages,
    "notice": lambda value: config.check_callable(value, "notice"),
    "warn": lambda value: config.check_callable(value, "warn"),
    "fusion": _check_fusion,
    "cache_dir": lambda value: config.check_path(value, "cache_dir", "a cache folder"),
}


def undated_warning(count: int) -> str:
    """What a date filter that left out ``count`` undated articles warns."""
    were = "article was" if count == 1 else "articles were"
    return (
        f"{count} undated {were} left out by the since/until date filter (only dated "
        "articles can match it)"
    )


def empty_range_warning(dates: DateRange, bounds: tuple[int, int]) -> str:
    """What a date filter that kept none of the dated articles (dated ``bounds``, the
    earliest and latest YYYYMMDD) warns."""
    from evqa.dates import num_text

    lo, hi = (None if n is None else num_text(n) for n in (dates.lo, dates.hi))
    asked = (
        f"from {lo} to {hi}" if lo and hi else f"on or after {lo}" if lo else f"on or before {hi}"
    )
    first, last = (num_text(n) for n in bounds)
    return (
        f"no article is dated {asked}, so nothing was searched; the index's dated articles "
        f"run from {first} to {last}"
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
    warn: Notice | None = None,
) -> tuple[Path, store.Generation, Any, list[str]]:
    """The index's folder (the default one may move to the cache dir), live generation,
    backend and what opening it warned of. The default seeds index is built or refreshed
    first (``notice`` is told); any other is refused when stale (if ``check_stale``;
    ``warn`` is told when it cannot tell)."""
    is_default = root.resolve() == Path(config.DEFAULTS["index"]).resolve()
    if is_default:
        root = ensure_default_index(root, cache, model_flag, notice, progress)
    from evqa.backends import open_backend

    gen, backend = open_backend(root)
    warnings = []
    if check_stale and not is_default:
        warnings = _refuse_stale(gen, model_flag, cache, warn)
    return root, gen, backend, warnings


def _fusion(settings: dict[str, Any]) -> FusionSettings:
    """How hybrid search fuses its two rankings: the index's settings under EVQA_*."""
    return FusionSettings(
        method=_checked("fusion", None, config.check_fusion, manifest=settings),
        bm25_weight=_checked("bm25_weight", None, config.check_bm25_weight, manifest=settings),
        rrf_k=_checked("rrf_k", None, config.check_rrf_k, manifest=settings),
    )


def _refuse_stale(
    gen: store.Generation, model_flag: Path | None, cache: Path, warn: Notice | None = None
) -> list[str]:
    """IndexStaleError if the index no longer matches its corpus or model. A corpus that
    is gone cannot be compared with: the index answers, and ``warn`` is told (the
    warnings are returned too)."""
    from evqa.encoder import resolve_model
    from evqa.staleness import corpus_path, corpus_warning, stale_reasons

    warning = corpus_warning(gen.manifest, gen.root)
    warnings = [] if warning is None else [warning]
    for message in warnings if warn else ():
        warn(message)
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
    return warnings
