"""Cold start of `python app.py` to HTTP 200 vs a bare Gradio Blocks hello-world, and first model loads.

    python -m bench.bench_startup [--runs 3]

Both servers are started the same way (a fresh Python process, loopback only), alternately,
so the ratio is measured side by side on the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from testkit.server import ROOT, serve

BARE = """
import gradio as gr
with gr.Blocks() as demo:
    gr.Markdown("hello")
demo.launch(server_name="127.0.0.1")
"""

LOAD_ONE = """
import sys, time
from demo import models
t = time.perf_counter()
models.warm_imports()  # torch + transformers' model code: what the app's first request imports once
t_imports = time.perf_counter() - t
t = time.perf_counter()
models.load(sys.argv[1], sys.argv[2])
print(t_imports, time.perf_counter() - t)
"""


def time_to_200(cmd: list[str]) -> float:
    with serve(cmd) as (_, _, seconds):
        return seconds


def first_load(name: str, head: str) -> tuple[float, float]:
    """In a fresh process: (seconds importing torch/transformers once, seconds loading the model)."""
    out = subprocess.run([sys.executable, "-c", LOAD_ONE, name, head], cwd=ROOT, capture_output=True,
                         text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"), check=True)
    imports, load = out.stdout.strip().splitlines()[-1].split()
    return float(imports), float(load)


def main(argv: list[str] | None = None) -> list[tuple[str, str]]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(BARE)
    bare, ours = [], []
    for _ in range(args.runs):  # alternate so both see the same machine load
        bare.append(time_to_200([sys.executable, f.name]))
        ours.append(time_to_200([sys.executable, "app.py"]))
    os.unlink(f.name)
    b, o = statistics.median(bare), statistics.median(ours)
    rows = [
        ("cold start: bare Gradio Blocks → HTTP 200", f"{b:.2f} s"),
        ("cold start: python app.py → HTTP 200", f"{o:.2f} s"),
        ("cold start ratio (target ≤ 1.5×)", f"{o / b:.2f}×"),
    ]
    first_load("SmolLM2-135M-Instruct (bundled)", "causal-lm")  # make sure the GGUF is converted
    for name, head in [("all-MiniLM-L6-v2 (bundled)", "base"), ("SmolLM2-135M-Instruct (bundled)", "causal-lm")]:
        imports, load = first_load(name, head)
        rows.append((f"first load: {name} (target ≤ 3 s)",
                     f"{load:.2f} s (+ {imports:.2f} s importing torch/transformers, once per process)"))
    for label, value in rows:
        print(f"{label:<60} {value}")
    return rows


if __name__ == "__main__":
    main()
