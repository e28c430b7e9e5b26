"""/decode (demo.decoding, recording every step) vs plain model.generate, side by side.

Run: `python -m bench.bench_decoding [repeats]`. For SmolLM2 greedy, 4 beams and sampling it prints
the tokens per second of plain `model.generate`, of `decoding.decode` (what /decode's engine does,
step records included) and of `decoding.decode_stream` (the streaming variant the tab uses), and
their ratios (target: ≥ 0.9x), then the time to the first streamed token (target: < 1 s). Runs are interleaved and the best of N is kept, so a busy shared
machine slows both sides alike; both produce the same tokens (checked on every run).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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
    print(f"{MODEL}, prompt {PROMPT!r}, max_new_tokens={MAX_NEW_TOKENS}, best of {repeats} interleaved runs, "
          f"{torch.get_num_threads()} torch threads\n")  # fmt: skip
    print(f"{'strategy':30} {'tokens':>6} {'generate':>12} {'/decode':>12} {'ratio':>6} {'streamed':>12} {'ratio':>6}")
    for name, settings in CASES.items():
        ref = decoding.decode(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS, **settings)
        kw = ref["generate_kwargs"]
        ids = torch.tensor([ref["prompt_token_ids"]])
        expected = ref["sequences"][0]["token_ids"]

        def plain() -> list[int]:
            with torch.inference_mode():
                if kw["do_sample"]:
                    torch.manual_seed(settings["seed"])
                out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), **kw)
            return out[0, ids.shape[1] :].tolist()[: len(expected)]

        def ours() -> list[int]:
            r = decoding.decode(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS, **settings)
            assert r["sequences"][0]["token_ids"] == expected, "the recorded run must give the same tokens"
            return expected

        def streamed() -> list[int]:
            *_, r = decoding.decode_stream(MODEL, PROMPT, max_new_tokens=MAX_NEW_TOKENS, **settings)
            assert r["sequences"][0]["token_ids"] == expected
            return expected

        assert plain() == expected, "plain generate must give the same tokens"
        t, n = best_of({"generate": plain, "decode": ours, "stream": streamed}, repeats)
        tps = {k: n[k] / t[k] for k in t}
        print(
            f"{name:30} {n['generate']:>6} {tps['generate']:>8.1f} t/s {tps['decode']:>8.1f} t/s "
            f"{tps['decode'] / tps['generate']:>5.2f}x {tps['stream']:>8.1f} t/s {tps['stream'] / tps['generate']:>5.2f}x"
        )
    print("\nratio = tokens/s of ours ÷ tokens/s of plain model.generate with the same arguments (target ≥ 0.9x)")

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


if __name__ == "__main__":
    main()
