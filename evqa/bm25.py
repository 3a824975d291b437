"""BM25 with an eager, pickle-free persistent form.

At build time the BM25 weight of every (term, document) pair is computed once and stored as
a sparse matrix in CSR layout by term (like the ``bm25s`` library): row ``t`` holds the
ids of the documents that contain term ``t`` and their weights. A query is then the sum of
a few rows. On disk it is four ``.npy`` files (``allow_pickle=False``, memory-mapped on load)
plus two small JSON files.

Weight of term t in document d (``tf`` = count of t in d, ``dl`` = length of d in tokens)::

    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

The tf saturation is rank-bm25's ``BM25Okapi``. The idf depends on ``variant``:

- ``"lucene"`` (default): ``ln(1 + (N - n + 0.5) / (n + 0.5))``, always positive. Lucene and
  Elasticsearch use it. A term found in most documents still counts a little.
- ``"okapi"``: rank-bm25's ``BM25Okapi`` exactly: ``ln((N - n + 0.5) / (n + 0.5))``, with
  negative values (terms in more than half the documents) replaced by
  ``epsilon * mean idf``. A term in exactly half the documents weighs 0. On a corpus of 30
  chunks about batteries, "battery" would count for (almost) nothing, hence the default.

The weights are computed from each document's term counts (:class:`TermCounts`), and the
saved arrays give those counts back (:func:`term_counts`): an index of a changed corpus is
built from the counts of the documents it keeps plus the new ones' tokens
(:func:`combine`, :func:`from_counts`), the same arrays a full build gives.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from evqa import npy
from evqa.errors import IndexCorruptError

FORMAT = "evqa-bm25"
VERSION = 1
VARIANTS = ("lucene", "okapi")
OKAPI_EPSILON = 0.25  # rank-bm25's default

PARAMS_FILE = "bm25_params.json"
VOCAB_FILE = "bm25_vocab.json"
ARRAY_FILES = {
    "indptr": "bm25_indptr.npy",  # int64, n_terms + 1: row t is [indptr[t], indptr[t + 1])
    "docs": "bm25_docs.npy",  # int32, nnz: document ids, ascending within a row
    "weights": "bm25_weights.npy",  # float32, nnz
    "doc_lengths": "bm25_doclen.npy",  # int32, n_docs: tokens per document
}
_DTYPES = {"indptr": np.int64, "docs": np.int32, "weights": np.float32, "doc_lengths": np.int32}


@dataclass(frozen=True, eq=False)
class BM25Index:
    k1: float
    b: float
    variant: str
    vocab: dict[str, int]  # term -> row
    indptr: np.ndarray
    docs: np.ndarray
    weights: np.ndarray
    doc_lengths: np.ndarray
    # what made the token lists, as the caller names it ("": not recorded): counts from
    # :func:`term_counts` stand for a document's tokens only under the same tokenizer
    tokenizer: str = ""

    @property
    def n_docs(self) -> int:
        return int(self.doc_lengths.shape[0])


@dataclass(frozen=True, eq=False)
class TermCounts:
    """How often each term occurs in each document, the corpus a BM25 index is computed
    from. Entries are sorted by term, then document, one per (term, document) pair; every
    term occurs somewhere."""

    terms: list[str]  # sorted
    rows: np.ndarray  # int64 per entry: the term, an index into terms
    docs: np.ndarray  # int64 per entry: the document
    tf: np.ndarray  # int64 per entry: how often the term occurs in the document, >= 1
    lengths: np.ndarray  # int64 per document: its tokens

    @property
    def n_docs(self) -> int:
        return int(self.lengths.shape[0])


def idf(df: np.ndarray, n_docs: int, variant: str = "lucene") -> np.ndarray:
    """Inverse document frequency of terms found in ``df`` documents out of ``n_docs``."""
    df = np.asarray(df, dtype=np.float64)
    if variant == "lucene":
        return np.log1p((n_docs - df + 0.5) / (df + 0.5))
    if variant == "okapi":
        raw = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        floor = OKAPI_EPSILON * raw.mean() if raw.size else 0.0
        return np.where(raw < 0, floor, raw)
    raise ValueError(f"unknown BM25 variant {variant!r}; choose one of: {', '.join(VARIANTS)}")


def build(
    token_lists: Sequence[Sequence[str]],
    k1: float,
    b: float,
    variant: str = "lucene",
    tokenizer: str = "",
) -> BM25Index:
    """Index documents given as token lists (from :func:`evqa.tokenize.tokenize`);
    ``tokenizer`` names what made them (see :attr:`BM25Index.tokenizer`)."""
    return from_counts(count(token_lists), k1, b, variant, tokenizer)


def count(token_lists: Sequence[Sequence[str]]) -> TermCounts:
    """The term counts of documents given as token lists."""
    n_docs = len(token_lists)
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n_docs)
    terms = sorted(set(chain.from_iterable(token_lists)))
    vocab = {t: i for i, t in enumerate(terms)}
    term_ids = np.fromiter(
        (vocab[t] for t in chain.from_iterable(token_lists)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    # one key per (term, doc), sorted by term then doc; counts = term frequencies
    keys, tf = np.unique(term_ids * max(n_docs, 1) + doc_of, return_counts=True)
    rows, docs = np.divmod(keys, max(n_docs, 1))
    return TermCounts(terms=terms, rows=rows, docs=docs, tf=tf.astype(np.int64), lengths=lengths)


def from_counts(
    counts: TermCounts, k1: float, b: float, variant: str = "lucene", tokenizer: str = ""
) -> BM25Index:
    """The BM25 index of a corpus given as its term counts."""
    _check_variant(variant)
    n_docs = counts.n_docs
    df = np.bincount(counts.rows, minlength=len(counts.terms))
    norm = _norm(counts.lengths, counts.docs, k1, b)
    weights = _weights(idf(df, n_docs, variant)[counts.rows], counts.tf, norm, k1)
    return BM25Index(
        k1=float(k1),
        b=float(b),
        variant=variant,
        vocab={t: i for i, t in enumerate(counts.terms)},
        indptr=np.concatenate(([0], np.cumsum(df))).astype(np.int64),
        docs=counts.docs.astype(np.int32),
        weights=weights.astype(np.float32),
        doc_lengths=counts.lengths.astype(np.int32),
        tokenizer=tokenizer,
    )


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"unknown BM25 variant {variant!r}; choose one of: {', '.join(VARIANTS)}")


def _norm(lengths: np.ndarray, docs: np.ndarray, k1: float, b: float) -> np.ndarray:
    """Per entry, the tf saturation's length term ``k1 * (1 - b + b * dl / avgdl)``."""
    total = int(lengths.sum())
    avgdl = total / lengths.shape[0] if total else 1.0
    return k1 * (1.0 - b + b * lengths[docs] / avgdl)


def _weights(idfs: np.ndarray, tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """Per entry, the BM25 weight (float64) of a term's ``tf`` occurrences in a document."""
    return idfs * tf * (k1 + 1.0) / (tf + norm)


def term_counts(index: BM25Index) -> TermCounts | None:
    """The term counts ``index`` was computed from, read back from its weights; None when
    the weights do not tell them (k1 0, a term of idf 0, a saturated count): each count
    is kept only if it gives its stored weight exactly and its neighbours do not, and
    every document's counts add up to its length."""
    n_docs = index.n_docs
    df = np.diff(np.asarray(index.indptr, dtype=np.int64))
    rows = np.repeat(np.arange(df.shape[0], dtype=np.int64), df)
    docs = np.asarray(index.docs, dtype=np.int64)
    lengths = np.asarray(index.doc_lengths, dtype=np.int64)
    stored = np.asarray(index.weights, dtype=np.float32)
    idfs = idf(df, n_docs, index.variant)[rows]
    norm = _norm(lengths, docs, index.k1, index.b)
    with np.errstate(all="ignore"):  # weight = idf * tf (k1 + 1) / (tf + norm), for tf
        ratio = stored / idfs
        guess = np.rint(ratio * norm / (index.k1 + 1.0 - ratio))
    if guess.size and not (np.isfinite(guess).all() and guess.min() >= 1):
        return None
    tf = guess.astype(np.int64)
    if not _tells(stored, idfs, tf, norm, index.k1):
        return None
    if not np.array_equal(np.bincount(docs, weights=tf, minlength=n_docs), lengths):
        return None
    terms = sorted(index.vocab, key=index.vocab.__getitem__)
    return TermCounts(terms=terms, rows=rows, docs=docs, tf=tf, lengths=lengths)


def _tells(
    stored: np.ndarray, idfs: np.ndarray, tf: np.ndarray, norm: np.ndarray, k1: float
) -> bool:
    """Whether each stored (float32) weight is the one of its count ``tf``, and not the one
    of a count one fewer or one more: the weight moves one way with the count, so then no
    other count gives it."""

    def gives(counts: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return _weights(idfs, counts, norm, k1).astype(np.float32) == stored

    return bool(gives(tf).all() and not gives(tf - 1).any() and not gives(tf + 1).any())


def combine(parts: Sequence[tuple[TermCounts, np.ndarray]], n_docs: int) -> TermCounts:
    """The corpus of ``n_docs`` documents made of documents of ``parts``: each part is its
    counts and, per document, the one it becomes (-1: left out). Every document of the
    corpus must come from one document of one part (ValueError otherwise)."""
    parts = [(counts, np.asarray(place, dtype=np.int64)) for counts, place in parts]
    if any(place.shape != (counts.n_docs,) for counts, place in parts):
        raise ValueError("a part's places are not one per document")
    targets = np.concatenate([np.zeros(0, np.int64), *(p[p >= 0] for _, p in parts)])
    if not np.array_equal(np.bincount(targets, minlength=n_docs), np.ones(n_docs, np.int64)):
        raise ValueError("each document must come from one document of one part")
    lengths = np.zeros(n_docs, dtype=np.int64)
    for counts, place in parts:
        lengths[place[place >= 0]] = counts.lengths[place >= 0]
    taken = [_placed(counts, place) for counts, place in parts]
    terms = sorted(set(chain.from_iterable(t.terms for t in taken)))
    vocab = {term: i for i, term in enumerate(terms)}
    rows = [
        np.fromiter((vocab[term] for term in t.terms), dtype=np.int64, count=len(t.terms))[t.rows]
        for t in taken
    ]
    return _sorted(
        terms,
        np.concatenate([np.zeros(0, np.int64), *rows]),
        np.concatenate([np.zeros(0, np.int64), *(t.docs for t in taken)]),
        np.concatenate([np.zeros(0, np.int64), *(t.tf for t in taken)]),
        lengths,
    )


@dataclass(frozen=True, eq=False)
class _Placed:
    """The entries of a part of a combined corpus: as :class:`TermCounts` (sorted by term,
    each term an index into ``terms``), the documents numbered as in the combined corpus."""

    terms: list[str]
    rows: np.ndarray
    docs: np.ndarray
    tf: np.ndarray


def _placed(counts: TermCounts, place: np.ndarray) -> _Placed:
    """The entries of the documents of ``counts`` that ``place`` moves (-1: left out) to
    another corpus, and only the terms they hold."""
    moved = place[counts.docs]
    kept = moved >= 0
    rows = counts.rows[kept]  # sorted
    first = np.diff(rows, prepend=-1) != 0  # the first entry of each term left
    return _Placed(
        terms=[counts.terms[i] for i in rows[first]],
        rows=np.cumsum(first) - 1,
        docs=moved[kept],
        tf=counts.tf[kept],
    )


def _sorted(
    terms: list[str], rows: np.ndarray, docs: np.ndarray, tf: np.ndarray, lengths: np.ndarray
) -> TermCounts:
    """TermCounts of these entries, put in order by term then document."""
    order = np.argsort(rows * max(lengths.shape[0], 1) + docs, kind="stable")
    return TermCounts(
        terms=terms, rows=rows[order], docs=docs[order], tf=tf[order], lengths=lengths
    )


def score(index: BM25Index, query_tokens: Sequence[str]) -> np.ndarray:
    """BM25 score of every document (float64, one per document). A repeated query token
    counts once per occurrence, as in rank-bm25; unknown tokens count for nothing."""
    scores = np.zeros(index.n_docs, dtype=np.float64)
    for token in query_tokens:
        row = index.vocab.get(token)
        if row is None:
            continue
        start, end = int(index.indptr[row]), int(index.indptr[row + 1])
        scores[index.docs[start:end]] += index.weights[start:end]  # ids unique within a row
    return scores


def top_k(index: BM25Index, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
    """The ``k`` best (document, score) pairs, best first; ties go to the lower document
    id; documents scoring 0 are left out."""
    return top_k_of(score(index, query_tokens), k)


def top_k_of(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best (document, score) pairs of a score array; see :func:`top_k`."""
    candidates = np.flatnonzero(scores > 0)
    if k <= 0 or candidates.size == 0:
        return []
    values = scores[candidates]
    if candidates.size > k:
        kth = np.partition(values, candidates.size - k)[candidates.size - k]
        keep = values >= kth  # keeps every tie at the boundary
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:k]
    return [(int(candidates[i]), float(values[i])) for i in order]


# ---------------------------------------------------------------- persistence


def save(index: BM25Index, folder: Path) -> list[str]:
    """Write the index into ``folder`` (which must exist); return the file names written."""
    folder = Path(folder)
    written = []
    for field, name in ARRAY_FILES.items():
        array = np.ascontiguousarray(getattr(index, field), dtype=_DTYPES[field])
        np.save(folder / name, array, allow_pickle=False)
        written.append(name)
    terms = sorted(index.vocab, key=index.vocab.__getitem__)
    (folder / VOCAB_FILE).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    written.append(VOCAB_FILE)
    params = {
        "format": FORMAT,
        "version": VERSION,
        "k1": index.k1,
        "b": index.b,
        "variant": index.variant,
        "n_docs": index.n_docs,
        "n_terms": len(terms),
        "nnz": int(index.docs.shape[0]),
        "tokenizer": index.tokenizer,
    }
    (folder / PARAMS_FILE).write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    written.append(PARAMS_FILE)
    return written


def load(folder: Path, *, mmap: bool = True) -> BM25Index:
    """Read an index written by :func:`save`. Raises IndexCorruptError if a file is
    missing, truncated or inconsistent with the others."""
    folder = Path(folder)
    params = _read_json(folder / PARAMS_FILE)
    terms = _read_json(folder / VOCAB_FILE)
    try:
        if params.get("format") != FORMAT or params.get("version") != VERSION:
            raise ValueError(f"not an {FORMAT} v{VERSION} index")
        arrays = {f: _read_array(folder / n, _DTYPES[f], mmap) for f, n in ARRAY_FILES.items()}
        index = BM25Index(
            k1=float(params["k1"]),
            b=float(params["b"]),
            variant=str(params["variant"]),
            vocab={t: i for i, t in enumerate(terms)},
            tokenizer=params.get("tokenizer", ""),
            **arrays,
        )
        _check(index, params, terms)
    except (KeyError, TypeError, ValueError) as e:
        raise _corrupt(folder, str(e)) from None
    return index


def _check(index: BM25Index, params: dict, terms: list) -> None:
    n_terms, nnz, n_docs = int(params["n_terms"]), int(params["nnz"]), int(params["n_docs"])
    indptr = index.indptr
    if not isinstance(terms, list) or len(index.vocab) != len(terms) or len(terms) != n_terms:
        raise ValueError("the vocabulary does not match the parameters")
    if indptr.shape != (n_terms + 1,) or indptr[0] != 0 or indptr[-1] != nnz:
        raise ValueError("the row pointers do not match the parameters")
    if np.any(np.diff(indptr) < 0):
        raise ValueError("the row pointers are not sorted")
    if index.docs.shape != (nnz,) or index.weights.shape != (nnz,):
        raise ValueError("the postings do not match the parameters")
    if index.doc_lengths.shape != (n_docs,):
        raise ValueError("the document lengths do not match the parameters")
    if nnz and (int(index.docs.min()) < 0 or int(index.docs.max()) >= n_docs):
        raise ValueError("a posting points past the last document")
    if index.variant not in VARIANTS:
        raise ValueError(f"unknown variant {index.variant!r}")
    if not isinstance(index.tokenizer, str):
        raise ValueError(f"the tokenizer {index.tokenizer!r} is not a name")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _corrupt(path.parent, f"{path.name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _corrupt(path.parent, f"{path.name} cannot be read ({e})") from None


def _read_array(path: Path, dtype: type, mmap: bool) -> np.ndarray:
    try:
        array = npy.load(path, mmap=mmap)
    except FileNotFoundError:
        raise ValueError(f"{path.name} is missing") from None
    except (OSError, ValueError, EOFError) as e:
        raise ValueError(f"{path.name} is truncated or not a numpy array ({e})") from None
    if array.dtype != dtype or array.ndim != 1:
        raise ValueError(f"{path.name} has dtype {array.dtype} and {array.ndim} dims")
    return array


def _corrupt(folder: Path, why: str) -> IndexCorruptError:
    return IndexCorruptError(f"the BM25 index in {folder} is damaged: {why}; rebuild the index")
