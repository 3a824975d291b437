"""The Milvus backend beside the local index: same chunks, same model, same fusion.

For a BEIR dataset it writes the first ``--docs`` documents as a JSONL corpus and indexes
it twice through evqa's own build (``--no-ner`` for both): into a local index and into
milvus-lite. Chunk embeddings are cached by text (``eval/.cache/milvus-bench-*``), so both
builds get the same vectors without encoding: the build figures are everything *but* the
encoder, and the encoding rate measured while filling the cache gives the totals. Then
every test query with a relevant document among them is searched through ``Engine.search``
on both (bm25, dense, hybrid; k=100 chunks, ranked documents = first occurrence), for
nDCG@10 / recall@100 and the warm latency (query vectors memoised, so retrieval only; the
ONNX query encoder adds the same few ms to both).

``--seeds`` builds the seeds into milvus-lite with the shipped index's settings and runs
``evqa eval --gold eval/gold/seeds.jsonl`` on it and on the shipped local index.

examples:
  python eval/milvus_bench.py /work/shared/data/scifact            # build + queries
  python eval/milvus_bench.py /work/shared/data/scifact --docs 2000 --json
  python eval/milvus_bench.py --seeds                               # evqa eval on the seeds
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _script import parser  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- cached embeddings


class CachedEncoder:
    """Stands in for evqa.encoder.encode_documents: vectors by sha256 of the text, encoded
    (and timed) with the real encoder on a miss, kept on disk between runs, one folder per
    model and document encoder (torch's keeps its old name)."""

    def __init__(self, folder: Path, model_sha: str, encoder_name: str = "torch") -> None:
        from evqa import encoder

        self.real = encoder.encode_documents
        suffix = "" if encoder_name == "torch" else f"-{encoder_name}"
        self.encoder_name = encoder_name
        self.path = folder / f"milvus-bench-{model_sha[:16]}{suffix}"
        self.vectors: dict[str, np.ndarray] = {}
        self.encoded = 0
        self.encode_seconds = 0.0
        if (self.path / "keys.json").exists():
            keys = json.loads((self.path / "keys.json").read_text())
            vecs = np.load(self.path / "vecs.npy")
            self.vectors = dict(zip(keys, vecs, strict=True))
        self._dirty = False

    def __call__(self, model, texts, *, batch_size=64, progress=None, encoder=None, **kw):
        if (encoder or self.encoder_name) != self.encoder_name:
            raise ValueError(f"this cache holds {self.encoder_name} vectors, not {encoder}")
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.vectors]
        if todo:
            t0 = time.perf_counter()
            vecs = self.real(
                model, [texts[i] for i in todo], batch_size=batch_size, encoder=encoder, **kw
            )
            self.encode_seconds += time.perf_counter() - t0
            self.encoded += len(todo)
            for i, v in zip(todo, vecs, strict=True):
                self.vectors[keys[i]] = np.asarray(v, dtype=np.float32)
            self._dirty = True
        if progress:
            progress(len(texts))
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        keys = list(self.vectors)
        np.save(self.path / "vecs.npy", np.stack([self.vectors[k] for k in keys]))
        (self.path / "keys.json").write_text(json.dumps(keys))


# ---------------------------------------------------------------- building


def write_corpus(ds, n: int, path: Path) -> list[str]:
    ids = ds.doc_ids[:n]
    with path.open("w", encoding="utf-8") as f:
        for i, doc_id in enumerate(ids):
            row = {"id": doc_id, "title": ds.titles[i] or None, "text": ds.texts[i] or "."}
            f.write(json.dumps(row) + "\n")
    return ids


def builds(corpus: Path, work: Path, cache: CachedEncoder) -> dict:
    """Prime the embedding cache, then time a local and a milvus-lite build of the corpus."""
    from evqa import build as local_build
    from evqa import encoder
    from evqa.backends import milvus
    from evqa.build import resolve_settings

    model = encoder.resolve_model(None)
    settings = resolve_settings({"analysis": False})
    encoder.encode_documents = cache
    kwargs = dict(model=model, settings=settings, cache_dir=work / "cache")
    log("priming the embedding cache (a local build that encodes what is missing)...")
    t0 = time.perf_counter()
    prime = local_build.build(corpus, work / "prime", **kwargs)
    prime_s = time.perf_counter() - t0
    cache.save()
    log(f"  {prime.chunks} chunks, {cache.encoded} encoded in {cache.encode_seconds:.0f} s")
    t0 = time.perf_counter()
    local = local_build.build(corpus, work / "local", **kwargs)
    local_s = time.perf_counter() - t0
    log(f"local build: {local_s:.1f} s")
    t0 = time.perf_counter()
    remote = milvus.build(corpus, work / "milvus", uri=None, collection=None, **kwargs)
    milvus_s = time.perf_counter() - t0
    log(f"milvus-lite build: {milvus_s:.1f} s")
    assert local.chunks == remote.chunks, (local.chunks, remote.chunks)
    rate = cache.encoded / cache.encode_seconds if cache.encode_seconds else None
    out = {
        "articles": local.articles,
        "chunks": local.chunks,
        "local_build_s": round(local_s, 2),
        "milvus_build_s": round(milvus_s, 2),
        "overhead_ratio": round(milvus_s / local_s, 2),
        "prime_build_s": round(prime_s, 1),
    }
    if rate:
        enc = local.chunks / rate
        out.update(
            {
                "encode_chunks_per_s": round(rate, 1),
                "encode_s": round(enc, 1),
                "local_total_s": round(local_s + enc, 1),
                "milvus_total_s": round(milvus_s + enc, 1),
                "total_ratio": round((milvus_s + enc) / (local_s + enc), 3),
            }
        )
    return out


# ---------------------------------------------------------------- querying


def queries_for(ds, qrels: dict[str, dict[str, int]], ids: Sequence[str], n: int) -> list:
    kept = set(ids)
    out = []
    for qid in sorted(qrels):
        rel = {d: g for d, g in qrels[qid].items() if d in kept and g > 0}
        if rel and qid in ds.queries:
            out.append((qid, ds.queries[qid], rel))
    return out[:n] if n else out


def ranked_docs(hits) -> list[str]:
    seen, out = set(), []
    for h in hits:
        if h.doc_id not in seen:
            seen.add(h.doc_id)
            out.append(h.doc_id)
    return out


def compare(index_local: Path, index_milvus: Path, queries: list, k: int = 100) -> dict:
    """nDCG@10, recall@100 and warm p50/p95 (ms) per backend and mode."""
    from beir import ndcg_at, recall_at

    from evqa.engine import Engine

    vectors: dict[str, np.ndarray] = {}
    result: dict[str, dict] = {}
    for name, index in (("local", index_local), ("milvus", index_milvus)):
        engine = Engine.open(index)
        embed = engine.embed_query

        def memo(text, embed=embed):
            if text not in vectors:
                vectors[text] = embed(text)
            return vectors[text]

        engine.embed_query = memo
        for _, q, _ in queries[:20]:  # warm up: ONNX session, caches, milvus-lite segments
            engine.search(q, k=k, mode="hybrid")
        result[name] = {}
        for mode in ("bm25", "dense", "hybrid"):
            nd, rc, lat = [], [], []
            for _, q, rel in queries:
                memo(q)
                t0 = time.perf_counter()
                hits = engine.search(q, k=k, mode=mode)
                lat.append((time.perf_counter() - t0) * 1e3)
                docs = ranked_docs(hits)
                nd.append(ndcg_at(docs, rel))
                rc.append(recall_at(docs, rel))
            lat.sort()
            result[name][mode] = {
                "ndcg@10": round(float(np.mean(nd)), 4),
                "recall@100": round(float(np.mean(rc)), 4),
                "p50_ms": round(statistics.median(lat), 1),
                "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
                "queries": len(queries),
            }
            log(f"{name:6} {mode:6} {result[name][mode]}")
    return result


def beir_compare(path: Path, docs: int, nq: int, cache_dir: Path) -> dict:
    """Everything for one BEIR dataset: builds, then the query comparison."""
    from beir import load_dataset, load_qrels

    from evqa.encoder import resolve_model

    ds = load_dataset(path)
    qrels = load_qrels(path, "test")
    from evqa.build import resolve_settings

    encoder_name = resolve_settings({"analysis": False}).encoder  # what builds() will use
    cache = CachedEncoder(cache_dir, resolve_model(None).sha256, encoder_name)
    with tempfile.TemporaryDirectory(prefix="evqa-milvus-bench-") as tmp:
        work = Path(tmp)
        ids = write_corpus(ds, docs or len(ds.doc_ids), work / "corpus.jsonl")
        build = builds(work / "corpus.jsonl", work, cache)
        queries = queries_for(ds, qrels, ids, nq)
        results = compare(work / "local", work / "milvus", queries)
    return {"build": build, "search": results, "docs": len(ids)}


# ---------------------------------------------------------------- seeds through evqa eval


def seeds() -> dict:
    root = HERE.parent
    evqa = [sys.executable, "-m", "evqa"]
    gold = root / "eval" / "gold" / "seeds.jsonl"
    out = {}
    with tempfile.TemporaryDirectory(prefix="evqa-milvus-seeds-") as tmp:
        index = Path(tmp) / "seeds-milvus"
        t0 = time.perf_counter()
        subprocess.run(
            [*evqa, "index", "build", "--corpus", str(root / "seeds"), "--index", str(index)]
            + ["--backend", "milvus"],
            check=True,
            cwd=root,
            stdout=sys.stderr,  # the build report is not part of the JSON printed here
        )
        log(f"seeds into milvus-lite: {time.perf_counter() - t0:.1f} s")
        for name, idx in (("local", root / "index"), ("milvus", index)):
            r = subprocess.run(
                [*evqa, "eval", "--gold", str(gold), "--index", str(idx), "--json"],
                check=True,
                capture_output=True,
                text=True,
                cwd=root,
            )
            m = json.loads(r.stdout)["hybrid"]
            keys = ("hit@1", "em", "f1", "doc_recall@k", "abstain_precision", "abstain_recall")
            out[name] = {key: m.get(key) for key in keys}
            log(f"{name}: {out[name]}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(__doc__)
    p.add_argument("path", type=Path, nargs="?", help="BEIR dataset folder")
    p.add_argument("--docs", type=int, default=0, help="only the first N documents (0 = all)")
    p.add_argument("--queries", type=int, default=0, help="at most N test queries (0 = all)")
    p.add_argument("--cache", type=Path, default=HERE / ".cache")
    p.add_argument("--seeds", action="store_true", help="evqa eval on the seeds, both backends")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    out = {}
    if args.seeds:
        out["seeds"] = seeds()
    if args.path:
        out["beir"] = beir_compare(args.path, args.docs, args.queries, args.cache)
    if not out:
        p.error("give a BEIR dataset folder, --seeds, or both")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
