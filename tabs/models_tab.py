"""Models: every registry model, what it is for, and whether it works on this machine right now."""

from __future__ import annotations

import gradio as gr

from demo import catalog, prefetch
from tabs import links
from tabs.common import escape, guard, raw_output

TITLE = "Models"

# What fits 1440 px without scrolling sideways: the status (with its fetch command) is the third column and
# the widest; where each model comes from is in its own table below.
COLUMNS = ["model", "tasks", "status", "size (MB)", "what it is"]
WIDTHS = ["20%", "17%", "30%", "8%", "25%"]
SOURCE_COLUMNS = ["model", "hub id @ revision", "offline source"]


def _table() -> list[list]:
    return [[r[c] for c in COLUMNS] for r in catalog.model_table()]


def _sources() -> list[list]:
    return [[r[c] for c in SOURCE_COLUMNS] for r in catalog.model_table()]


def prepare_for_class(progress=gr.Progress()) -> tuple[str, list[list], dict]:  # noqa: B008 - how Gradio asks for a bar
    """Fetch every default model that is not here yet, with a progress bar; a plain message when offline."""

    def report(done: int, total: int, name: str) -> None:
        progress((done, total), desc=f"downloading {name}" if done < total else "done", unit="models")

    out = prefetch.prepare_class(report)
    icon = {True: "✅" if not out["failed"] else "⚠️", False: "📴", None: "✅"}[out["reachable"]]
    return f"{icon} {escape(out['message'])}", _table(), out


def build() -> None:
    gr.Markdown(
        "Every model the app can use. **bundled** and **cached** models work with no internet; "
        "for the others run the command shown once on a machine with internet "
        "(`python -m demo.prefetch` fetches them all, as does **Prepare for class** here). Use *Try loading* before class."
    )
    with gr.Row():
        refresh = gr.Button("Refresh status", size="sm")
        prepare = gr.Button("Prepare for class", size="sm", variant="secondary")
    prepared = gr.Markdown()
    prepared_raw = gr.JSON(visible=False)
    table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, column_widths=WIDTHS, label="Registry")
    with gr.Accordion("Where each model comes from (hub id, pinned revision, offline source)", open=False):
        sources = gr.Dataframe(headers=SOURCE_COLUMNS, interactive=False, wrap=True, label="Sources")
    gr.on(None, guard(_table, lane=None), outputs=table, api_visibility="private")  # fresh status on every page load
    gr.on(None, guard(_sources, lane=None), outputs=sources, api_visibility="private")
    refresh.click(guard(_table, lane=None), None, table, api_name="models")
    prepare.click(guard(prepare_for_class, lane=None), None, [prepared, table, prepared_raw],
                  api_name="prepare_for_class", show_progress="full")
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

    links.register("models", go.click(try_loading, name, [summary, raw], api_name="load_model"))
