"""/decode (demo.decoding, recording every step) vs plain model.generate, side by side.

Run: `python -m bench.bench_decoding [repeats]`. For SmolLM2 greedy, 4 beams and sampling it prints
the tokens per second of plain `model.generate` (on the main thread with torch's default thread
count, as in a notebook, and with the app's one thread), of `decoding.decode` (what /decode's
engine does, step records included) and of `decoding.decode_stream` (the streaming variant the tab
uses, generating in a worker thread), and their ratios to the notebook call (target: ≥ 0.9x); then
the time to the first streamed token (target: < 1 s), and last what a worker thread costs
generate() when torch runs several threads per call (why the app uses one: demo.models.torch_threads).
Runs are interleaved and the best of N is kept, so a busy shared machine slows every side alike;
all produce the same tokens (checked on every run).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODEL = "SmolLM2-135M-Instruct (bundled)"
PROMPT = "I enjoy walking with my cute dog"
MAX_NEW_TOKENS = 40
CASES: dict[str, dict[str, Any]] = {
    "greedy": {},
    "beam search (num_beams=4)": {"num_beams": 4},
    "sampling (top_k=50, seed=42)": {"do_sample": True, "top_k": 50, "seed": 42},
}
REPEATS = 3
CORES = os.cpu_count() or 1


def best_of(fns: dict[str, Callable[[], list[int]]], repeats: int) -> tuple[dict[str, float], dict[str, int]]:
    """Best time of each function (interleaved runs) and how many new tokens it produced."""
    tokens = {k: len(fn()) for k, fn in fns.items()}  # warm up, and count
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            out = fn()
            best[k] = min(best[k], time.perf_counter() - t0)
            assert len(out) == tokens[k]
    return best, tokens


def main(argv: list[str] | None = None) -> None:
    import torch

    from demo import decoding, models

    sys.stdout.reconfigure(line_buffering=True)  # rows appear as they are measured
    argv = sys.argv[1:] if argv is None else argv
    repeats = int(argv[0]) if argv else REPEATS
    loaded = models.load(MODEL, "causal-lm", task=decoding.TASK)
    app_threads = models.torch_threads()
    print(f"{MODEL}, prompt {PROMPT!r}, max_new_tokens={MAX_NEW_TOKENS}, best of {repeats} interleaved runs, "
          f"{CORES} cores; the app runs torch with {app_threads} thread(s) per call\n")
    print(f"{'strategy':30} {'tokens':>6} {f'generate {CORES}T':>12} {f'generate {app_threads}T':>12} "
          f"{'/decode':>12} {'ratio':>6} {'streamed':>12} {'ratio':>6}")
    for name, settings in CASES.items():
        ref = decoding.decode(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS, **settings)
        kw = ref["generate_kwargs"]
        ids = torch.tensor([ref["prompt_token_ids"]])
        expected = ref["sequences"][0]["token_ids"]

        def plain(threads: int) -> list[int]:
            torch.set_num_threads(threads)
            with torch.inference_mode():
                if kw["do_sample"]:
                    torch.manual_seed(settings["seed"])
                out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), **kw)
            torch.set_num_threads(app_threads)
            return out[0, ids.shape[1] :].tolist()[: len(expected)]

        def ours() -> list[int]:
            r = decoding.decode(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS, **settings)
            assert r["sequences"][0]["token_ids"] == expected, "the recorded run must give the same tokens"
            return expected

        def streamed() -> list[int]:
            *_, r = decoding.decode_stream(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS, **settings)
            assert r["sequences"][0]["token_ids"] == expected
            return expected

        assert plain(CORES) == expected == plain(app_threads), "plain generate must give the same tokens"
        fns = {"generate": lambda: plain(CORES), "generate_app": lambda: plain(app_threads),
               "decode": ours, "stream": streamed}
        t, n = best_of(fns, repeats)
        tps = {k: n[k] / t[k] for k in t}
        print(
            f"{name:30} {n['generate']:>6} {tps['generate']:>8.1f} t/s {tps['generate_app']:>8.1f} t/s "
            f"{tps['decode']:>8.1f} t/s {tps['decode'] / tps['generate']:>5.2f}x "
            f"{tps['stream']:>8.1f} t/s {tps['stream'] / tps['generate']:>5.2f}x"
        )
    print(f"\nratio = tokens/s of ours ÷ tokens/s of plain model.generate with the same arguments on the main "
          f"thread with {CORES} torch threads (target ≥ 0.9x)")

    # time to the first streamed token (what a student waits for after clicking Generate; target < 1 s)
    first = float("inf")
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        stream = decoding.decode_stream(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS)
        part = next(stream)
        first = min(first, time.perf_counter() - t0)
        stream.close()
        assert part["partial"] and part["step"] == 0
    print(f"first streamed token (greedy, model loaded): {first * 1000:.0f} ms (best of {repeats + 1})")
    through_server(repeats)
    server_threads(repeats)


def server_threads(repeats: int) -> None:
    """Streamed greedy decoding (generate() in a worker thread, as in the app) with torch's default
    thread count vs one thread per call: the measurement behind demo.models.torch_threads().
    Last, because once two OpenMP teams exist every multi-threaded call in this process is throttled."""
    import torch

    from demo import decoding, models

    def streamed(threads: int) -> list[int]:
        torch.set_num_threads(threads)
        *_, r = decoding.decode_stream(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS)
        return r["sequences"][0]["token_ids"]

    t, n = best_of({"cores": lambda: streamed(CORES), "one": lambda: streamed(1)}, repeats)
    torch.set_num_threads(models.torch_threads())
    cores, one = n["cores"] / t["cores"], n["one"] / t["one"]
    print(f"streamed greedy, generate() in a worker thread: {cores:.1f} t/s with {CORES} torch threads per call, "
          f"{one:.1f} t/s with 1 ({one / cores:.2f}x)")


def through_server(repeats: int) -> None:
    """What a student gets: /decode streamed from `python app.py` (gradio_client, response cache off),
    time to the first update and tokens/s, against plain generate() in this process, interleaved."""
    import torch
    from gradio_client import Client

    from demo import decoding, models
    from testkit.server import serve

    loaded = models.load(MODEL, "causal-lm", task=decoding.TASK)
    ref = decoding.decode(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS)
    ids = torch.tensor([ref["prompt_token_ids"]])
    expected = ref["sequences"][0]["token_ids"]
    args = dict(model=MODEL, prompt=PROMPT, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, num_beams=1,
                num_return_sequences=1, no_repeat_ngram_size=0, early_stopping=False, temperature=1.0,
                top_k=50, top_p=1.0, repetition_penalty=1.0, seed=42, use_chat_template=False)
    first: list[float] = []

    def plain() -> list[int]:
        torch.set_num_threads(CORES)
        with torch.inference_mode():
            out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), **ref["generate_kwargs"])
        torch.set_num_threads(models.torch_threads())
        return out[0, ids.shape[1] :].tolist()[: len(expected)]

    with serve(env_extra={"TC_RESPONSES_BUDGET_MB": "0"}) as (url, _proc, _startup):
        client = Client(url, verbose=False)

        def served() -> list[int]:
            t0 = time.perf_counter()
            job = client.submit(**args, api_name="/decode")
            for i, _update in enumerate(job):
                if i == 0:
                    first.append(time.perf_counter() - t0)
            raw = job.outputs()[-1][-1]
            assert raw["sequences"][0]["token_ids"] == expected, "the server must give the same tokens"
            return expected

        t, n = best_of({"generate": plain, "served": served}, repeats)
    ratio = (n["served"] / t["served"]) / (n["generate"] / t["generate"])
    print(f"/decode through the server, greedy, streamed: {n['served'] / t['served']:.1f} t/s vs plain generate "
          f"{n['generate'] / t['generate']:.1f} t/s ({ratio:.2f}x, including the HTTP round trips); "
          f"first update after {min(first) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
