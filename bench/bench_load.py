"""Classroom load: 30 students (gradio_client in threads) x 10 requests on the bundled models.

    python -m bench.bench_load [--clients 30] [--requests 10] [--compare | --only LABEL,LABEL]

Starts `python app.py` in its own process (as in class: the students are not in the server's
process), mixes tokenize / classify / fill_mask / decode / attention, and reports p50 / p95
latency per endpoint, errors (must be 0) and the server's peak RSS. Then the request cache:
one new example clicked by the whole class at once vs 30 different requests (/decode, /attention).

``--compare`` runs the same load against several queue settings (SETTINGS), side by side: that
is how app.py's LANE_LIMITS and torch threads were chosen.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections import defaultdict
from typing import Callable

from demo import course_texts as texts
from testkit.server import peak_rss_mb, serve

MINILM = "all-MiniLM-L6-v2 (bundled)"
SMOL = "SmolLM2-135M-Instruct (bundled)"
SENTENCES = [texts.WAITING, texts.HATE, texts.PYTHON_SNAKE, texts.PYTHON_LANGUAGE, texts.MILKY_WAY]
# label → environment for app.py (see app._apply_queue_setting)
SETTINGS = {
    "Gradio default: a queue per event, 2 each": {"TC_QUEUE": "per-event"},
    "one queue, 2 at a time": {"TC_QUEUE": "one"},
    "lanes: forward 2 + generate 1 (app default)": {"TC_QUEUE": "lanes"},
    "lanes: forward 2 + generate 2": {"TC_QUEUE": "lanes", "TC_GENERATE_CONCURRENCY": "2"},
    "lanes: forward 1 + generate 1": {"TC_QUEUE": "lanes", "TC_MODEL_CONCURRENCY": "1"},
    "lanes 2 + 1 · torch 1 thread each": {"TC_QUEUE": "lanes", "OMP_NUM_THREADS": "1"},
    "one queue 2 · torch 1 thread each": {"TC_QUEUE": "one", "OMP_NUM_THREADS": "1"},
}
DEFAULT_SETTING = "lanes: forward 2 + generate 1 (app default)"


def request_mix(rng: random.Random) -> tuple[str, dict]:
    """One request a student might send (api_name, kwargs): half the time a course example
    (the request cache can serve it), half the time their own sentence (it cannot)."""
    s = rng.choice(SENTENCES)
    if rng.random() < 0.5:
        s = f"{s} Student {rng.randrange(10**9)} wrote this."
    kind = rng.choice(["tokenize", "classify", "fill_mask", "decode", "attention"])
    if kind == "tokenize":
        return "/tokenize", dict(tokenizer=MINILM, text=s, text_pair="", add_special_tokens=True,
                                 padding="do_not_pad", truncation="do_not_truncate", max_length=128)
    if kind == "classify":
        return "/classify", dict(model=MINILM, text=s, text_pair="")
    if kind == "fill_mask":
        return "/fill_mask", dict(model=MINILM, text=s.replace("Python", "[MASK]") if "Python" in s
                                  else texts.MILKY_WAY_MASKED.replace("<mask>", "[MASK]"), top_k=5)
    if kind == "decode":
        return "/decode", dict(model=SMOL, prompt=s, max_new_tokens=8, do_sample=False, num_beams=1,
                               num_return_sequences=1, no_repeat_ngram_size=0, early_stopping=False,
                               temperature=1.0, top_k=50, top_p=1.0, repetition_penalty=1.0, seed=0)
    return "/attention", dict(model=MINILM, text=s, text_pair="", view="head")


def _p95(values: list[float]) -> float:
    v = sorted(values)
    return v[int(0.95 * (len(v) - 1))] if v else float("nan")


def in_threads(n: int, work: Callable[[int], None]) -> float:
    """Run work(0..n-1) in n threads at once; the wall time."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def run_clients(url: str, clients: int, requests: int, seed: int = 0) -> dict:
    from gradio_client import Client

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()

    def student(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        client = Client(url, verbose=False)
        for _ in range(requests):
            api, kwargs = request_mix(rng)
            t0 = time.perf_counter()
            try:
                client.predict(**kwargs, api_name=api)
                with lock:
                    latencies[api].append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - counted, not raised
                with lock:
                    errors.append(f"{api}: {type(e).__name__}: {str(e)[:120]}")

    wall = in_threads(clients, student)
    every = [x for v in latencies.values() for x in v]
    return {
        "requests": clients * requests,
        "errors": errors,
        "p50": statistics.median(every) if every else float("nan"),
        "p95": _p95(every),
        "p95_quick": _p95([x for api, v in latencies.items() if api != "/decode" for x in v]),
        "p95_decode": _p95(latencies.get("/decode", [])),
        "throughput": len(every) / wall,
        "per_api": {api: (statistics.median(v), _p95(v), len(v)) for api, v in sorted(latencies.items())},
    }


def same_click(url: str, clients: int, api: str) -> tuple[float, float]:
    """The whole class clicks one new example at once vs each student a different one: wall time of each."""
    from gradio_client import Client

    stamp = time.time()
    students = [Client(url, verbose=False) for _ in range(clients)]

    def request(text: str) -> dict:
        if api == "/decode":  # a 12-token generation: ~1 s of model work each
            return dict(model=SMOL, prompt=text, max_new_tokens=12, do_sample=False, num_beams=1,
                        num_return_sequences=1, no_repeat_ngram_size=0, early_stopping=False, temperature=1.0,
                        top_k=50, top_p=1.0, repetition_penalty=1.0, seed=0, use_chat_template=False)
        return dict(model=MINILM, text=text, text_pair="", view="head")  # a 0.8 MB page, ~0.2 s of work

    def click(texts: Callable[[int], str]) -> float:
        return in_threads(clients, lambda i: students[i].predict(**request(texts(i)), api_name=api))

    same = click(lambda i: f"The whole class clicks this example at {stamp}.")
    different = click(lambda i: f"Student {i} types their own sentence at {stamp}.")
    return same, different


def measure(setting: str, clients: int, requests: int, cache: bool) -> dict:
    with serve(env_extra=SETTINGS[setting]) as (url, proc, _):
        run_clients(url, 2, 5, seed=99)  # warm-up: load the models once
        result = run_clients(url, clients, requests)
        if cache:
            result["same_click"] = {api: same_click(url, clients, api) for api in ("/decode", "/attention")}
        result["rss"] = peak_rss_mb(proc.pid)
    return result


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=30)
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--compare", action="store_true", help="also run the load under other queue settings")
    ap.add_argument("--only", help="comma-separated setting labels to run (see SETTINGS)")
    args = ap.parse_args(argv)
    ap_settings = [s for s in (args.only or "").split(",") if s]
    settings = ap_settings or (list(SETTINGS) if args.compare else [DEFAULT_SETTING])
    main_setting = DEFAULT_SETTING if DEFAULT_SETTING in settings else settings[0]
    results = {s: measure(s, args.clients, args.requests, cache=s == main_setting) for s in settings}

    print(f"classroom load: {args.clients} clients x {args.requests} mixed requests, server in its own process")
    print(f"{'queue setting':<46} {'p50':>7} {'p95':>7} {'p95 one-pass':>13} {'p95 decode':>11} {'req/s':>6} "
          f"{'errors':>6} {'peak RSS':>9}")
    for s, r in results.items():
        print(f"{s:<46} {r['p50']:>6.2f}s {r['p95']:>6.2f}s {r['p95_quick']:>12.2f}s {r['p95_decode']:>10.2f}s "
              f"{r['throughput']:>6.1f} {len(r['errors']):>6} {r['rss']:>7.0f}MB")
    ours = results[main_setting]
    print(f"\nper endpoint ({main_setting}):")
    for api, (p50, p95, n) in ours["per_api"].items():
        print(f"  {api:<14} p50 {p50:5.2f} s   p95 {p95:5.2f} s   ({n} requests)")
    for r in results.values():
        for e in r["errors"][:5]:
            print("  error:", e)
    for api, (same, different) in ours["same_click"].items():
        print(f"\n{args.clients} students click one new {api} example at once: {same:.2f} s; each their own: "
              f"{different:.2f} s (the request cache: {different / same:.1f}× faster for the class)")
    return ours


if __name__ == "__main__":
    main()
