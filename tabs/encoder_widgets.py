"""Pieces shared by the encoder task tabs (classification, pairs, token classification, QA).

The encoded input (tokens coloured by the sentence they belong to, with ids and token_type_ids),
the model dropdown over several registry tasks, and the "loss for this label" result line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from demo import models, registry
from demo.errors import DemoError
from tabs.common import default_model, escape
from tabs.task_panel import panel_values

SEGMENT_COLORS = {"text": "#bfdbfe", "text_pair": "#fde68a", "special": "#e5e7eb"}
ENCODED_COLUMNS = ["position", "token", "input_id", "token_type_id", "segment"]


@dataclass
class EncodedView:
    tokens: gr.HighlightedText
    table: gr.Dataframe

    @property
    def outputs(self) -> list:
        return [self.tokens, self.table]


def encoded_view(open: bool = False, label: str = "Encoded input: what the model really reads") -> EncodedView:
    """Tokens coloured by segment + a table of ids and token_type_ids, in a collapsible accordion."""
    with gr.Accordion(label, open=open):
        tokens = gr.HighlightedText(
            label="tokens, coloured by segment (special: [CLS], [SEP], <s>, </s> …)",
            color_map=SEGMENT_COLORS,
            show_legend=True,
            show_inline_category=False,
            combine_adjacent=False,
        )
        table = gr.Dataframe(headers=ENCODED_COLUMNS, interactive=False, label="input_ids and token_type_ids",
                             max_height=260, wrap=True)
    return EncodedView(tokens, table)


def encoded_values(view: dict) -> tuple[list[tuple[str, str | None]], list[list[Any]]]:
    """Values for EncodedView.outputs from the engine's ``encoded`` dict."""
    names = {0: "text", 1: "text_pair", None: "special"}
    types = view.get("token_type_ids") or [None] * len(view["tokens"])
    spans: list[tuple[str, str | None]] = []
    rows = []
    for i, (tok, tid, seg, tt) in enumerate(zip(view["tokens"], view["input_ids"], view["sequence_ids"], types)):
        spans.append((tok, names.get(seg, "special")))
        spans.append((" ", None))
        rows.append([i, tok, tid, "—" if tt is None else tt, names.get(seg, "special")])
    return spans[:-1], rows


def picker(tasks: tuple[str, ...], prefer_trained_head: str, label: str = "model") -> gr.Dropdown:
    """A model dropdown over the registry models of several tasks (the first task's models first)."""
    names: list[str] = []
    for t in tasks:
        names += [n for n in registry.names_for(t) if n not in names]
    return gr.Dropdown(
        choices=names,
        value=default_model(tasks[0], prefer_trained_head),
        label=label,
        info="Bundled models work offline; others need `python -m demo.prefetch NAME` once.",
    )


def loss_markdown(ran: dict, what: str) -> str:
    """One line: outputs.loss and the loss function that actually ran."""
    fns = " + ".join(f"`nn.{escape(f)}`" for f in ran["loss_function"]) or "none"
    return (
        f"**outputs.loss = {ran['loss']:.4f}** — computed by {fns} from the logits and {what}. "
        "A lower loss means the model already agrees with this label; training nudges the weights to lower it."
    )


def truncation_md(notice: str) -> str:
    return f"\n\n{escape(notice)}" if notice else ""



def panel_or_notice(model: str, head: str) -> tuple[str, list, str]:
    """The model panel's values, or the reason the model cannot load (with the fix) in its summary.

    Used on page load too, where a toast for a model that is not on this machine would be noise.
    """
    try:
        return panel_values(models.load(model, head))
    except DemoError as e:
        return f"⚠️ {escape(e)}", [], ""


def on_load_and_model_change(model: gr.Dropdown, fn: Any, outputs: list) -> None:
    """Run ``fn(model)`` when the page loads and whenever the model changes (fills the model panel)."""
    gr.on(None, fn, model, outputs, api_visibility="private", show_progress="hidden")
