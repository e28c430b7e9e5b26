"""Classroom load: 30 students (gradio_client in threads) x 10 requests on the bundled models.

    python -m bench.bench_load [--clients 30] [--requests 10]

Starts the real app in this process on a loopback port, mixes tokenize / classify / fill_mask /
decode / attention, and reports p50 / p95 latency, errors (must be 0) and peak RSS. Then measures
the request cache: the same example clicked by the whole class (cold vs warm).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import threading
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

MINILM = "all-MiniLM-L6-v2 (bundled)"
SMOL = "SmolLM2-135M-Instruct (bundled)"
SENTENCES = [
    "I've been waiting for a HuggingFace course my whole life.",
    "I hate this so much!",
    "He got bit by Python.",
    "Python is my favorite programming language.",
    "The Milky Way is a spiral galaxy.",
]


def request_mix(rng: random.Random) -> tuple[str, dict]:
    """One request a student might send (api_name, kwargs)."""
    s = rng.choice(SENTENCES)
    kind = rng.choice(["tokenize", "classify", "fill_mask", "decode", "attention"])
    if kind == "tokenize":
        return "/tokenize", dict(tokenizer=MINILM, text=s, text_pair="", add_special_tokens=True,
                                 padding="do_not_pad", truncation="do_not_truncate", max_length=128)
    if kind == "classify":
        return "/classify", dict(model=MINILM, text=s, text_pair="")
    if kind == "fill_mask":
        return "/fill_mask", dict(model=MINILM, text="The Milky Way is a [MASK] galaxy.", top_k=5)
    if kind == "decode":
        return "/decode", dict(model=SMOL, prompt=s, max_new_tokens=8, do_sample=False, num_beams=1,
                               num_return_sequences=1, no_repeat_ngram_size=0, early_stopping=False,
                               temperature=1.0, top_k=50, top_p=1.0, repetition_penalty=1.0, seed=0)
    return "/attention", dict(model=MINILM, text=s, text_pair="", view="head")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_clients(url: str, clients: int, requests: int, seed: int = 0) -> dict:
    from gradio_client import Client

    latencies: list[float] = []
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
                    latencies.append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - counted, not raised
                with lock:
                    errors.append(f"{api}: {type(e).__name__}: {str(e)[:120]}")

    threads = [threading.Thread(target=student, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "requests": clients * requests,
        "errors": errors,
        "p50": statistics.median(lat) if lat else float("nan"),
        "p95": lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
        "throughput": len(lat) / wall,
    }


def cache_speedup(url: str) -> tuple[float, float]:
    """The same (not yet seen) classify request: first click vs the class's repeat clicks."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    text = f"A brand new sentence nobody has sent yet {time.time()}."
    t0 = time.perf_counter()
    client.predict(model=MINILM, text=text, text_pair="", api_name="/classify")
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        client.predict(model=MINILM, text=text, text_pair="", api_name="/classify")
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=30)
    ap.add_argument("--requests", type=int, default=10)
    args = ap.parse_args(argv)
    import app as app_module

    demo = app_module.build_app()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **app_module.launch_kwargs())
    try:
        run_clients(demo.local_url, 2, 5, seed=99)  # warm-up: load the models once
        result = run_clients(demo.local_url, args.clients, args.requests)
        cold, warm = cache_speedup(demo.local_url)
    finally:
        demo.close()
    print(f"{'classroom load':<44} {args.clients} clients x {args.requests} requests")
    print(f"{'  p50 latency':<44} {result['p50']:.2f} s")
    print(f"{'  p95 latency':<44} {result['p95']:.2f} s")
    print(f"{'  throughput':<44} {result['throughput']:.1f} req/s")
    print(f"{'  errors (must be 0)':<44} {len(result['errors'])}")
    for e in result["errors"][:5]:
        print("   ", e)
    print(f"{'  peak RSS':<44} {peak_rss_mb():.0f} MB")
    print(f"{'identical request: first / cached':<44} {cold:.3f} s / {warm:.3f} s = {cold / warm:.0f}× faster")
    return result


if __name__ == "__main__":
    main()
