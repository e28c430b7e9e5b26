"""/attention (demo.attention.run) vs bertviz's own HTML, and vs the bare model call.

Run: `python -m bench.bench_attention`. For MiniLM (6 layers x 12 heads) at 64 and 128 tokens prints:
- page size: bertviz's `head_view` / `model_view(html_action="return")` HTML (full-precision JSON,
  scripts from a CDN) vs our standalone offline page (quantised + deflated weights, d3 + jQuery
  inlined) and vs the escaped `<iframe srcdoc>` the browser receives; target ≤ 1 MB at 128 tokens;
- time: the whole endpoint (tokenize, forward, quantise, build the page) vs the bare
  tokenizer + `model(**enc, output_attentions=True)` call, best of N, interleaved.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from bench import timing
from demo.course_texts import PYTHON_LANGUAGE, PYTHON_SNAKE

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODEL = "all-MiniLM-L6-v2 (bundled)"
TEXT = " ".join(
    [f"{PYTHON_SNAKE} {PYTHON_LANGUAGE} I went to the bank to deposit money, then sat on the river bank and "
     "watched the boats."] * 12
)
REPEATS = 5


def best_of(fns: dict[str, Callable[[], object]], repeats: int = REPEATS) -> dict[str, float]:
    return timing.best_of(fns, repeats)


def bertviz_html(tokens_n: int, view: str) -> int:
    """Bytes of bertviz's own HTML for the same model and input."""
    import torch
    from bertviz import head_view, model_view

    from demo import models

    loaded = models.load(MODEL, "base", attentions=True)
    enc = loaded.tokenizer(TEXT, truncation=True, max_length=tokens_n, return_tensors="pt")
    with torch.no_grad():
        att = loaded.model(**enc, output_attentions=True).attentions
    tokens = loaded.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
    fn = head_view if view == "head" else model_view
    return len(fn(att, tokens, html_action="return").data.encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    import torch

    from demo import attention, models

    print(f"model: {MODEL}")
    print("| tokens | view | bertviz HTML | our page | our iframe | ratio (bertviz / page) | ≤ 1 MB |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for n in (64, 128):
        for view in ("head", "model"):
            ours = attention.run(MODEL, TEXT, None, view, max_tokens=n)
            assert ours["raw"]["num_tokens"] == n
            page = len(ours["document"].encode("utf-8"))
            frame = len(ours["html"].encode("utf-8"))
            theirs = bertviz_html(n, view)
            print(f"| {n} | {view} | {theirs / 1e6:.2f} MB | {page / 1e3:.0f} kB | {frame / 1e3:.0f} kB | "
                  f"{theirs / page:.0f}x | {'yes' if page <= 1_000_000 else 'NO'} |")

    loaded = models.load(MODEL, "base", attentions=True)

    def bare() -> None:
        enc = loaded.tokenizer(TEXT, truncation=True, max_length=attention.MAX_TOKENS, return_tensors="pt")
        with torch.no_grad():
            loaded.model(**enc, output_attentions=True)

    def endpoint() -> None:
        attention.run(MODEL, TEXT, None, "head")

    best = best_of({"bare model call": bare, "/attention endpoint": endpoint})
    print(f"\ntime at {attention.MAX_TOKENS} tokens, head view, best of {REPEATS} "
          f"(torch {torch.get_num_threads()} threads):")
    for k, v in best.items():
        print(f"  {k:22s} {v * 1000:8.1f} ms")
    print(f"  ratio endpoint / bare  {best['/attention endpoint'] / best['bare model call']:8.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
