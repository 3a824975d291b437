"""Speed of evqa's tokenizer and BM25 index against rank-bm25, on synthetic data.

Documents are ~60 tokens drawn from a Zipfian vocabulary; queries are 6 tokens drawn from
the same distribution. Prints build, save, load and per-query times for both.

examples:
  python eval/bm25_speed.py                   # 100,000 documents, 50 queries, both indexes
  python eval/bm25_speed.py --docs 10000 --len 120 --queries 20 --no-rank-bm25
                                              # longer documents, evqa's index alone
"""

from __future__ import annotations

import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _script import parser  # noqa: E402

from evqa import bm25  # noqa: E402
from evqa.tokenize import tokenize  # noqa: E402


def synthetic(n_docs: int, mean_len: int, vocab: int, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1) ** 1.07
    p /= p.sum()
    lengths = rng.poisson(mean_len, size=n_docs).clip(1)
    words = rng.choice(vocab, size=int(lengths.sum()), p=p)
    names = [f"w{i}" for i in range(vocab)]
    out, pos = [], 0
    for n in lengths:
        out.append([names[w] for w in words[pos : pos + n]])
        pos += n
    return out


def timed(fn, *args, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def tokenizer_speed(texts: list[str]) -> float:
    tokenize("warm up the stemmer")
    t0 = time.perf_counter()
    n = sum(len(tokenize(t)) for t in texts)
    return n / (time.perf_counter() - t0)


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--docs", type=int, default=100_000)
    p.add_argument("--len", type=int, default=60)
    p.add_argument("--vocab", type=int, default=50_000)
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--no-rank-bm25", action="store_true")
    args = p.parse_args()

    seeds = [t.read_text(encoding="utf-8") for t in sorted(Path("seeds").glob("*.txt"))]
    if seeds:
        print(f"tokenizer: {tokenizer_speed(seeds * 20):,.0f} tokens/s (seed articles x 20)")

    docs = synthetic(args.docs, args.len, args.vocab)
    queries = synthetic(args.queries, 6, args.vocab, seed=1)
    print(f"{len(docs):,} docs, {sum(map(len, docs)):,} tokens, {args.queries} queries")

    index, t_build = timed(bm25.build, docs, 1.2, 0.75)
    print(f"evqa.bm25  build {t_build:.2f} s, {index.docs.shape[0]:,} postings")
    with tempfile.TemporaryDirectory() as tmp:
        names, t_save = timed(bm25.save, index, Path(tmp))
        size = sum((Path(tmp) / n).stat().st_size for n in names)
        loaded, t_load = timed(bm25.load, Path(tmp), repeat=3)
        per_query = [timed(bm25.score, loaded, q)[1] for q in queries]
        per_topk = [timed(bm25.top_k, loaded, q, 10)[1] for q in queries]
    print(
        f"evqa.bm25  save {t_save:.2f} s ({size / 1e6:.1f} MB), load (mmap) {t_load * 1e3:.0f} ms"
    )
    print(
        f"evqa.bm25  score {statistics.median(per_query) * 1e3:.2f} ms/query, "
        f"top_k(10) {statistics.median(per_topk) * 1e3:.2f} ms/query (median)"
    )
    if args.no_rank_bm25:
        return
    import rank_bm25

    ref, t_ref = timed(lambda d: rank_bm25.BM25Okapi(d, k1=1.2, b=0.75), docs)
    blob = pickle.dumps(ref)  # only to time what a pickled rank-bm25 index would cost
    _, t_unpickle = timed(pickle.loads, blob)
    ref_query = [timed(ref.get_scores, q)[1] for q in queries[:10]]
    print(f"rank-bm25  build {t_ref:.2f} s, unpickle {t_unpickle:.2f} s ({len(blob) / 1e6:.0f} MB)")
    print(f"rank-bm25  get_scores {statistics.median(ref_query) * 1e3:.1f} ms/query (median)")


if __name__ == "__main__":
    main()
