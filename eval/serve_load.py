"""Load test of `evqa serve` on loopback: concurrent clients asking the gold questions.

Starts `evqa serve --port 0` in a subprocess and warms it with one request. One client
alone asks every question first (the baseline of the same run); then each of --clients
clients (a thread with its own keep-alive connection) asks every question once, in its
own rotation; last, warm Engine.ask runs in-process. Prints requests/s and p50/p95/p99
latency, the errors (there must be none), and whether every answer equals what
`evqa ask --json` prints for the same question (checked in fresh processes for the
first --check questions, and for all of them between the clients). Bounded:
--max-seconds stops the run. Exit 1 on any error or mismatch.

examples:
  python eval/serve_load.py                      # 16 clients x 50 questions, the seeds index
  python eval/serve_load.py --clients 4 --questions 10 --check 5 --json
  python eval/serve_load.py --clients 32 --max-seconds 60   # more clients, a minute at most
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from _script import parser

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]
    return [r["question"] for r in rows[:n]]


def start_server(index: str | None) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "evqa", "serve", "--port", "0", "--json"]
    cmd += ["--index", index] if index else []
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"evqa serve did not start (exit code {proc.wait()})")
    return proc, json.loads(line)["url"]


def client_run(url: str, qs: list[str], offset: int, deadline: float, out: list, lock) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:
        for i in range(len(qs)):
            if time.monotonic() > deadline:
                return
            q = qs[(i + offset) % len(qs)]
            t = time.perf_counter()
            try:
                r = http.post("/ask", json={"question": q})
                row = (q, time.perf_counter() - t, r.status_code, r.json())
            except (httpx.HTTPError, ValueError) as e:
                row = (q, time.perf_counter() - t, None, repr(e))
            with lock:
                out.append(row)


def load(url: str, qs: list[str], clients: int, max_seconds: float) -> tuple[list, float]:
    out: list = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for c in range(clients):
            pool.submit(client_run, url, qs, c * 3, deadline, out, lock)
    return out, time.perf_counter() - started


def cli_answers(qs: list[str], index: str | None) -> dict[str, dict]:
    extra = ["--index", index] if index else []
    answers = {}
    for q in qs:
        r = subprocess.run(
            [sys.executable, "-m", "evqa", "ask", q, "--json", *extra],
            env=ENV, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        answers[q] = json.loads(r.stdout) if r.returncode == 0 else {"error": r.stderr.strip()}
    return answers


def report(rows: list, wall: float, qs: list[str], clients: int, cli: dict) -> dict:
    ok = [r for r in rows if r[2] == 200]
    lat = np.array([r[1] for r in ok]) * 1000
    by_question: dict[str, list] = {}
    for q, _, _, body in ok:
        by_question.setdefault(q, []).append(json.dumps(body, sort_keys=True))
    consistent = all(len(set(v)) == 1 for v in by_question.values())
    mismatched = [q for q, a in cli.items() if q in by_question and
                  json.dumps(a, sort_keys=True) != by_question[q][0]]  # fmt: skip
    return {
        "clients": clients,
        "questions": len(qs),
        "requests": len(rows),
        "expected_requests": clients * len(qs),
        "errors": len(rows) - len(ok),
        "seconds": round(wall, 2),
        "requests_per_s": round(len(ok) / wall, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
        "p95_ms": round(float(np.percentile(lat, 95)), 1) if len(lat) else None,
        "p99_ms": round(float(np.percentile(lat, 99)), 1) if len(lat) else None,
        "same_answer_across_clients": consistent,
        "checked_against_evqa_ask": len(cli),
        "differ_from_evqa_ask": mismatched,
    }


def engine_p50(qs: list[str], index: str | None) -> float:
    """Warm Engine.ask in this process: what HTTP adds is the difference."""
    sys.path.insert(0, str(ROOT))
    from evqa.engine import Engine

    engine = Engine.open(index)
    engine.ask(qs[0])
    times = []
    for q in qs:
        t = time.perf_counter()
        engine.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return round(float(np.percentile(times, 50)), 1)


def main() -> int:
    ap = parser(__doc__)
    ap.add_argument("--index", default=None, help="index folder (default: the seeds index)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--check", type=int, default=50, help="questions checked with evqa ask")
    ap.add_argument("--max-seconds", type=float, default=300.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    qs = questions(args.questions)
    proc, url = start_server(args.index)
    try:
        httpx.post(url + "ask", json={"question": qs[0]}, timeout=60)  # warm-up
        alone, alone_wall = load(url, qs, 1, args.max_seconds)  # the same run's baseline
        rows, wall = load(url, qs, args.clients, args.max_seconds)
    finally:
        proc.terminate()
        proc.wait(10)
    result = report(rows, wall, qs, args.clients, cli_answers(qs[: args.check], args.index))
    base = report(alone, alone_wall, qs, 1, {})
    result["one_client"] = {k: base[k] for k in ("errors", "requests_per_s", "p50_ms", "p95_ms")}
    result["engine_ask_p50_ms"] = engine_p50(qs, args.index)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    good = (
        result["errors"] == 0
        and result["requests"] == result["expected_requests"]
        and result["same_answer_across_clients"]
        and not result["differ_from_evqa_ask"]
        and result["one_client"]["errors"] == 0
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
