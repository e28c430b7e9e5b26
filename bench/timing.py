"""Timing shared by the benchmarks: interleaved best-of, so a busy machine slows both sides alike."""

from __future__ import annotations

import time
from typing import Callable


def best_of(fns: dict[str, Callable[[], object]], repeats: int = 5) -> dict[str, float]:
    """Best time of each function, run interleaved (one warm-up call each, not timed)."""
    for fn in fns.values():
        fn()
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best
