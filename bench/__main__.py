"""Run every benchmark in bench/ and print one table: `python -m bench` (or `make bench`)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import traceback
from pathlib import Path


def machine() -> str:
    import torch

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads)")


def main() -> int:
    only = sys.argv[1:]
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    print(f"# Transformers Classroom benchmarks — {machine()}\n")
    failed = 0
    for name in names:
        if only and name not in only:
            continue
        print(f"## {name}")
        try:
            importlib.import_module(f"bench.{name}").main([])
        except Exception:  # noqa: BLE001 - report and run the others
            failed += 1
            traceback.print_exc()
        print()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
