"""Translation and summarization with T5: the task prefix is part of the input, then generate()."""

from __future__ import annotations

import gradio as gr

from demo import seq2seq
from tabs.common import GENERATE_LANE, escape, guard, model_picker, raw_output
from tabs.task_panel import model_panel
from tabs.task_views import (
    encoded_caption, loss_md, notice_md, panel_for, tokens_html, wire_panel,
)

TITLE = "Translation & summarization"

TRANSLATE_EXAMPLE = "Legumes share resources with nitrogen-fixing bacteria."  # seed 002
SUMMARIZE_EXAMPLE = (  # the text behind seed 002's summary ("the inflation reduction act lowers ...")
    "The Inflation Reduction Act lowers prescription drug costs, health care costs, and energy costs. "
    "It's the most aggressive action on tackling the climate crisis in American history, which will lift "
    "up American workers and create good-paying, union jobs across the country. It'll lower the deficit "
    "and ask the ultra-wealthy and corporations to pay their fair share. And no one making under $400,000 "
    "per year will pay a penny more in taxes."
)
REFERENCE_TRANSLATION = "Les légumes partagent des ressources avec des bactéries fixatrices d'azote."


def _input_html(result: dict) -> str:
    prefix = escape(result["prefix"])
    body = escape(result["input_text"][len(result["prefix"]):])
    shown = (
        f'<div style="margin-bottom:6px"><b>Model input:</b> '
        f'<span style="background:#fde68a;padding:1px 3px;border-radius:3px">{prefix}</span>{body}</div>'
        if prefix
        else f"<div><b>Model input</b> (no task prefix for this model): {body}</div>"
    )
    encoded = tokens_html(result["tokens"], result["input_ids"],
                          caption=encoded_caption(len(result["tokens"]), " · encoder input"))
    decoded = tokens_html(result["output_tokens"], result["output_ids"], generated_from=0,
                          caption=f"<b>Decoder output</b> — {len(result['output_ids'])} tokens, starting from "
                          "the decoder start token")
    return shown + encoded + "<div style='height:8px'></div>" + decoded


def build() -> None:
    gr.Markdown(
        "An **encoder-decoder** (T5) reads the whole input with its encoder and writes the output with "
        "its decoder, one token at a time (`generate()`, greedy). T5 learned many tasks at once, told "
        "apart by a **task prefix** at the start of the input: `translate English to French: `, "
        "`summarize: `. The tab adds it for you (and doesn't add it twice if you typed it)."
    )
    with gr.Row():
        model = model_picker("translation", prefer_trained_head=seq2seq.HEAD, scale=3)
    panel = model_panel()
    text = gr.Textbox(label="text", lines=4, value=TRANSLATE_EXAMPLE)
    with gr.Row():
        translate = gr.Button("Translate (English → French)", variant="primary")
        summarize = gr.Button("Summarize", variant="primary")
    gr.Examples([[TRANSLATE_EXAMPLE], [SUMMARIZE_EXAMPLE],
                 ["translate English to French: " + TRANSLATE_EXAMPLE]], [text], label="Examples (seed 002)")
    notice = gr.Markdown()
    output = gr.Textbox(label="output", lines=3, interactive=False)
    encoded = gr.HTML()
    with gr.Accordion("Compute the loss for this label", open=False):
        gr.Markdown(
            "Training a seq2seq model: the labels are the token ids of the reference output. The "
            "decoder reads them shifted right (teacher forcing) and is scored on each next token."
        )
        with gr.Row():
            task = gr.Radio(["translation", "summarization"], value="translation", label="task", scale=1)
            target = gr.Textbox(label="target", value=REFERENCE_TRANSLATION, scale=3)
            loss_run = gr.Button("Compute outputs.loss", scale=1)
        loss_out = gr.Markdown()
    raw = raw_output()

    def run(model: str, text: str, task: str):
        result = seq2seq.run(model, text, task)
        return notice_md(result["truncated"]), result["text"], _input_html(result), result

    @guard(cache=True, lane=GENERATE_LANE)  # greedy: a class clicking the same example computes it once
    def translate_text(model: str, text: str):
        return run(model, text, "translation")

    @guard(cache=True, lane=GENERATE_LANE)
    def summarize_text(model: str, text: str):
        return run(model, text, "summarization")

    @guard(cache=True)
    def loss(model: str, text: str, task: str, target: str):
        result = seq2seq.target_loss(model, text, target, task)
        return loss_md(result, f"labels = the {len(result['labels'])} target tokens")

    wire_panel(model, panel, seq2seq.HEAD, "translation")
    outputs = [notice, output, encoded, raw]
    for button, fn, name in ((translate, translate_text, "translate"), (summarize, summarize_text, "summarize")):
        button.click(fn, [model, text], outputs, api_name=name).success(
            panel_for(seq2seq.HEAD, "translation"), model, panel.outputs, api_visibility="private")
    loss_run.click(loss, [model, text, task, target], loss_out, api_name="seq2seq_loss")
