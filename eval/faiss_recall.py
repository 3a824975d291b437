"""HNSW recall and speed at scale, against exact search.

Builds ``--n`` realistic-looking embeddings: real all-MiniLM-L6-v2 embeddings of the seed
sentences and of random windows of the seed text, mixed in pairs and perturbed with noise (so
they keep the anisotropy and cluster structure of real sentence embeddings), L2-normalised.
Queries are drawn the same way and are not in the index. Prints, for each way HNSW can store
the vectors (float16, 8-bit or float32 codes), the build time (evqa.dense.build_index),
recall@10 against exact float32 IndexFlatIP for several efSearch values, and per-query
latency p50/p95.
``--random`` uses Gaussian clusters instead of the model (no model load, a harder case).

examples:
  python eval/faiss_recall.py                     # 100,000 vectors, codes fp16, sq8 and flat
  python eval/faiss_recall.py --random            # Gaussian clusters, no model
  python eval/faiss_recall.py --n 20000 --queries 300 --codes fp16,flat
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _script import parser  # noqa: E402

from evqa import dense  # noqa: E402

K = 10
EF_VALUES = (64, 128, 256, 512)


def seed_anchors(windows: int, rng: np.random.Generator) -> np.ndarray:
    """Real embeddings: the seed sentences plus random 60-300 character windows of the seeds."""
    from evqa import encoder

    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 20]
    flat = " ".join(text.split())
    for _ in range(windows):
        size = int(rng.integers(60, 300))
        start = int(rng.integers(0, len(flat) - size))
        sentences.append(flat[start : start + size])
    return encoder.encode_documents(encoder.resolve_model(None), sentences)


def random_anchors(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mix(anchors: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Each vector: one anchor + a random share of another + Gaussian noise, normalised."""
    dim = anchors.shape[1]
    a = anchors[rng.integers(0, len(anchors), n)]
    b = anchors[rng.integers(0, len(anchors), n)]
    w = rng.uniform(0.0, 0.7, (n, 1)).astype(np.float32)
    eps = rng.standard_normal((n, dim)).astype(np.float32) * (noise / np.sqrt(dim))
    x = a + w * b + eps
    return np.ascontiguousarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def report_hnsw(data: np.ndarray, queries: np.ndarray, truth: np.ndarray, codes: str) -> None:
    t = time.perf_counter()
    hnsw = dense.build_index(data, exact_max=0, codes=codes)
    build_s = time.perf_counter() - t
    mark = "  <- evqa's" if codes == dense.HNSW_CODES else ""
    print(
        f"HNSW M={dense.HNSW_M} efConstruction={dense.HNSW_EF_CONSTRUCTION} codes={codes}: "
        f"build {build_s:.1f} s (1 thread, deterministic){mark}"
    )
    for ef in EF_VALUES:
        hnsw.hnsw.efSearch = ef
        _, found = dense.search(hnsw, queries, K)
        lat = []
        for q in queries[:200]:
            t = time.perf_counter()
            dense.search(hnsw, q, K)
            lat.append(time.perf_counter() - t)
        p50, p95 = np.percentile(lat, [50, 95]) * 1000
        mark = "  <- default" if ef == dense.HNSW_EF_SEARCH else ""
        print(
            f"  efSearch={ef:4d}: recall@{K} {recall(found, truth):.4f}   "
            f"latency p50 {p50:.2f} ms  p95 {p95:.2f} ms{mark}"
        )


def main() -> None:
    ap = parser(__doc__, __doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--noise", type=float, default=0.8, help="noise norm relative to an anchor")
    ap.add_argument("--windows", type=int, default=1000, help="seed windows to embed as anchors")
    ap.add_argument("--random", action="store_true", help="Gaussian clusters, no model")
    ap.add_argument(
        "--codes", default=",".join(dense.CODES), help="HNSW vector codes to compare (comma list)"
    )
    args = ap.parse_args()
    rng = np.random.default_rng(0)

    t = time.perf_counter()
    anchors = random_anchors(2000, 384, rng) if args.random else seed_anchors(args.windows, rng)
    data = mix(anchors, args.n, args.noise, rng)
    queries = mix(anchors, args.queries, args.noise, rng)
    kind = "gaussian clusters" if args.random else "perturbed seed embeddings"
    print(f"data: {args.n} x {data.shape[1]} ({kind}, {len(anchors)} anchors, noise {args.noise})")
    print(f"  made in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    flat = dense.build_index(data, exact_max=args.n)
    exact_scores, truth = flat.search(queries, K)
    print(f"exact IndexFlatIP: {time.perf_counter() - t:.1f} s to build and search")
    first, tenth = exact_scores[:, 0].mean(), exact_scores[:, -1].mean()
    print(f"  mean cosine of the true 1st / 10th neighbour: {first:.3f} / {tenth:.3f}")

    for codes in args.codes.split(","):
        report_hnsw(data, queries, truth, codes)
    lat = []
    for q in queries[:200]:
        t = time.perf_counter()
        dense.search(flat, q, K)
        lat.append(time.perf_counter() - t)
    print(f"  exact flat      : recall@{K} 1.0000   latency p50 {np.median(lat) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
