"""Memory: cycle through every bundled, cached and tiny test model (every head) under the loader's
budget, twice round; print the process's RSS against the budget.

    python -m bench.bench_memory [--budget-mb 1500]
"""

from __future__ import annotations

import argparse
import os
import resource


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget-mb", type=float, default=1500)
    args = ap.parse_args(argv)
    os.environ["TC_MODEL_BUDGET_MB"] = str(args.budget_mb)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if "TC_EXTRA_MODELS" not in os.environ:  # the tests' tiny models (BERT, DistilBERT, RoBERTa, GPT-2, T5, Llama)
        from testkit import tiny_models

        tiny_models.register()
    from demo import models, registry

    base = rss_mb()
    heads = ["base", "causal-lm", "masked-lm", "sequence-classification", "token-classification",
             "question-answering", "multiple-choice", "next-sentence"]
    peak_cache = 0.0
    loads = 0
    for _ in range(2):  # twice round: evictions and reloads
        for spec in registry.all_models():
            if models.status(spec) not in ("bundled", "local", "cached"):
                continue
            for head in heads:
                try:
                    models.load(spec.name, head)
                except Exception:  # noqa: BLE001 - a model without that head
                    continue
                loads += 1
                peak_cache = max(peak_cache, models.CACHE.total_mb())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'loads (2 rounds, every available model x head)':<52} {loads}, "
          f"{sum(1 for k in models.CACHE.loads if k[0] == 'model')} distinct")
    print(f"{'loader budget':<52} {args.budget_mb:.0f} MB")
    print(f"{'peak cache size (counted by the loader)':<52} {peak_cache:.0f} MB")
    print(f"{'RSS: before / now / peak':<52} {base:.0f} / {rss_mb():.0f} / {peak:.0f} MB")
    print(f"{'peak RSS above start-up, vs budget':<52} {(peak - base) / args.budget_mb:.2f}×")


if __name__ == "__main__":
    main()
