"""Transformers Classroom: assembles the tabs and launches. `python app.py` serves on 0.0.0.0:7860."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio: no outbound lookup

import gradio as gr  # noqa: E402

from tabs import TABS  # noqa: E402

ASSETS = Path(__file__).parent / "assets"

INTRO = (
    "# 🤗 Transformers Classroom\n"
    "Tokens, attention, embeddings, task heads, losses and decoding — with real models, "
    "step by step. Every result has a *Raw output* panel showing exactly what the model returned."
)


def build_app() -> gr.Blocks:
    with gr.Blocks(title="Transformers Classroom") as demo:
        gr.Markdown(INTRO, elem_id="intro")
        for t in TABS:
            with gr.Tab(t.TITLE):
                t.build()
    # 2 cores: a few events at once; the rest wait in a bounded queue (see bench/load_test.py).
    demo.queue(default_concurrency_limit=2, max_size=128)
    return demo


def launch_kwargs() -> dict:
    return {
        "css": (ASSETS / "style.css").read_text(encoding="utf-8"),
        "theme": gr.themes.Soft(),
        # every handler raises gr.Error itself; this makes Gradio's own input checks (a word sent
        # to a number field) reach API users as their message instead of a generic "exception"
        "show_error": True,
    }


if __name__ == "__main__":
    build_app().launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_kwargs(),
    )
