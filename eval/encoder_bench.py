"""Document encoders side by side: torch (sentence-transformers), onnx (fp32) and onnx-int8.

1. throughput: chunks/s of ``evqa.encoder.encode_documents`` with each encoder on the same
   SciFact passages, the encoders interleaved round by round so that a busy machine slows them
   alike; the ratios to torch are taken within each round, and the median is reported.
2. quality: SciFact test nDCG@10 (hybrid and dense, eval/beir.py's default settings) with the
   documents embedded by each encoder, and the queries by torch, the fp32 ONNX export (what
   evqa's queries use) or int8; and seeds hit@1 (eval/gold/seeds.jsonl, hybrid) of the seeds
   corpus indexed with each encoder into a temporary folder.

The ONNX exports go to EVQA_CACHE_DIR (default ~/.cache/evqa); SciFact embeddings are cached in
eval/.cache/ by encoder, like eval/beir.py's.

examples:
  python eval/encoder_bench.py                       # 512 passages x 3 rounds, then quality
  python eval/encoder_bench.py --json                # the same figures as JSON
  python eval/encoder_bench.py --n 128 --rounds 1 --skip-quality   # a quick throughput check
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

import beir  # noqa: E402
from _script import parser  # noqa: E402

from evqa import config, encoder  # noqa: E402
from evqa.encoder import onnx_documents  # noqa: E402

SCIFACT = Path("/work/shared/data/scifact")
SEEDS_GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"
ENCODERS = config.ENCODERS
# (documents, queries): the torch baseline, evqa's pairing (fp32 ONNX queries), int8 both
PAIRS = (
    ("torch", "torch"),
    ("torch", "onnx"),
    ("onnx", "onnx"),
    ("onnx-int8", "onnx"),
    ("onnx-int8", "onnx-int8"),
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def chunks(path: Path, n: int) -> list[str]:
    """The first ``n`` SciFact passages (title + whole sentences, as beir.py's maxp)."""
    ds = beir.load_dataset(path)
    out: list[str] = []
    for title, text in zip(ds.titles, ds.texts, strict=True):
        out += beir.passages(title, text)
        if len(out) >= n:
            break
    return out[:n]


def throughput(texts: list[str], rounds: int, cache: Path) -> dict[str, dict]:
    model = encoder.resolve_model(None, cache_dir=cache)
    for name in ENCODERS:  # exports, quantisation and model loading stay out of the timing
        onnx_documents.prepare(model, cache, name)
        encoder.encode_documents(model, texts[:64], encoder=name, cache_dir=cache)
    seconds: dict[str, list[float]] = {name: [] for name in ENCODERS}
    for r in range(rounds):
        for name in ENCODERS:
            t0 = time.perf_counter()
            encoder.encode_documents(model, texts, batch_size=64, encoder=name, cache_dir=cache)
            seconds[name].append(time.perf_counter() - t0)
            log(f"round {r + 1}: {name} {len(texts) / seconds[name][-1]:.1f} chunks/s")
    words = sum(len(t.split()) for t in texts)  # to compare with eval/analysis_speed.py
    out = {}
    for name in ENCODERS:
        ratios = [t / s for t, s in zip(seconds["torch"], seconds[name], strict=True)]
        out[name] = {
            "chunks_per_s": round(len(texts) / statistics.median(seconds[name]), 1),
            "words_per_s": round(words / statistics.median(seconds[name])),
            "vs_torch": round(statistics.median(ratios), 2),
            "rounds_chunks_per_s": [round(len(texts) / s, 1) for s in seconds[name]],
        }
    return out


def scifact(path: Path, cache: Path) -> dict[str, dict]:
    ds = beir.load_dataset(path)
    test, train = beir.load_qrels(path, "test"), beir.load_qrels(path, "train")
    out = {}
    for docs, queries in PAIRS:
        bench = beir.Bench(ds, beir.EmbeddingCache(cache, docs, queries))
        result = beir.evaluate(bench, beir.Settings(), test)
        on_train = beir.evaluate(bench, beir.Settings(), train)
        out[f"{docs}/{queries}"] = {
            "hybrid_ndcg@10": result["hybrid"]["ndcg@10"],
            "dense_ndcg@10": result["dense"]["ndcg@10"],
            "train_hybrid_ndcg@10": on_train["hybrid"]["ndcg@10"],
            "train_dense_ndcg@10": on_train["dense"]["ndcg@10"],
        }
        log(f"scifact docs={docs} queries={queries}: {out[f'{docs}/{queries}']}")
    return out


def seeds(cache: Path) -> dict[str, dict]:
    from evqa import evaluation
    from evqa.build import build, resolve_settings
    from evqa.engine import Engine

    model = encoder.resolve_model(None, cache_dir=cache)
    gold = evaluation.load_gold(SEEDS_GOLD)
    out = {}
    for name in ENCODERS:
        onnx_documents.prepare(model, cache, name)  # the export is not part of the build time
        with tempfile.TemporaryDirectory(prefix="evqa-enc-") as tmp:
            root = Path(tmp) / "index"
            report = build(
                ROOT / "seeds",
                root,
                model=model,
                settings=resolve_settings({"encoder": name}),
                cache_dir=cache,
            )
            engine = Engine.open(root, cache_dir=cache)
            result = evaluation.run_eval(engine, gold, k=engine.k, mode="hybrid")
            out[name] = {
                "hit@1": round(float(result.metrics["hit@1"]), 4),
                "chunks": report.chunks,
                "build_s": report.seconds,
                "warnings": list(report.warnings),
            }
        log(f"seeds {name}: {out[name]}")
    return out


def main() -> int:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, default=SCIFACT, help="the SciFact (BEIR) folder")
    p.add_argument("--n", type=int, default=512, help="passages timed per encoder and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cache", type=Path, default=ROOT / "eval" / ".cache")
    p.add_argument("--skip-quality", action="store_true", help="throughput only")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args()
    onnx_cache = Path(config.resolve("cache_dir"))
    texts = chunks(args.data, args.n)
    out: dict = {"chunks": len(texts), "throughput": throughput(texts, args.rounds, onnx_cache)}
    if not args.skip_quality:
        out["scifact"] = scifact(args.data, args.cache)
        out["seeds"] = seeds(onnx_cache)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"throughput on {len(texts)} SciFact passages (median of {args.rounds} rounds):")
    for name, t in out["throughput"].items():
        print(
            f"  {name:10} {t['chunks_per_s']:7.1f} chunks/s  {t['words_per_s']:6d} words/s  "
            f"{t['vs_torch']:.2f}x torch"
        )
    if "scifact" in out:
        print("SciFact test nDCG@10 (documents/queries):   hybrid   dense")
        for pair, m in out["scifact"].items():
            print(f"  {pair:40} {m['hybrid_ndcg@10']:.4f}  {m['dense_ndcg@10']:.4f}")
        print("seeds hit@1 (hybrid; queries by the fp32 ONNX export):")
        for name, m in out["seeds"].items():
            print(f"  {name:10} {m['hit@1']:.4f}  ({m['chunks']} chunks, build {m['build_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
