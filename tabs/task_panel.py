"""The model panel every task tab shows: class, head layers, losses, newly initialised weights."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from demo import anatomy, models
from tabs.common import code, escape, head_notice

HEAD_COLUMNS = ["layer", "type", "shape", "parameters"]


@dataclass
class ModelPanel:
    summary: gr.Markdown  # class + newly-initialised warning (always visible)
    head: gr.Dataframe  # head layers in forward order
    losses: gr.Markdown  # loss per problem type

    @property
    def outputs(self) -> list:
        return [self.summary, self.head, self.losses]


def model_panel() -> ModelPanel:
    """Create the panel's components in the current layout context."""
    summary = gr.Markdown(elem_classes=["tc-model-summary"])
    with gr.Accordion("Model anatomy: head layers and loss", open=False):
        head = gr.Dataframe(headers=HEAD_COLUMNS, interactive=False, label="Head on top of the base model")
        losses = gr.Markdown()
    return ModelPanel(summary, head, losses)


def panel_values(loaded: models.Loaded) -> tuple[str, list[list], str]:
    """Values for ModelPanel.outputs, from the loaded model itself."""
    info = anatomy.describe_loaded(loaded)
    summary = f"**Model class:** {code(info['model_class'])}"
    if loaded.head == "sequence-classification":
        how = "" if info["problem_type_declared"] else f" (the config leaves it unset: chosen from num_labels = {info['num_labels']})"
        summary += f" · **problem_type:** {code(info['problem_type'])}{how}"
    summary += "\n\n" + head_notice(loaded)
    rows = [[h["name"], h["type"], h["shape"], h["params"]] for h in info["head"]]
    loss_lines = [
        f"- **{escape(p)}** → {code('nn.' + l)}" + (" ← this model" if p == info["problem_type"] else "")
        for p, l in info["losses"].items()
    ]
    losses = (
        "**Loss by problem type** (found by running the class with labels and recording which "
        "loss function ran):\n" + "\n".join(loss_lines)
        if loss_lines
        else ""
    )
    return summary, rows, losses
