"""Models: every registry model, what it is for, and whether it works on this machine right now."""

from __future__ import annotations

import gradio as gr

from demo import catalog
from tabs.common import guard, raw_output

TITLE = "Models"

COLUMNS = ["model", "tasks", "status", "offline source", "size (MB)", "hub id @ revision", "what it is"]


def _table() -> list[list]:
    return [[r[c] for c in COLUMNS] for r in catalog.model_table()]


def build() -> None:
    gr.Markdown(
        "Every model the app can use. **bundled** and **cached** models work with no internet; "
        "for the others run the command shown once on a machine with internet "
        "(`python -m demo.prefetch` fetches them all). Use *Try loading* before class."
    )
    table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, label="Registry")
    gr.on(None, guard(_table, lane=None), outputs=table, api_visibility="private")  # fresh status on every page load
    refresh = gr.Button("Refresh status", size="sm")
    refresh.click(guard(_table, lane=None), None, table, api_name="models")
    with gr.Row():
        name = gr.Dropdown(choices=catalog.model_names(), value=catalog.model_names()[0], label="model")
        go = gr.Button("Try loading", variant="primary")
    summary = gr.Markdown()
    raw = raw_output()

    @guard
    def try_loading(model: str):
        info = catalog.try_load(model)
        warn = (
            f"\n\n⚠️ Newly initialised (random) weights: {', '.join(info['newly_initialized'])}"
            if info["newly_initialized"]
            else ""
        )
        text = (
            f"✅ **{info['model']}** loaded as `{info['class']}` "
            f"({info['parameters'] / 1e6:.1f} M parameters) in {info['load_seconds']} s.{warn}"
        )
        return text, info

    go.click(try_loading, name, [summary, raw], api_name="load_model")
