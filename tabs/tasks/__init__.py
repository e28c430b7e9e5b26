"""The Tasks tab: one sub-tab per task (classification, NER, QA, fill-mask, generation, ...).

Each sub-tab module here exposes TITLE and build() like a top-level tab and calls its engine in
``demo/tasks/``; ``widgets`` holds what they share (model panel, encoded input, loss line, notices).
A new task = an engine ``demo/tasks/<task>.py`` + a sub-tab ``tabs/tasks/<task>.py`` listed in SUB_TABS.
"""

from __future__ import annotations

import gradio as gr

from tabs.tasks import (
    classification,
    fill_mask,
    generation,
    multiple_choice,
    next_sentence,
    pairs,
    qa,
    seq2seq,
    token_classification,
)

TITLE = "Tasks"

SUB_TABS: list = [classification, pairs, token_classification, qa,
                  fill_mask, generation, seq2seq, multiple_choice, next_sentence]


def build() -> None:
    gr.Markdown(
        "Each task = the same kind of base model + a different **head** + a different **loss**. "
        "Every sub-tab shows the model class, its head layers and loss, and warns when the head "
        "was newly initialised (random) because the checkpoint never trained it."
    )
    with gr.Tabs(overflow_behavior="wrap"):  # every task visible at 1440 px (no "…" menu)
        for t in SUB_TABS:
            with gr.Tab(t.TITLE, id=t.__name__.rsplit(".", 1)[-1].replace("_", "-")):  # the link id (tabs/links.py)
                t.build()
