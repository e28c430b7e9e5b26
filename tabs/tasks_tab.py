"""Tasks: one sub-tab per task (classification, NER, QA, fill-mask, generation, ...)."""

from __future__ import annotations

import gradio as gr

from tabs import classify_tab, ner_tab, pair_tab, qa_tab
from tabs import fill_mask_tab, generate_tab, multiple_choice_tab, nsp_tab, seq2seq_tab

TITLE = "Tasks"

# each module exposes TITLE and build(), like a top-level tab
TASK_TABS: list = [classify_tab, pair_tab, ner_tab, qa_tab,
                   fill_mask_tab, generate_tab, seq2seq_tab, multiple_choice_tab, nsp_tab]


def build() -> None:
    gr.Markdown(
        "Each task = the same kind of base model + a different **head** + a different **loss**. "
        "Every sub-tab shows the model class, its head layers and loss, and warns when the head "
        "was newly initialised (random) because the checkpoint never trained it."
    )
    with gr.Tabs():
        for t in TASK_TABS:
            with gr.Tab(t.TITLE):
                t.build()
